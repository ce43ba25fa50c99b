"""mapping/job_crosswalk.csv: the Spectrum job each BuildOps job posts to, as the contractor maintains it.

The twin's world (SPECTRUM.md "Job crosswalk"): every BuildOps job Spectrum knows has a one-to-one row
(match_type job_number). Injected: job_unmatched, a few service jobs whose row nobody added: Spectrum has the
job (payroll costs it), but none of their invoices could post, so Spectrum AR has none of them.
"""

from __future__ import annotations

from decimal import Decimal

from . import bo
from .ar import POSTING_LAG_DAYS, in_scope
from .context import Job, Run
from .mapping import mapping_index, resolve

COLUMNS = ["match_type", "match_value", "year", "company_code", "spectrum_job_number", "phase_code", "note"]


def pick_unmatched(run: Run, excluded: set[str]) -> None:
    """Service jobs left out of the crosswalk (run.unmatched_jobs). Each has posted-age invoices whose every line
    the cost code mapping sends to the job's grid, so the job is the one thing wrong with them."""
    index = mapping_index(run.mapping_rows)
    invoices: dict[str, list[dict]] = {}
    for invoice in run.buildops.get("invoices", []):
        if in_scope(invoice):
            invoices.setdefault(invoice.get("jobId") or "", []).append(invoice)

    def clean(job: Job) -> bool:
        mine = invoices.get(job.buildops_id or "", [])
        if not mine:
            return False
        for invoice in mine:
            issued = bo.to_date(bo.pick(invoice, "issuedDate", "postingDate", "audit.createdDateTime"))
            if not issued or (run.as_of - issued).days < POSTING_LAG_DAYS:
                return False
            for item in invoice.get("invoiceItems") or []:
                row = resolve(index, job.company, item, job.job_type)
                if row is None or (row["phase_code"], row["cost_type"]) not in job.grid:
                    return False
        return True

    pool = sorted(
        (j for j in run.jobs.values() if j.kind == "service" and j.buildops_id not in excluded and clean(j)),
        key=lambda j: (j.company, j.number),
    )
    chosen = run.rng("job_crosswalk/unmatched").sample(pool, min(len(pool), max(2, len(pool) // 400)))
    run.unmatched_jobs = {j.buildops_id for j in chosen if j.buildops_id}


def unmatched_truth(run: Run) -> None:
    """job_unmatched: one anomaly per live invoice on a job the crosswalk leaves out; at stake its total."""
    for invoice in sorted(run.buildops.get("invoices", []), key=lambda i: i["id"]):
        job = run.jobs.get(invoice.get("jobId") or "")
        if job is None or job.buildops_id not in run.unmatched_jobs or not in_scope(invoice):
            continue
        run.anomaly(
            "job_unmatched",
            {
                "company_code": job.company,
                "buildops_job_id": job.buildops_id,
                "buildops_invoice_id": invoice["id"],
                "buildops_invoice_number": str(bo.pick(invoice, "invoiceNumber", default="")),
            },
            bo.money(invoice.get("totalAmount")),
            buildops_job_number=job.buildops_number,
            spectrum_job_number=job.number.strip(),
        )


def rows(run: Run) -> list[dict]:
    """One-to-one rows for every BuildOps job Spectrum knows, except the unmatched ones."""
    out = []
    for job in sorted(run.jobs.values(), key=lambda j: (j.company, j.number, j.buildops_number)):
        if job.buildops_id in run.unmatched_jobs:
            continue
        out.append(
            {
                "match_type": "job_number",
                "match_value": job.buildops_number,
                "year": "",
                "company_code": job.company,
                "spectrum_job_number": job.number.strip(),
                "phase_code": "",
                "note": "",
            }
        )
    return out


def summary(run: Run) -> dict:
    """What truth.json says about the crosswalk: rows by kind and the jobs left out."""
    return {
        "one_to_one_rows": sum(1 for j in run.jobs.values() if j.buildops_id not in run.unmatched_jobs),
        "unmatched_buildops_job_ids": sorted(run.unmatched_jobs),
        "unmatched_amount": format(
            sum(
                (
                    bo.money(i.get("totalAmount"))
                    for i in run.buildops.get("invoices", [])
                    if i.get("jobId") in run.unmatched_jobs and in_scope(i)
                ),
                Decimal("0.00"),
            ),
            "f",
        ),
    }
