"""AR: invoices in detail form (invoiceItems + payments) and the payments applied to them."""

from __future__ import annotations

from .common import AS_OF, DAY, Ctx, address, audit, money, new_id

LABOR_CODES = {
    "HVAC Service": ("LAB-HVAC-REG", "LAB-HVAC-OT"),
    "Plumbing Service": ("LAB-PLB-REG", "LAB-PLB-OT"),
    "Mechanical Construction": ("LAB-MEC-JRN", "LAB-MEC-APP"),
    "Fire Sprinkler Service": ("LAB-FP-REG", "LAB-FP-OT"),
    "Fire Alarm & Inspection": ("LAB-FA-TECH", "LAB-FP-INSP"),
    "Fire Protection Construction": ("LAB-FP-REG", "LAB-FP-OT"),
}
TERM_DAYS = {"Net 30": 30, "Net 45": 45, "Net 60": 60, "Due on Receipt": 0}
TAX_RATE = 8.25

# Invoices that are no longer (or never were) a claim on the customer: a job is not billed by them.
CANCELLED = frozenset({"Void", "Bypassed", "Deleted"})
# Retainage withheld on an invoice. Integrators say BuildOps keeps retainage on invoices, but no public source
# names the field: this name is the twin's guess (docs/evidence/buildops.csv: unverified), and source-buildops
# reads it through its invoice_retainage_field setting. Service invoices withhold nothing.
RETAINAGE_FIELD = "retainageAmount"


class _Catalog:
    def __init__(self, products):
        self.by_code = {p["code"]: p for p in products}
        self.parts: dict[str, list[dict]] = {}
        self.equipment: dict[str, list[dict]] = {}
        for p in products:
            if p["productType"] in ("Part", "Material") and p["isActive"]:
                self.parts.setdefault(p["_company"], []).append(p)
            if p["productType"] == "Equipment":
                self.equipment.setdefault(p["_company"], []).append(p)

        # Service calls mostly use cheap parts: weight each part by 1/price (cumulative, for rng.choices).
        self.part_weights = {}
        for company, parts in self.parts.items():
            total, cum = 0.0, []
            for p in parts:
                total += 1 / max(p["unitPrice"], 1)
                cum.append(total)
            self.part_weights[company] = cum

    def part(self, rng, company):
        if company not in self.parts:
            company = next(iter(self.parts))
        return rng.choices(self.parts[company], cum_weights=self.part_weights[company])[0]


def _line(rng, kind, product, qty, price_c, taxable, when, name=None) -> dict:
    amount_c = round(qty * price_c)
    return {
        "id": new_id(rng),
        "name": name or (product["name"] if product else "Miscellaneous materials"),
        "description": product["description"] if product else "Materials used on site",
        "quantity": qty,
        "unitPrice": money(price_c),
        "amount": money(amount_c),
        "taxable": taxable,
        "sortOrder": 0,
        "date": when,
        "lineItemType": kind,
        "product": {"id": product["id"], "code": product["code"]} if product else None,
        "_amount_c": amount_c,
    }


def _service_lines(rng, cat: _Catalog, job, visits, taxable, when) -> list[dict]:
    dept = job["_dept"]["tagName"]
    company = job["_company"]
    reg, ot = (cat.by_code[c] for c in LABOR_CODES[dept])
    lines = []
    for v in visits:
        hours = max(0.5, round(v["_minutes"] * len(v["_crew"]) / 30) / 2)
        labor = ot if job["priority"] == "Emergency" and rng.random() < 0.6 else reg
        lines.append(_line(rng, "LaborLineItem", labor, hours, round(labor["unitPrice"] * 100), False, when))
    for _ in range(rng.choices((0, 1, 2, 3, 4, 5, 6, 7), (6, 14, 18, 18, 16, 12, 9, 7))[0]):
        if rng.random() < 0.03:  # ad-hoc line typed in the field, no pricebook product
            lines.append(_line(rng, "PartLineItem", None, 1, rng.randint(20, 400) * 100, taxable, when))
            continue
        part = cat.part(rng, company)
        qty = rng.randint(1, 3) if part["unitOfMeasure"] == "EA" else rng.randint(2, 25)
        lines.append(_line(rng, "PartLineItem", part, qty, round(part["unitPrice"] * 100), taxable, when))
    fees = []
    if rng.random() < 0.55:
        fees.append("FEE-TRIP")
    if job["priority"] == "Emergency":
        fees.append("FEE-EMG")
    if rng.random() < 0.1:
        fees.append("FEE-DISP")
    for code in fees:
        fee = cat.by_code[code]
        lines.append(_line(rng, "Fee", fee, 1, round(fee["unitPrice"] * 100), False, when))
    disc_code = (
        "DISC-AGR"
        if job["_kind"] == "agreement" and rng.random() < 0.4
        else ("DISC-PROMO" if rng.random() < 0.05 else None)
    )
    if disc_code:
        base_c = sum(x["_amount_c"] for x in lines if x["lineItemType"] == "LaborLineItem")
        off_c = round(base_c * rng.choice((0.05, 0.1, 0.15)))
        if off_c:
            lines.append(_line(rng, "Discount", cat.by_code[disc_code], 1, -off_c, False, when))
    return lines


def _progress_lines(rng, cat: _Catalog, job, amount_c, pct, when) -> list[dict]:
    reg, _ = (cat.by_code[c] for c in LABOR_CODES[job["_dept"]["tagName"]])
    shares = [rng.uniform(0.3, 0.5), rng.uniform(0.3, 0.5), rng.uniform(0.05, 0.2)]
    labor_c = round(amount_c * shares[0] / sum(shares))
    equip_c = round(amount_c * shares[1] / sum(shares))
    material_c = amount_c - labor_c - equip_c
    equipment = rng.choice(cat.equipment.get(job["_company"]) or [reg])
    material = cat.part(rng, job["_company"])
    label = f"Progress billing {pct}% complete"
    return [
        _line(rng, "LaborLineItem", reg, 1, labor_c, False, when, name=f"Labor - {label}"),
        _line(rng, "PartLineItem", equipment, 1, equip_c, False, when, name=f"Equipment - {label}"),
        _line(rng, "PartLineItem", material, 1, material_c, False, when, name=f"Materials - {label}"),
    ]


def _plan(rng, job) -> list[tuple[int, list[dict], int | None]]:
    """(invoice date, visits covered, progress %) for each invoice the job gets."""
    if job["status"] == "Canceled" or job["audit"]["deletedDateTime"]:
        return []
    done = [v for v in job.get("_visits", ()) if v["_minutes"]]
    if job["_kind"] == "project":
        plan, month, billed_pct = [], 1, 0
        while True:
            when = job["_start"] + 30 * DAY * month
            final = when >= job["_end"]
            when = min(when, job["_end"] + 5 * DAY)
            if when > AS_OF - DAY:
                break
            pct = 100 if final else min(95, billed_pct + rng.randint(10, 35))
            plan.append((when, [], pct))
            billed_pct, month = pct, month + 1
            if final:
                break
        return plan
    if not done:
        return []
    if job["_kind"] == "agreement" and rng.random() < 0.07:
        return []
    last = done[-1]["actualEndTime"] + rng.randint(0, 4) * DAY
    if len(done) > 1 and rng.random() < 0.7:
        return [
            (v["actualEndTime"] + rng.randint(0, 3) * DAY, [v], None) for v in done if v["actualEndTime"] < AS_OF - DAY
        ]
    return [(last, done, None)] if job["status"] == "Complete" and last < AS_OF else []


def invoices_and_payments(ctx: Ctx, job_list, custs, props, products, agreements, ten_name) -> tuple[list, list]:
    rng = ctx.rng("invoices")
    prng = ctx.rng("payments")
    cat = _Catalog(products)
    cust_by_id = {c["id"]: c for c in custs}
    prop_by_id = {p["id"]: p for p in props}
    agr_by_id = {a["id"]: a for a in agreements}
    invoices: list[dict] = []
    for job in job_list:
        plan = _plan(rng, job)
        site = prop_by_id[job["customerPropertyId"]]
        taxable = site["isTaxable"]
        billed_prev_pct = 0
        for n, (when, visits, pct) in enumerate(plan):
            if pct is None:
                lines = _service_lines(rng, cat, job, visits, taxable, when)
            else:
                contract_c = round(job["amountQuoted"] * 100)
                period_c = round(contract_c * pct / 100) - round(contract_c * billed_prev_pct / 100)
                billed_prev_pct = pct
                lines = _progress_lines(rng, cat, job, period_c, pct, when)
            for i, line in enumerate(lines):
                line["sortOrder"] = i + 1
            final = pct == 100 if pct is not None else n == len(plan) - 1
            invoices.append(_invoice(rng, ctx, job, site, cust_by_id, agr_by_id, lines, when, final, taxable, ten_name))
    # Duplicates started by mistake and deleted: soft-deleted drafts that still come back in lists.
    for src in rng.sample(invoices, k=min(len(invoices), max(1, round(len(invoices) * 0.005)))):
        dup = dict(src, id=new_id(rng), status="Draft", postingDate=None, closedDate=None, payments=[])
        dup["invoiceItems"] = [dict(x, id=new_id(rng)) for x in src["invoiceItems"]]
        created = src["audit"]["createdDateTime"] // 1000
        dup["audit"] = audit(rng, created, created, created + rng.randint(1, 3) * DAY)
        invoices.append(dup)
    invoices.sort(key=lambda inv: (inv["_issued"], inv["id"]))
    for i, inv in enumerate(invoices):
        inv["invoiceNumber"] = str(100001 + i)
    payments = _apply_payments(prng, invoices, cust_by_id)
    _finish_dates(rng, invoices)
    _roll_up_jobs(job_list, invoices)
    return invoices, payments


def _invoice(rng, ctx, job, site, cust_by_id, agr_by_id, lines, when, final, taxable, ten_name) -> dict:
    billing = cust_by_id[job["billingCustomerId"]]
    subtotal_c = sum(x["_amount_c"] for x in lines if x["lineItemType"] != "Discount")
    discount_c = -sum(x["_amount_c"] for x in lines if x["lineItemType"] == "Discount")
    taxable_c = sum(x["_amount_c"] for x in lines if x["taxable"])
    tax_c = round(taxable_c * TAX_RATE / 100) if taxable else 0
    total_c = subtotal_c - discount_c + tax_c
    for x in lines:
        x.pop("_amount_c")
    agreement = agr_by_id.get(job["serviceAgreementId"])
    terms = "Net 30" if billing["customerType"] != "Government" else "Net 45"
    if rng.random() < 0.1:
        terms = "Due on Receipt"
    return {
        "id": new_id(rng),
        "invoiceNumber": None,
        "status": None,
        "isActive": True,
        "isFinalInvoice": final,
        "jobId": job["id"],
        "jobNumber": job["jobNumber"],
        "projectId": None,
        "projectName": None,
        "serviceAgreementId": agreement["id"] if agreement else None,
        "serviceAgreementNumber": agreement["agreementNumber"] if agreement else None,
        "serviceAgreementName": agreement["agreementName"] if agreement else None,
        "customerId": job["customerId"],
        "billingCustomerId": billing["id"],
        "customerName": billing["name"],
        "customerPropertyId": site["id"],
        "departmentId": job["_dept"]["id"],
        "paymentTermName": terms,
        "issuedDate": when,
        "dueDate": when + TERM_DAYS[terms] * DAY,
        "postingDate": when,
        "closedDate": None,
        "subtotal": money(subtotal_c),
        "discount": money(discount_c),
        "taxableSubtotal": money(taxable_c),
        "salesTaxRate": TAX_RATE if taxable else 0.0,
        "taxAmount": money(tax_c),
        "totalAmount": money(total_c),
        RETAINAGE_FIELD: 0.0,
        "amountNotToExceed": site["amountNotToExceed"],
        "customerProvidedPONumber": f"PO-{rng.randint(10000, 99999)}" if rng.random() < 0.35 else None,
        "customerProvidedWONumber": f"WO{rng.randint(100000, 999999)}" if rng.random() < 0.2 else None,
        "authorizedBy": None,
        "note": None,
        "summary": job["issueDescription"],
        "termsOfService": "Payment due per terms. 1.5% monthly finance charge on past-due balances.",
        "invoicePdfUrl": None,
        "tenantCompanyName": ten_name,
        "tenantCompanyLogoUrl": None,
        "showLineItems": True,
        "addresses": [
            address(rng, "billingAddress", when, bill_to=billing["name"]),
            dict(site["addresses"][0], id=new_id(rng)),
        ],
        "invoiceItems": lines,
        "payments": [],
        "version": 1,
        "audit": audit(rng, when),
        "_issued": when,
        "_total_c": total_c,
    }


def _paid_probability(age_days: int) -> float:
    return (
        0.97
        if age_days > 120
        else 0.9
        if age_days > 90
        else 0.75
        if age_days > 60
        else (0.5 if age_days > 30 else 0.15)
    )


def _apply_payments(rng, invoices, cust_by_id) -> list[dict]:
    payments = []
    for inv in invoices:
        issued, total_c = inv["_issued"], inv["_total_c"]
        if inv["audit"]["deletedDateTime"]:
            inv["status"] = "Deleted"  # a status of its own live (the list filter takes `deleted`)
            continue
        draw = rng.random()
        if draw < 0.015:
            # Bypassed: kept out of the accounting export (a live filter value); neither is revenue.
            inv["status"] = "Void" if draw < 0.009 else "Bypassed"
            continue
        if issued > AS_OF - 5 * DAY and rng.random() < 0.6:
            inv["status"], inv["postingDate"] = "Draft", None
            continue
        applied_c = 0
        if total_c > 0 and rng.random() < _paid_probability((AS_OF - issued) // DAY):
            due = total_c if rng.random() > 0.02 else total_c - rng.randint(100, 5000)  # short pays
            parts = [due] if rng.random() > 0.1 else [due // 2, due - due // 2]
            when = issued + rng.randint(8, 75) * DAY
            for part_c in parts:
                if when >= AS_OF or part_c <= 0:
                    break
                payments.append(_payment(rng, inv, part_c, when, cust_by_id))
                applied_c += part_c
                when += rng.randint(10, 40) * DAY
        fully_paid = applied_c >= total_c
        inv["status"] = "Closed" if fully_paid else ("Exported" if rng.random() < 0.85 else "Posted")
        if fully_paid and inv["payments"]:
            inv["closedDate"] = inv["payments"][-1]["paymentDate"]
            if AS_OF - issued > 180 * DAY and rng.random() < 0.3:
                inv["paymentTermName"] = None  # BuildOps clears terms on old closed invoices
        last = max([issued] + [p["paymentDate"] for p in inv["payments"]])
        inv["audit"] = audit(rng, issued, last + DAY, None)
        inv["version"] = 1 + len(inv["payments"]) + (1 if inv["status"] != "Posted" else 0)
    payments.sort(key=lambda p: (p["paymentDate"], p["id"]))
    for i, p in enumerate(payments):
        p["paymentNumber"] = str(70001 + i)
    return payments


def _payment(rng, inv, amount_c, when, cust_by_id) -> dict:
    ptype = rng.choices(("Check", "ACH", "Credit Card"), (55, 35, 10))[0]
    unapplied_c = rng.randint(100, 20000) if rng.random() < 0.03 else 0
    payment = {
        "id": new_id(rng),
        "paymentNumber": None,
        "paymentStatus": "Posted",
        "paymentType": ptype,
        "paymentRef": str(rng.randint(1000, 99999)) if ptype == "Check" else None,
        "paymentAmount": money(amount_c + unapplied_c),
        "appliedAmount": money(amount_c),
        "paymentDate": when,
        "customerId": inv["billingCustomerId"],
        "customerName": cust_by_id[inv["billingCustomerId"]]["name"],
        # The API models a payment's allocations as line items (/v1/payments/{id}/line-items); their field
        # names are not public (unverified, docs/evidence/buildops.csv).
        "lineItems": [
            {
                "id": new_id(rng),
                "invoiceId": inv["id"],
                "invoiceNumber": inv["invoiceNumber"],
                "amount": money(amount_c),
            }
        ],
        "version": 1,
        "audit": audit(rng, when, when + rng.randint(0, 2) * DAY),
    }
    inv["payments"].append(
        {
            "id": payment["id"],
            "paymentNumber": None,
            "paymentStatus": "Posted",
            "paymentAmount": payment["paymentAmount"],
            "appliedAmount": money(amount_c),
            "paymentDate": when,
            "_payment": payment,
        }
    )
    return payment


def _finish_dates(rng, invoices) -> None:
    for inv in invoices:
        for p in inv["payments"]:
            p["paymentNumber"] = p.pop("_payment")["paymentNumber"]
        # Some invoices come back with business dates as numeric strings (live-observed); parse defensively.
        if rng.random() < 0.12:
            for key in ("issuedDate", "dueDate", "postingDate", "closedDate"):
                if inv[key] is not None:
                    inv[key] = str(inv[key])


def _roll_up_jobs(job_list, invoices) -> None:
    billed: dict[str, list[dict]] = {}
    for inv in invoices:
        if inv["status"] not in CANCELLED and not inv["audit"]["deletedDateTime"]:
            billed.setdefault(inv["jobId"], []).append(inv)
    for job in job_list:
        mine = billed.get(job["id"], [])
        final = any(inv["isFinalInvoice"] for inv in mine)
        job["invoiceStatus"] = "Invoiced" if final else ("Partially Invoiced" if mine else "Not Invoiced")
        job["billingStatus"] = "Fully Billed" if final else ("Partially Billed" if mine else "Not Billed")
