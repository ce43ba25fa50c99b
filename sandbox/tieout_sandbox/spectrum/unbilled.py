"""unbilled_work visit by visit: a completed visit on a service job with no invoice on the job dated on or after
it, once the policy's window (policy.yml close.unbilled_visit_days) has passed by the as-of date.

Injected: a few follow-up visits dated after their job's last invoice (nobody billed them). The truth then lists
every visit the rule's sentence names, those and any the generated world holds by itself; at stake the visit's
timesheet hours x the employee's pay rate.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from . import bo
from .context import Run
from .payroll import _hours

VOID = {"void", "voided"}


def _billing_dates(run: Run) -> dict[str, list[dt.date]]:
    """Job id -> the issued dates of its invoices that started billing (drafts too; voids and deletions not)."""
    out: dict[str, list[dt.date]] = {}
    for invoice in run.buildops.get("invoices", []):
        issued = bo.to_date(invoice.get("issuedDate"))
        if (
            invoice.get("jobId")
            and issued
            and not bo.is_deleted(invoice)
            and str(invoice.get("status", "")).lower() not in VOID
        ):
            out.setdefault(invoice["jobId"], []).append(issued)
    return out


def _is_completed(visit: dict) -> bool:
    return str(visit.get("status", "")).lower() in ("completed", "complete")


def inject_follow_ups(run: Run, window_days: int) -> None:
    """Move a completed visit of a few invoiced service jobs to after the job's last invoice. Own random stream."""
    billed = _billing_dates(run)
    pool = []
    for visit in run.buildops.get("visits", []):
        job = run.jobs.get(visit.get("jobId") or "")
        if not job or job.kind != "service" or not _is_completed(visit) or visit["jobId"] not in billed:
            continue
        follow_up = max(billed[visit["jobId"]]) + dt.timedelta(days=2)
        if follow_up + dt.timedelta(days=window_days) <= run.as_of:
            pool.append((visit["id"], visit, follow_up))
    rng = run.rng("unbilled/visits")
    for _, visit, follow_up in rng.sample(sorted(pool, key=lambda p: p[0]), min(2, len(pool))):
        moment = dt.datetime.combine(follow_up, dt.time(15), tzinfo=dt.timezone.utc)
        visit["scheduledFor"] = int(moment.timestamp())


def visit_truth(run: Run, window_days: int, reported_jobs: set[str]) -> None:
    billed = _billing_dates(run)
    labor: dict[str, Decimal] = {}
    for sheet in run.buildops.get("timesheets", []):
        employee = run.employees.get(sheet.get("employeeId") or "")
        if sheet.get("visitId") and employee and not bo.is_deleted(sheet):
            labor[sheet["visitId"]] = labor.get(sheet["visitId"], Decimal(0)) + _hours(sheet) * employee.rate
    for visit in sorted(run.buildops.get("visits", []), key=lambda v: v["id"]):
        job = run.jobs.get(visit.get("jobId") or "")
        day = bo.to_date(visit.get("scheduledFor"))
        if not job or job.kind != "service" or not _is_completed(visit) or not day:
            continue
        if day + dt.timedelta(days=window_days) > run.as_of or job.buildops_id in reported_jobs:
            continue
        if any(issued >= day for issued in billed.get(visit["jobId"], [])):
            continue
        run.anomaly(
            "unbilled_work",
            {
                "company_code": job.company,
                "job_number": job.number.strip(),
                "buildops_job_id": job.buildops_id,
                "buildops_visit_id": visit["id"],
            },
            labor.get(visit["id"], Decimal(0)).quantize(bo.CENT, rounding=ROUND_HALF_UP),
            reason="visit_not_invoiced",
        )
