"""Accounts receivable: BuildOps invoices posted to Spectrum, AIA progress billing on project jobs, cash.

Rules (documented in SPECTRUM.md):
- A BuildOps invoice is "in scope" when it is not soft-deleted and its status is not Draft/Void/Deleted/
  Bypassed (bypassed: kept out of the accounting export in BuildOps).
- In-scope invoices on jobs that are not progress-billed, issued at least POSTING_LAG_DAYS before the as-of
  date, are already in Spectrum as CR invoices (one per BuildOps invoice, same number <= 10 chars).
  Later ones are not posted yet (destination-spectrum's job).
- Project jobs are billed in Spectrum only: one draw (application) per month, retention held per contract.
- Cash applied in Spectrum mirrors the BuildOps payments, except where payment_status_drift is injected.
- A few unpaid posted invoices were edited in BuildOps after posting (changed_after_posting): Spectrum holds the
  total as posted, BuildOps the edited one, raised by the anomaly's amount.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from . import bo
from .catalog import GL
from .context import Job, Run
from .masters import register_customer

POSTING_LAG_DAYS = 3
# The twin's terms codes (real Spectrum holds a one-character Terms_Code whose days each install defines:
# transforms read the same table from var `spectrum_terms_days`).
TERMS_CODES = {0: "R", 30: "3", 45: "4", 60: "6"}
OUT_OF_SCOPE_STATUSES = {"draft", "void", "voided", "canceled", "cancelled", "deleted", "bypassed"}
MATERIAL_TYPES = {"part", "material", "equipment", "inventory", "partlineitem", "materiallineitem", "item"}
ZERO = Decimal("0.00")


def in_scope(invoice: dict) -> bool:
    return not bo.is_deleted(invoice) and str(invoice.get("status", "")).lower() not in OUT_OF_SCOPE_STATUSES


def is_material_line(run: Run, item: dict) -> bool:
    code = str(bo.pick(item, "product.code", "productCode", default=""))
    product = run.products.get(code, {})
    kind = str(bo.pick(product, "productType", default=bo.pick(item, "lineItemType", default=""))).lower()
    return kind in MATERIAL_TYPES or (kind == "" and code[:4] not in ("LAB-", "FEE-", "DISC"))


def terms_code(invoice_date: dt.date, due: dt.date) -> str:
    """The header's one-character terms code for a due date (the real header has no due-date column)."""
    days = (due - invoice_date).days
    if days not in TERMS_CODES:
        raise ValueError(f"no terms code for {days} days: add it to TERMS_CODES (and var spectrum_terms_days)")
    return TERMS_CODES[days]


def invoice_company(run: Run, invoice: dict) -> tuple[str, Job | None]:
    job = run.jobs.get(bo.pick(invoice, "jobId", default=""))
    if job:
        return job.company, job
    company = run.departments.get(bo.pick(invoice, "departmentId", default=""), ("MEC", ""))[0]
    return company, None


class Receivables:
    def __init__(self, run: Run):
        self.run = run
        self.balances: dict[tuple[str, str], dict] = defaultdict(
            lambda: {"balance": ZERO, "billed": ZERO, "paid": ZERO, "last_billed": None}
        )
        self.numbers: set[tuple[str, str]] = set()
        self.invoiced_jobs: set[tuple[str, str]] = set()
        self.rng = run.rng("ar")
        # The AR events as they happen (closing.py states the receivable at any period end from them):
        # (company, customer, number) -> invoice facts, and the cash applied to each, dated.
        self.invoices: dict[tuple[str, str, str], dict] = {}
        self.cash: list[tuple[tuple[str, str, str], dt.date, Decimal, Decimal]] = []

    # ---- service invoices from BuildOps ----------------------------------------------------------------
    def post_buildops_invoices(self) -> None:
        run = self.run
        candidates = []
        for invoice in run.buildops.get("invoices", []):
            if not in_scope(invoice):
                continue
            company, job = invoice_company(run, invoice)
            if job and job.progress_billed:
                continue
            if job and job.buildops_id in run.unmatched_jobs:
                continue  # job_crosswalk.csv names no Spectrum job for it: the destination held it
            issued = bo.to_date(bo.pick(invoice, "issuedDate", "postingDate", "audit.createdDateTime"))
            if not issued or (run.as_of - issued).days < POSTING_LAG_DAYS:
                continue
            number = bo.spectrum_invoice_number(bo.pick(invoice, "invoiceNumber", default=invoice.get("id")))
            if not number or (company, number) in self.numbers:
                continue
            self.numbers.add((company, number))
            candidates.append((invoice, company, job, issued, number))
        drift = self._pick_drift(candidates)
        doubles = set(self.rng.sample(range(len(candidates)), min(len(candidates) // 150 + 2, len(candidates))))
        edits = self._pick_edits(candidates, drift, doubles)
        for i, (invoice, company, job, issued, number) in enumerate(candidates):
            edit = edits.get(invoice.get("id"), ZERO)
            self._post_one(invoice, company, job, issued, number, drift.get(invoice.get("id")), edit)
            if i in doubles:
                self._double_bill(invoice, company, job, issued, number)
            if edit:
                self.run.anomaly(
                    "changed_after_posting",
                    {
                        "company_code": company,
                        "customer_code": register_customer(
                            self.run, company, bo.pick(invoice, "billingCustomerId", "customerId")
                        ),
                        "invoice_or_transaction": number,
                        "buildops_invoice_id": invoice["id"],
                        "buildops_invoice_number": str(bo.pick(invoice, "invoiceNumber", default="")),
                    },
                    edit,
                )

    def _pick_edits(self, candidates: list, drift: dict, doubles: set[int]) -> dict[str, Decimal]:
        """Unpaid invoices raised in BuildOps after posting: id -> how much (Spectrum holds the total less it).
        Own random stream, so adding this rule moved no other anomaly."""
        rng = self.run.rng("ar_changed_after_posting")
        pool = sorted(
            invoice["id"]
            for i, (invoice, *_) in enumerate(candidates)
            if i not in doubles
            and invoice["id"] not in drift
            and bo.money(invoice.get("totalAmount")) >= Decimal("100.00")
            and not any(bo.money(p.get("appliedAmount", p.get("paymentAmount"))) for p in invoice.get("payments") or [])
        )
        totals = {invoice["id"]: bo.money(invoice.get("totalAmount")) for invoice, *_ in candidates}
        picked = rng.sample(pool, min(max(2, len(candidates) // 300), len(pool)))
        return {i: (totals[i] * Decimal(rng.randint(10, 30)) / 100).quantize(bo.CENT) for i in picked}

    def _pick_drift(self, candidates: list) -> dict[str, str]:
        paid, unpaid = [], []
        for invoice, *_ in candidates:
            total = bo.money(invoice.get("totalAmount"))
            applied = sum(
                (bo.money(p.get("appliedAmount", p.get("paymentAmount"))) for p in invoice.get("payments") or []), ZERO
            )
            if total > 0 and applied >= total:
                paid.append(invoice["id"])
            elif total > 0 and applied == 0:
                unpaid.append(invoice["id"])
        k = max(2, len(candidates) // 250)
        out = {i: "spectrum_open" for i in self.rng.sample(sorted(paid), min(k, len(paid)))}
        out.update({i: "spectrum_paid" for i in self.rng.sample(sorted(unpaid), min(k, len(unpaid)))})
        return out

    def _post_one(
        self,
        invoice: dict,
        company: str,
        job: Job | None,
        issued: dt.date,
        number: str,
        drift: str | None,
        edited_by: Decimal = ZERO,
    ) -> None:
        run = self.run
        customer_id = bo.pick(invoice, "billingCustomerId", "customerId")
        customer = register_customer(run, company, customer_id)
        job_number = job.number if job else ""
        # Posted before BuildOps raised it by `edited_by`: the difference shows as an adjustment line below.
        total = bo.money(invoice.get("totalAmount")) - edited_by
        tax = bo.money(invoice.get("taxAmount"))
        extension = total - tax
        due = bo.to_date(bo.pick(invoice, "dueDate")) or issued + dt.timedelta(days=30)
        self._header(
            company,
            customer,
            job_number,
            number,
            "I",
            issued,
            due,
            extension,
            tax,
            ZERO,
            ZERO,
            remarks=f"BuildOps {bo.pick(invoice, 'invoiceNumber', default='')}",
            batch=f"BO{issued:%m%d}",
        )
        sequence, lines_total = 0, ZERO
        for item in invoice.get("invoiceItems") or []:
            amount = bo.money(item.get("amount"))
            sequence += 1
            lines_total += amount
            code = str(bo.pick(item, "product.code", "productCode", default=""))
            self._line(
                company,
                customer,
                number,
                sequence,
                bo.text(bo.pick(item, "name", "description"), 40),
                bo.number(item.get("quantity")),
                bo.number(item.get("unitPrice")),
                amount,
                GL["revenue_service"],
            )
            if job and amount > 0 and is_material_line(run, item):
                self._issue_material(job, item, code, amount, issued, number, customer)
        if lines_total != extension:
            sequence += 1
            self._line(
                company,
                customer,
                number,
                sequence,
                "Invoice discount/adjustment",
                bo.number(1),
                bo.number(extension - lines_total),
                extension - lines_total,
                GL["revenue_service"],
            )
        payments = [
            (
                bo.to_date(p.get("paymentDate")) or issued,
                bo.money(p.get("appliedAmount", p.get("paymentAmount"))),
                str(p.get("paymentNumber", "")),
            )
            for p in invoice.get("payments") or []
        ]
        payments = [p for p in payments if p[1] != 0]
        buildops_paid = sum((p[1] for p in payments), ZERO)
        if drift == "spectrum_open":
            payments = []
        elif drift == "spectrum_paid":
            payments = [
                (
                    min(run.as_of, issued + dt.timedelta(days=self.rng.randint(10, 40))),
                    total,
                    f"CHK{self.rng.randint(10000, 99999)}",
                )
            ]
        spectrum_paid = self._cash(company, customer, job_number, number, total, ZERO, payments)
        self._open_item(company, customer, job_number, number, issued, due, total, ZERO, spectrum_paid, ZERO)
        run.posted_invoices[invoice["id"]] = {
            "company": company,
            "number": number,
            "customer": customer,
            "total": total,
            "job": job_number,
        }
        if drift:
            run.anomaly(
                "payment_status_drift",
                {
                    "company_code": company,
                    "customer_code": customer,
                    "invoice_or_transaction": number,
                    "buildops_invoice_id": invoice["id"],
                    "buildops_invoice_number": str(bo.pick(invoice, "invoiceNumber", default="")),
                },
                abs((total - buildops_paid) - (total - spectrum_paid)),
                buildops_status="paid" if drift == "spectrum_open" else "open",
                spectrum_status="open" if drift == "spectrum_open" else "paid",
            )

    def _line(self, company, customer, number, sequence, description, quantity, unit_price, extension, gl) -> None:
        self.run.tables["CR_INVOICE_DETAIL_MC"].write(
            {
                "Company_Code": company,
                "Customer_Code": customer,
                "Invoice_Or_Transaction": number,
                "Transaction_Type": "I",
                "Sequence": sequence,
                "Detail_Description": description[:40],
                "Item_Quantity": quantity,
                "Unit_Price": unit_price,
                "Line_Extension": extension,
                "GL_Account": gl,
            }
        )

    def _issue_material(
        self, job: Job, item: dict, code: str, amount: Decimal, issued: dt.date, number: str, customer: str
    ) -> None:
        from .catalog import COST_TYPES
        from .jobcost import write_jc

        product = self.run.products.get(code, {})
        unit_cost = bo.money(product.get("unitCost"))
        quantity = bo.number(item.get("quantity"))
        cost = (
            (unit_cost * quantity).quantize(bo.CENT) if unit_cost > 0 else (amount * Decimal("0.6")).quantize(bo.CENT)
        )
        material = COST_TYPES[job.company]["material"]
        phases = sorted(phase for phase, cost_type in job.grid if cost_type == material)
        if not phases:
            return
        write_jc(
            self.run,
            job,
            "200" if "200" in phases else phases[0],
            material,
            "IC",
            issued,
            cost,
            reference=number,
            description=bo.text(bo.pick(item, "name"), 30),
            quantity=quantity,
            customer=customer,
        )

    def _double_bill(self, invoice: dict, company: str, job: Job | None, issued: dt.date, number: str) -> None:
        """The same ticket keyed again by hand in Spectrum under a suffixed number."""
        duplicate = number[:9] + "A"
        if (company, duplicate) in self.numbers:
            return
        self.numbers.add((company, duplicate))
        run = self.run
        customer = register_customer(run, company, bo.pick(invoice, "billingCustomerId", "customerId"))
        total, tax = bo.money(invoice.get("totalAmount")), bo.money(invoice.get("taxAmount"))
        if total <= 0:
            return
        when = issued + dt.timedelta(days=2)
        job_number = job.number if job else ""
        self._header(
            company,
            customer,
            job_number,
            duplicate,
            "I",
            when,
            when + dt.timedelta(days=30),
            total - tax,
            tax,
            ZERO,
            ZERO,
            remarks="Manual entry",
            batch=f"MAN{when:%m%d}",
        )
        self._line(
            company,
            customer,
            duplicate,
            1,
            "Service per ticket",
            bo.number(1),
            bo.number(total - tax),
            total - tax,
            GL["revenue_service"],
        )
        self._open_item(
            company, customer, job_number, duplicate, when, when + dt.timedelta(days=30), total, ZERO, ZERO, ZERO
        )
        run.anomaly(
            "double_billed",
            {
                "company_code": company,
                "customer_code": customer,
                "job_number": job_number.strip(),
                "invoice_or_transaction": number,
                "duplicate_invoice_or_transaction": duplicate,
                "buildops_invoice_id": invoice["id"],
            },
            total,
        )

    # ---- shared writers -------------------------------------------------------------------------------
    def _header(
        self,
        company,
        customer,
        job_number,
        number,
        tran_type,
        date,
        due,
        extension,
        tax,
        retention_percent,
        retention,
        remarks="",
        batch="",
        application=None,
    ) -> None:
        run = self.run
        total = extension + tax
        self.invoiced_jobs.add((company, job_number))
        if tran_type == "I":
            self.invoices[(company, customer, number)] = {
                "job": job_number.strip(),
                "date": date,
                "due": due,
                "total": total,
                "extension": extension,
                "retention": retention,
            }
        run.tables["CR_INVOICE_HEADER_MC"].write(
            {
                "Company_Code": company,
                "Customer_Code": customer,
                "Job_Number": job_number,
                "Invoice_Or_Transaction": number,
                "Transaction_Type": tran_type,
                "Invoice_Date": date,
                "GL_Date": date,
                "Terms_Code": terms_code(date, due),
                "Sales_Tax_Code": "TX825" if tax else "",
                "Invoice_Extension": extension,
                "Sales_Tax_Amount": tax,
                "Retention_Percent": retention_percent,
                "Retention_Amount": retention,
                "Batch_Code": batch,
                "AR_GL_Account": GL["ar"],
                "Customer_PO": "",
                "Remarks": remarks[:65],
                "Cost_Center": "",
            }
        )
        facts = self.balances[(company, customer)]
        facts["billed"] += total
        facts["balance"] += total
        facts["last_billed"] = max(facts["last_billed"] or date, date)
        revenue = GL["revenue_project"] if application else GL["revenue_service"]
        run.gl(
            company,
            GL["ar"],
            date,
            total,
            "CR",
            f"Inv {number}",
            Customer_Code=customer,
            Customer_Invoice_Number=number,
            Job_Number=job_number,
        )
        run.gl(
            company,
            revenue,
            date,
            -extension,
            "CR",
            f"Inv {number}",
            Customer_Code=customer,
            Customer_Invoice_Number=number,
            Job_Number=job_number,
        )
        if tax:
            run.gl(
                company,
                GL["sales_tax"],
                date,
                -tax,
                "CR",
                f"Inv {number}",
                Customer_Code=customer,
                Customer_Invoice_Number=number,
            )

    def _cash(self, company, customer, job_number, number, total, retention, payments) -> Decimal:
        run = self.run
        paid = ZERO
        for when, amount, reference in payments:
            amount = min(amount, total - paid)
            if amount <= 0:
                continue
            paid += amount
            self.cash.append(
                ((company, customer, number), when, amount, ZERO if retention == 0 else min(retention, amount))
            )
            run.tables["CR_PAY_ADJUST_HISTORY_MC"].write(
                {
                    "Company_Code": company,
                    "Customer_Code": customer,
                    "Job_Number": job_number,
                    "Invoice_Or_Transaction": number,
                    "Transaction_Type": "P",
                    "Transaction_Date": when,
                    "Reference_Number": reference[:20] or f"CHK{self.rng.randint(10000, 99999)}",
                    "Payment_Amount": amount,
                    "Discount_Amount": ZERO,
                    "Adjustment_Amount": ZERO,
                    "Retention_Paid": ZERO if retention == 0 else min(retention, amount),
                    "Deposit_Number": f"D{when:%y%m%d}",
                    "Batch_Code": f"CR{when:%m%d}",
                    "Remarks": "",
                }
            )
            run.gl(
                company,
                GL["cash"],
                when,
                amount,
                "CR",
                f"Pmt {number}",
                Customer_Code=customer,
                Customer_Invoice_Number=number,
            )
            run.gl(
                company,
                GL["ar"],
                when,
                -amount,
                "CR",
                f"Pmt {number}",
                Customer_Code=customer,
                Customer_Invoice_Number=number,
            )
        facts = self.balances[(company, customer)]
        facts["paid"] += paid
        facts["balance"] -= paid
        return paid

    def _open_item(
        self, company, customer, job_number, number, date, due, total, retention, paid, retention_paid
    ) -> None:
        """Only invoices with a balance stay in CR_OPEN_ITEM_MC; paid ones live in pay history alone."""
        balance = total - paid
        if balance == 0:
            return
        self.run.tables["CR_OPEN_ITEM_MC"].write(
            {
                "Company_Code": company,
                "Customer_Code": customer,
                "Job_Number": job_number,
                "Invoice_Or_Transaction": number,
                "Transaction_Type": "I",
                "Invoice_Description": f"Invoice {number}",
                "Invoice_Date": date,
                "Due_Date": due,
                "Invoice_Amount": total,
                "Retention_Amount": retention,
                "Amount_Paid": paid,
                "Invoice_Balance": balance,
                "Retention_Balance": retention - retention_paid,
            }
        )
