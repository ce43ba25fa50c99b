"""mapping/job_crosswalk.csv: the Spectrum job each BuildOps job posts to, as the contractor maintains it.

The twin's world (SPECTRUM.md "Job crosswalk"), numbered as real installs are:
- projects carry Spectrum's own numbers (`26-1001`, per company and creation year), not BuildOps' jobNumber;
- service work of a few kinds posts to umbrella service jobs through pattern rows: fire inspections per year
  (`26-INSP`, FPR), preventive maintenance for every year (`PM-SVC`, MEC), and the plumbing department's other
  tickets per year (`26-PLB-SVC`, MEC). Every ticket on an umbrella shares its Spectrum job, phases and cost;
- the rest of the service tickets keep a Spectrum job of their own, under the BuildOps number, by a
  one-to-one row (the crosswalk, not the equal numbers, is what ties them).
Injected: job_unmatched, a few one-to-one service jobs whose row nobody added: Spectrum has the job (payroll
costs it), but none of their invoices could post, so Spectrum AR has none of them.
"""

from __future__ import annotations

from decimal import Decimal

from . import bo
from .ar import POSTING_LAG_DAYS, in_scope
from .context import Job, Run
from .mapping import mapping_index, resolve

COLUMNS = ["match_type", "match_value", "year", "company_code", "spectrum_job_number", "phase_code", "note"]

# Umbrella rules, in the order the crosswalk resolves them (job type rules before department rules):
# (match_type, match_value, company, one job per creation year?, Spectrum job number, phase or "").
UMBRELLA_RULES = (
    ("job_type", "Fire Inspection", "FPR", True, "{yy}-INSP", ""),
    ("job_type", "Preventive Maintenance", "MEC", False, "PM-SVC", ""),
    ("department", "MEC - Plumbing Service", "MEC", True, "{yy}-PLB-SVC", ""),
)
# Project numbers per company: <yy>-<first + sequence>, the sequence restarting each year.
PROJECT_FIRST = {"MEC": 1001, "FPR": 5001}


def assign_spectrum_numbers(run: Run) -> None:
    """Give every job its Spectrum number (run.jobs[...].number): projects renumbered, umbrella tickets on their
    umbrella job (one shared phase grid, status A), the rest under their BuildOps number. Rebuilds
    run.jobs_by_key (one entry per Spectrum job) and run.umbrella_rows / run.umbrella_jobs."""
    records = {r.get("id"): r for r in run.buildops.get("jobs", [])}
    sequence: dict[tuple[str, int], int] = {}
    members: dict[tuple[str, str], list[Job]] = {}
    rows: dict[tuple, dict] = {}
    for job in sorted(run.jobs.values(), key=lambda j: (j.company, j.start, j.buildops_number)):
        if job.kind == "project":
            slot = (job.company, job.start.year)
            sequence[slot] = sequence.get(slot, -1) + 1
            job.number = bo.pad_job(
                f"{job.start.year % 100:02d}-{PROJECT_FIRST.get(job.company, 1001) + sequence[slot]}"
            )
            continue
        rule = _umbrella_rule(job, records.get(job.buildops_id) or {})
        if rule is None:
            continue
        match_type, value, company, per_year, template, phase = rule
        number = template.format(yy=f"{job.start.year % 100:02d}")
        job.number = bo.pad_job(number)
        members.setdefault((company, job.number), []).append(job)
        year = str(job.start.year) if per_year else ""
        rows[(match_type, value, year, company)] = {
            "match_type": match_type,
            "match_value": value,
            "year": year,
            "company_code": company,
            "spectrum_job_number": number,
            "phase_code": phase,
            "note": f"umbrella {value} job",
        }
    for tickets in members.values():
        # Spectrum has one phase grid per umbrella: the union of its tickets' trades.
        grid: dict[tuple[str, str], str] = {}
        for ticket in tickets:
            grid.update(ticket.grid)
        for ticket in tickets:
            ticket.grid, ticket.status = grid, "A"
    run.umbrella_rows = [rows[k] for k in sorted(rows)]
    run.umbrella_jobs = {j.buildops_id for tickets in members.values() for j in tickets if j.buildops_id}
    run.jobs_by_key = {}
    for job in sorted(run.jobs.values(), key=lambda j: (j.company, j.number, j.start, j.buildops_number)):
        run.jobs_by_key.setdefault((job.company, job.number), job)


def _umbrella_rule(job: Job, record: dict) -> tuple | None:
    """The first umbrella rule covering a non-project job, matched as the crosswalk's readers match it."""
    departments = record.get("departments") or []
    department = str(bo.pick(departments[0], "name", default="")) if departments else ""
    for rule in UMBRELLA_RULES:
        match_type, value, company = rule[:3]
        if match_type == "job_type" and job.job_type.upper() == value.upper() and job.company == company:
            return rule
        if match_type == "department" and department.upper() == value.upper():
            return rule
    return None


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
        (
            j
            for j in run.jobs.values()
            if j.kind == "service"
            and j.buildops_id not in excluded
            and j.buildops_id not in run.umbrella_jobs
            and clean(j)
        ),
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
    """The umbrella pattern rows, then one-to-one rows for every other BuildOps job Spectrum knows, except the
    unmatched ones."""
    out = list(run.umbrella_rows)
    for job in sorted(run.jobs.values(), key=lambda j: (j.company, j.number, j.buildops_number)):
        if job.buildops_id in run.unmatched_jobs or job.buildops_id in run.umbrella_jobs:
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
        "one_to_one_rows": sum(
            1 for j in run.jobs.values() if j.buildops_id not in run.unmatched_jobs | run.umbrella_jobs
        ),
        "pattern_rows": len(run.umbrella_rows),
        "umbrella_jobs": {
            f"{row['company_code']}|{row['spectrum_job_number']}": sum(
                1
                for j in run.jobs.values()
                if j.buildops_id in run.umbrella_jobs
                and (j.company, j.number.strip()) == (row["company_code"], row["spectrum_job_number"])
            )
            for row in run.umbrella_rows
        },
        "renumbered_projects": {
            j.buildops_number: f"{j.company}|{j.number.strip()}"
            for j in sorted(run.jobs.values(), key=lambda j: j.buildops_number)
            if j.kind == "project"
        },
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
