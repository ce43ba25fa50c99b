"""Accounts payable: vendors, document tracking (COI / lien release / W-9), subcontracts, vendor invoices
from BuildOps purchase orders, checks and open items.

compliance_lapsed_assignment is computed by its rule over every BuildOps purchase order (SPECTRUM.md):
a PO (not deleted, not Void) to a subcontractor is lapsed when, at the PO date, the vendor's COI
(INS_EXPIRE) expired more than coi_grace_days before, or it has no W9 row / no tax id, or there is no LR
(lien release) row for the vendor and Subcontract_Number = the PO number. Three vendors are made to lapse.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from . import bo, insurance
from .catalog import COST_TYPES, GL, RETENTION_PERCENT
from .context import Run
from .jobcost import write_jc

ZERO = Decimal("0.00")


def purchase_orders(run: Run) -> list[tuple[dict, str]]:
    """(PO, company) for every live PO on a Spectrum job."""
    out = []
    for po in run.buildops.get("purchase_orders", []):
        if bo.is_deleted(po) or str(po.get("status", "")).lower() == "void":
            continue
        job = run.jobs.get(po.get("jobId") or "")
        if job:
            out.append((po, job.company))
    return out


def payables(run: Run) -> None:
    rng = run.rng("ap")
    pos = purchase_orders(run)
    sub_pos = [
        (po, company)
        for po, company in pos
        if run.vendors.get((company, po.get("vendorId")), None) and run.vendors[(company, po["vendorId"])].is_sub
    ]
    lapses = _choose_lapses(run, rng, sub_pos)
    _vendor_master(run, rng, lapses)
    _doc_tracking(run, rng, sub_pos, lapses)
    balances: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for po, company in pos:
        _invoice(run, rng, po, company, balances)
    _compliance_truth(run, sub_pos, lapses)


def _choose_lapses(run: Run, rng, sub_pos) -> dict[str, tuple]:
    """vendor id -> ("coi", expiry) | ("w9",) | ("lien", po id): one vendor each, recent POs only."""
    recent = sorted(
        {
            po["vendorId"]
            for po, _ in sub_pos
            if (d := bo.to_date(po.get("dateOfPurchase"))) and (run.as_of - d).days < 150
        }
    )
    rng.shuffle(recent)
    lapses: dict[str, tuple] = {}
    for kind, vendor_id in zip(("coi", "w9", "lien"), recent, strict=False):
        if kind == "coi":
            dates = sorted(bo.to_date(po.get("dateOfPurchase")) for po, _ in sub_pos if po["vendorId"] == vendor_id)
            # Expired before the vendor's first PO: lapsed at every PO date and still lapsed today, so a
            # gate checked at PO time and one checked at posting time agree.
            lapses[vendor_id] = ("coi", dates[0] - dt.timedelta(days=30))
        elif kind == "lien":
            po = max(
                (po for po, _ in sub_pos if po["vendorId"] == vendor_id),
                key=lambda p: bo.to_date(p.get("dateOfPurchase")),
            )
            lapses[vendor_id] = ("lien", po["id"])
        else:
            lapses[vendor_id] = ("w9",)
    return lapses


def _vendor_master(run: Run, rng, lapses) -> None:
    for (company, vendor_id), vendor in sorted(run.vendors.items(), key=lambda kv: (kv[0][0], kv[1].code)):
        lapse = lapses.get(vendor_id, ("",))
        expiry = (
            lapse[1] if lapse[0] == "coi" else run.as_of + dt.timedelta(days=60 + (sum(vendor.code.encode()) % 300))
        )
        tax_id = (
            ""
            if lapse[0] == "w9"
            else f"{75 + sum(vendor.code.encode()) % 20}-{1000000 + sum(vendor.code.encode()) * 7919 % 8999999:07d}"
        )
        run.tables["VN_VENDOR_MASTER_MC"].write(
            {
                "Company_Code": company,
                "Vendor_Code": vendor.code,
                "Vendor_Name": vendor.name,
                "Alpha_Sort": bo.key_code(vendor.name.replace(" ", ""), 10),
                "Type": "SUB" if vendor.is_sub else "SUPPLY",
                "Status": "A",
                "Contact_Name": "",
                "Address_1": "",
                "Address_2": "",
                "Address_3": "Dallas",
                "State": "TX",
                "Zip_Code": "",
                "Phone": "",
                "Vendor_Email": "",
                "Terms_Code": "A",
                "Terms_Days": 30,
                "Insurance_Cert_Flag": "Y" if vendor.is_sub else "N",
                "Insurance_Exp_Date": expiry if vendor.is_sub else None,
                "Hold_Flag": "N",
                "Send_1099_Flag": "Y" if vendor.is_sub else "N",
                "Fed_1099_Indicator": "7" if vendor.is_sub else "",
                "Fed_Id_Number": tax_id,
                "Social_Sec_Number": "",
                "Balance": ZERO,
                "Date_Last_Invoice": None,
                "Date_Last_Payment": None,
            }
        )


def _doc_tracking(run: Run, rng, sub_pos, lapses) -> None:
    tables = run.tables["VN_DOC_TRACKING_MC"]
    for (company, vendor_id), vendor in sorted(run.vendors.items(), key=lambda kv: (kv[0][0], kv[1].code)):
        if not vendor.is_sub:
            continue
        lapse = lapses.get(vendor_id, ("",))
        expiry = (
            lapse[1] if lapse[0] == "coi" else run.as_of + dt.timedelta(days=60 + (sum(vendor.code.encode()) % 300))
        )
        tables.write(
            {
                "Company_Code": company,
                "Vendor_Code": vendor.code,
                "Subcontract_Number": "",
                "Tracking_Item_Code": "INS_EXPIRE",
                "Description": "Certificate of insurance",
                "Received_Date": expiry - dt.timedelta(days=365),
                "Expiration_Date": expiry,
                "Hold_Invoices_Flag": "Y",
                "Status": "O" if expiry >= run.as_of else "E",
                **insurance.certificate_terms(run, company, vendor.code, expiry - dt.timedelta(days=365), expiry),
            }
        )
        if lapse[0] != "w9":
            tables.write(
                {
                    "Company_Code": company,
                    "Vendor_Code": vendor.code,
                    "Subcontract_Number": "",
                    "Tracking_Item_Code": "W9",
                    "Description": "W-9 on file",
                    "Received_Date": run.as_of - dt.timedelta(days=500),
                    "Expiration_Date": None,
                    "Hold_Invoices_Flag": "Y",
                    "Status": "C",
                }
            )
    for po, company in sub_pos:
        vendor = run.vendors[(company, po["vendorId"])]
        lapse = lapses.get(po["vendorId"], ("",))
        if lapse[0] == "lien" and lapse[1] == po["id"]:
            continue
        ordered = bo.to_date(po.get("dateOfPurchase"))
        tables.write(
            {
                "Company_Code": company,
                "Vendor_Code": vendor.code,
                "Subcontract_Number": str(po.get("poNumber")),
                "Tracking_Item_Code": "LR",
                "Description": "Lien release",
                "Received_Date": ordered + dt.timedelta(days=1),
                "Expiration_Date": None,
                "Hold_Invoices_Flag": "Y",
                "Status": "C",
            }
        )


def _invoice(run: Run, rng, po: dict, company: str, balances) -> None:
    job = run.jobs[po["jobId"]]
    vendor = run.vendors.get((company, po.get("vendorId")))
    if not vendor:
        return
    ordered = bo.to_date(po.get("dateOfPurchase"))
    amount = bo.money(po.get("totalCost")) + bo.money(po.get("freight"))
    status = str(po.get("status", "")).lower()
    types = COST_TYPES[company]
    category = "sub" if vendor.is_sub else "material"
    cost_type = types[category]
    phases = sorted(p for (p, ct) in job.grid if ct == cost_type)
    phase = phases[0] if phases else ""
    if vendor.is_sub:
        run.tables["VN_SUBCONTRACT_MC"].write(
            {
                "Company_Code": company,
                "Vendor_Code": vendor.code,
                "Subcontract_Number": str(po.get("poNumber")),
                "Job_Number": job.number,
                "Comment_1": bo.text(po.get("description"), 60),
                "Status_Code": "C" if status in ("closed", "fulfilled") else "A",
                "Date_Issued": ordered,
                "Default_Phase_Code": phase,
                "Default_Cost_Type": cost_type,
                "Original_Amount": amount,
                "Total_Billed": amount
                if status in ("closed", "received", "fulfilled") or (run.as_of - ordered).days > 30
                else ZERO,
                "Retention_Percent": Decimal(RETENTION_PERCENT[company]),
                "Retention_Balance": (amount * Decimal(RETENTION_PERCENT[company]) / 100).quantize(bo.CENT)
                if status in ("closed", "received", "fulfilled") or (run.as_of - ordered).days > 30
                else ZERO,
                "Insurance_Cert_Flag": "Y",
                "Pay_When_Paid": "Y",
            }
        )
        insurance.subcontract_phase(
            run,
            company,
            vendor.code,
            str(po.get("poNumber")),
            job.number,
            phase,
            cost_type,
            original=amount,
            billed=amount if status in ("closed", "received", "fulfilled") or (run.as_of - ordered).days > 30 else ZERO,
            issued=ordered,
        )
        billed = status in ("closed", "received", "fulfilled") or (run.as_of - ordered).days > 30
    else:
        billed = status in ("received", "closed", "fulfilled")
    invoice_date = ordered + dt.timedelta(days=rng.randint(5, 20))
    if not billed or amount <= 0 or invoice_date > run.as_of - dt.timedelta(days=2):
        return
    number = f"{rng.randint(100000, 999999)}"
    retention = (amount * Decimal(RETENTION_PERCENT[company]) / 100).quantize(bo.CENT) if vendor.is_sub else ZERO
    due = invoice_date + dt.timedelta(days=30)
    paid = due <= run.as_of
    check = f"{500000 + rng.randint(0, 99999)}" if paid else ""
    check_date = due if paid else None
    run.tables["VN_GL_DISTRIBUTION_HEADER_MC"].write(
        {
            "Company_Code": company,
            "Vendor_Code": vendor.code,
            "Vendor_Name": vendor.name,
            "Invoice_Number": number,
            "Invoice_Type_Code": "I",
            "Date_List1": invoice_date,
            "Date_List3": invoice_date,
            "Date_List4": due,
            "Invoice_Amount": amount,
            "Retention_Amount": retention,
            "Contract_Number": str(po.get("poNumber")) if vendor.is_sub else "",
            "PO_Number": "" if vendor.is_sub else str(po.get("poNumber")),
            "Remarks": bo.text(po.get("description"), 30),
            "Status": "P" if paid else "O",
            "Check_Number": check,
            "Check_Date": check_date,
            "Batch_Code": f"AP{invoice_date:%m%d}",
            "Date_Stamp": invoice_date,
        }
    )
    run.tables["VN_GL_DISTRIBUTION_DETAIL_MC"].write(
        {
            "Company_Code": company,
            "Vendor_Code": vendor.code,
            "Invoice_Number": number,
            "Sequence": 1,
            "GL_Distribution_Account": "5300" if vendor.is_sub else "5200",
            "Debit_Amount": amount,
            "Credit_Amount": ZERO,
            "Job_Number": job.number,
            "Phase_Code": phase,
            "Cost_Type": cost_type,
            "Retention_Flag": "Y" if vendor.is_sub else "N",
            "Remarks": "",
        }
    )
    if phase:
        write_jc(
            run,
            job,
            phase,
            cost_type,
            "AP",
            invoice_date,
            amount,
            reference=number,
            description=bo.text(po.get("description"), 30),
            vendor=(vendor.code, vendor.name),
            invoice=number,
        )
    run.gl(
        company,
        "5300" if vendor.is_sub else "5200",
        invoice_date,
        amount,
        "AP",
        f"AP {number}",
        Vendor_Code=vendor.code,
        Vendor_Invoice_Number=number,
        Job_Number=job.number,
    )
    run.gl(
        company,
        GL["ap"],
        invoice_date,
        -(amount - retention),
        "AP",
        f"AP {number}",
        Vendor_Code=vendor.code,
        Vendor_Invoice_Number=number,
    )
    if retention:
        run.gl(
            company,
            GL["ap_retention"],
            invoice_date,
            -retention,
            "AP",
            f"AP {number}",
            Vendor_Code=vendor.code,
            Vendor_Invoice_Number=number,
        )
    paid_amount = amount - retention if paid else ZERO
    checks = [(check_date, paid_amount)] if paid else []
    run.payables.append((invoice_date, amount, retention, checks))
    run.ap_invoices.append((company, vendor.code, number, invoice_date, due, amount, retention, checks))
    if paid:
        run.tables["VN_PAYMENT_HISTORY_MC"].write(
            {
                "Company_Code": company,
                "Vendor_Code": vendor.code,
                "Invoice_Number": number,
                "Check_Number": check,
                "Check_Date": check_date,
                "Payment_Amount": paid_amount,
                "Discount_Taken": ZERO,
                "Retention_Paid": ZERO,
                "Bank_Account_Code": "OPER",
                "Payment_Type": "C",
            }
        )
        run.gl(
            company,
            GL["ap"],
            check_date,
            paid_amount,
            "AP",
            f"Chk {check}",
            Vendor_Code=vendor.code,
            Vendor_Invoice_Number=number,
        )
        run.gl(
            company,
            GL["cash"],
            check_date,
            -paid_amount,
            "AP",
            f"Chk {check}",
            Vendor_Code=vendor.code,
            Vendor_Invoice_Number=number,
        )
    balance = amount - paid_amount
    if balance:
        run.tables["VN_OPEN_ITEMS_MC"].write(
            {
                "Company_Code": company,
                "Vendor_Code": vendor.code,
                "Invoice_Number": number,
                "Invoice_Type_Code": "I",
                "Remarks": bo.text(po.get("description"), 30),
                "Invoice_Amount": amount,
                "Retention_Amount": retention,
                "Amount_Paid": paid_amount,
                "Invoice_Balance": balance,
                "Discount_Eligible_Amount": ZERO,
                "Date_List1": invoice_date,
                "Date_List4": due,
                "Hold_Flag": "O",
                "Job_Number": job.number,
            }
        )
    balances[(company, vendor.code)] += balance


def _compliance_truth(run: Run, sub_pos, lapses) -> None:
    compliance = run.policy.get("compliance", {})
    grace = int(compliance.get("coi_grace_days", compliance.get("grace_days", 0)))
    for po, company in sub_pos:
        lapse = lapses.get(po["vendorId"])
        if not lapse:
            continue
        ordered = bo.to_date(po.get("dateOfPurchase"))
        lapsed = []
        if lapse[0] == "coi" and lapse[1] + dt.timedelta(days=grace) < ordered:
            lapsed.append("coi")
        if lapse[0] == "w9":
            lapsed.append("w9")
        if lapse[0] == "lien" and lapse[1] == po["id"]:
            lapsed.append("lien_waiver")
        if lapsed:
            vendor = run.vendors[(company, po["vendorId"])]
            run.anomaly(
                "compliance_lapsed_assignment",
                {
                    "company_code": company,
                    "vendor_code": vendor.code,
                    "buildops_vendor_id": po["vendorId"],
                    "buildops_purchase_order_id": po["id"],
                    "po_number": str(po.get("poNumber")),
                    "job_number": run.jobs[po["jobId"]].number.strip(),
                },
                bo.money(po.get("totalCost")) + bo.money(po.get("freight")),
                lapsed=lapsed,
                po_date=ordered.isoformat(),
            )
