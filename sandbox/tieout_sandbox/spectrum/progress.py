"""AIA G702/G703 progress billing in Spectrum for project jobs (CR_BILLING_HEADER_MC / CR_BILL_DETAIL_MC).

One application per BuildOps progress invoice on the job (the same period and amount: the project team bills
in Spectrum, BuildOps keeps its copy), retention held at the company's contract percent, customer paying the
net amount. Injected: retainage_mismatch (invoice retention keyed differently from the application), the
routing_ambiguous kind "service_job_progress_billed" (one hand-made application on a service job), a
retainage_mismatch whose invoice's Retention_Percent is keyed at half the contract's (amount right), and
double_billed "billed_beside_a_draw" (a month whose draw is not the BuildOps invoice's amount, so that invoice is
no copy of it).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from . import bo
from .ar import ZERO, Receivables, in_scope
from .catalog import GL, PROJECT_GRIDS, RETENTION_PERCENT
from .context import Job


def bill_projects(ar: Receivables, ambiguous_jobs: list[Job]) -> None:
    run = ar.run
    by_job: dict[str, list[dict]] = {}
    for invoice in run.buildops.get("invoices", []):
        job = run.jobs.get(invoice.get("jobId") or "")
        issued = bo.to_date(bo.pick(invoice, "issuedDate", "postingDate"))
        if job and job.progress_billed and in_scope(invoice) and issued and issued <= run.as_of:
            by_job.setdefault(invoice["jobId"], []).append(invoice)
    rng = run.rng("progress")
    billed_jobs = sorted(by_job, key=lambda j: run.jobs[j].number)
    mismatched = set(rng.sample(billed_jobs, min(len(billed_jobs), max(2, len(billed_jobs) // 40))))
    redrawn = _pick_redrawn(run, by_job)
    # retainage_mismatch of the second kind: the AR invoice's Retention_Percent keyed wrong (half the contract's)
    # while its amount is right. Own random stream.
    unmatched = [j for j in billed_jobs if j not in mismatched]
    misrated = set(run.rng("progress/retention_percent").sample(unmatched, min(1, len(unmatched))))
    for job_id in billed_jobs:
        invoices = sorted(by_job[job_id], key=lambda inv: (bo.to_date(inv.get("issuedDate")), inv["id"]))
        apps = []
        for invoice in invoices:
            amount = bo.money(invoice.get("totalAmount")) - bo.money(invoice.get("taxAmount"))
            if invoice["id"] in redrawn:
                amount += redrawn[invoice["id"]]
                _double_billed_truth(run, run.jobs[job_id], invoice)
            payments = [
                (bo.to_date(p.get("paymentDate")), bo.money(p.get("appliedAmount")))
                for p in invoice.get("payments") or []
            ]
            apps.append((bo.to_date(invoice.get("issuedDate")), amount, payments))
        _applications(ar, run.jobs[job_id], apps, mismatch_first=job_id in mismatched, misrate_first=job_id in misrated)
    # Giving a job a customer creates its AR contract in Spectrum: AIA jobs not billed yet still have one.
    for job_id, job in sorted(run.jobs.items(), key=lambda kv: (kv[1].company, kv[1].number)):
        if job.progress_billed and job_id not in by_job:
            _applications(ar, job, [], mismatch_first=False)
    for job in ambiguous_jobs:
        when = run.as_of - dt.timedelta(days=12)
        amount = Decimal(rng.randrange(2_000_000, 9_000_000)) / 100
        _applications(ar, job, [(when, amount, [])], mismatch_first=False, contract=amount * 2)


def _pick_redrawn(run, by_job: dict[str, list[dict]]) -> dict[str, Decimal]:
    """double_billed beside a draw: for a few BuildOps invoices on AIA jobs, the project team drew a different
    amount in Spectrum that month, so the BuildOps invoice is no copy of the draw: id -> how much more was drawn.
    Own random stream, so adding this rule moved no other anomaly."""
    pool = sorted(
        invoice["id"]
        for invoices in by_job.values()
        for invoice in invoices
        if invoice["id"] not in run.posted_invoices
        and bo.money(invoice.get("totalAmount")) - bo.money(invoice.get("taxAmount")) > 0
    )
    rng = run.rng("progress/double_billed")
    return {i: Decimal(rng.randrange(100_000, 900_000)) / 100 for i in rng.sample(pool, min(2, len(pool)))}


def _double_billed_truth(run, job: Job, invoice: dict) -> None:
    run.anomaly(
        "double_billed",
        {
            "company_code": job.company,
            "customer_code": job.customer_code,
            "job_number": job.number.strip(),
            "buildops_job_id": job.buildops_id,
            "buildops_invoice_id": invoice["id"],
            "buildops_invoice_number": str(invoice.get("invoiceNumber", "")),
        },
        bo.money(invoice.get("totalAmount")),
        reason="billed_beside_a_draw",
    )


def _applications(
    ar: Receivables,
    job: Job,
    apps: list,
    mismatch_first: bool,
    contract: Decimal | None = None,
    misrate_first: bool = False,
) -> None:
    run = ar.run
    rng = run.rng(f"draws/{job.company}/{job.number}")
    percent = Decimal(RETENTION_PERCENT[job.company])
    contract = contract or max(job.contract, sum((a[1] for a in apps), ZERO))
    customer = job.customer_code
    items = _schedule_of_values(job, contract)
    previous, retention_held = ZERO, ZERO
    previous_items = [ZERO] * len(items)
    for app, (when, this_period, payments) in enumerate(apps, start=1):
        if this_period <= 0:
            continue
        to_date = previous + this_period
        retention = (this_period * percent / 100).quantize(bo.CENT)
        invoice_retention = retention
        if mismatch_first and app == 1:
            invoice_retention = (this_period * (percent / 2) / 100).quantize(bo.CENT)
        number = f"{job.number.strip()[-7:]}-{app:02d}"  # 26-1001-03: within the 10 characters
        _write_application(
            ar,
            job,
            customer,
            app,
            when,
            contract,
            to_date,
            previous,
            this_period,
            percent,
            retention,
            number,
            items,
            previous_items,
        )
        due = when + dt.timedelta(days=30)
        keyed_percent = percent / 2 if misrate_first and app == 1 else percent
        if keyed_percent != percent:
            _misrated_truth(run, job, customer, number, when, this_period, keyed_percent, invoice_retention)
        ar._header(
            job.company,
            customer,
            job.number,
            number,
            "I",
            when,
            due,
            this_period,
            ZERO,
            keyed_percent,
            invoice_retention,
            remarks=f"Application {app}",
            batch=f"PB{when:%m%d}",
            application=app,
        )
        ar._line(
            job.company,
            customer,
            number,
            1,
            f"Progress billing app {app}",
            bo.number(1),
            bo.number(this_period),
            this_period,
            GL["revenue_project"],
        )
        net = this_period - invoice_retention
        cash = [(d or when, a, f"ACH{rng.randint(10000, 99999)}") for d, a in payments if a > 0]
        paid = ar._cash(job.company, customer, job.number, number, net, ZERO, cash)
        ar._open_item(job.company, customer, job.number, number, when, due, this_period, invoice_retention, paid, ZERO)
        retention_held += invoice_retention
        if invoice_retention != retention:
            run.anomaly(
                "retainage_mismatch",
                {
                    "company_code": job.company,
                    "job_number": job.number.strip(),
                    "customer_code": customer,
                    "application_number": app,
                    "invoice_or_transaction": number,
                },
                abs(retention - invoice_retention),
                billing_retention=format(retention, "f"),
                invoice_retention=format(invoice_retention, "f"),
            )
        previous = to_date
    run.revised_contracts[(job.company, job.number)] = contract
    run.tables["CR_CONTRACT_MASTER_MC"].write(
        {
            "Company_Code": job.company,
            "Job_Number": job.number,
            "Customer_Code": customer,
            "Contract_Description": job.job_type[:30],
            "Original_Contract": contract,
            "Change_Orders": ZERO,
            "Revised_Contract": contract,
            "Retention_Percent": percent,
            "Billed_To_Date": previous,
            "Retention_Held": retention_held,
            "Billing_Type": "P",
            "Status_Code": job.status,
            "Billto_Code": "",
        }
    )


def _misrated_truth(run, job: Job, customer: str, number: str, when, extension, percent, retention) -> None:
    at_percent = (extension * percent / 100).quantize(bo.CENT, rounding=ROUND_HALF_UP)
    run.anomaly(
        "retainage_mismatch",
        {
            "company_code": job.company,
            "job_number": job.number.strip(),
            "customer_code": customer,
            "invoice_or_transaction": number,
        },
        abs(at_percent - retention),
        reason="percent_times_invoice",
        invoice_retention=format(retention, "f"),
        retention_percent=format(percent, "f"),
    )


def _schedule_of_values(job: Job, contract: Decimal) -> list[tuple[str, str, Decimal]]:
    rows = PROJECT_GRIDS[job.company]
    items, assigned = [], ZERO
    for i, (_, description, _, weight) in enumerate(rows):
        value = contract - assigned if i == len(rows) - 1 else (contract * Decimal(str(weight))).quantize(bo.CENT)
        assigned += value
        items.append((f"{i + 1:03d}", description, value))
    return items


def _write_application(
    ar,
    job,
    customer,
    app,
    when,
    contract,
    to_date,
    previous,
    this_period,
    percent,
    retention,
    number,
    items,
    previous_items,
) -> None:
    tables = ar.run.tables
    tables["CR_BILLING_HEADER_MC"].write(
        {
            "Company_Code": job.company,
            "Job_Number": job.number,
            "Customer_Code": customer,
            "Application_Number": app,
            "Application_Date": when,
            "Period_End_Date": when,
            "Original_Contract_Amount": contract,
            "Change_Order_Total": ZERO,
            "Revised_Contract_Amount": contract,
            "Complete_To_Date": to_date,
            "Material_Stored": ZERO,
            "Retention_Percent": percent,
            "Retention_Amount": retention,
            "Amount_Billed_Previous": previous,
            "Amount_Due": this_period - retention,
            "Invoice_Sequence": number,
            "Post_Flag": "P",
        }
    )
    fraction = to_date / contract if contract else Decimal(0)
    allotted = ZERO
    for i, (item, description, value) in enumerate(items):
        item_to_date = to_date - allotted if i == len(items) - 1 else (value * fraction).quantize(bo.CENT)
        allotted += item_to_date
        item_period = item_to_date - previous_items[i]
        tables["CR_BILL_DETAIL_MC"].write(
            {
                "Company_Code": job.company,
                "Job_Number": job.number,
                "Customer_Code": customer,
                "Application_Number": app,
                "Billing_Item": item,
                "Billing_Description": description,
                "Scheduled_Value": value,
                "Previous_Completed": previous_items[i],
                "This_Period_Completed": item_period,
                "Stored_Materials": ZERO,
                "Complete_To_Date": item_to_date,
                "Percent_Complete": (item_to_date / value * 100).quantize(bo.CENT) if value else ZERO,
                "Balance_To_Finish": value - item_to_date,
                "Retention_Amount": (item_period * percent / 100).quantize(bo.CENT),
            }
        )
        previous_items[i] = item_to_date
