"""The schedule of unbilled service work for truth.json (period_end.<period>.unbilled_service_work), stated from
the twin's own BuildOps records and the rates it gave its employees, never from a table it writes. It follows
fct_unbilled_service_work.yml in transforms/.

Per BuildOps service or agreement job: completed visits dated by the period end that no live invoice on the job
dated between the visit and the period end covers; their timesheet hours, costed at the employee's Spectrum pay
rate plus burden in the job's company (0 where the employee is another company's, or the job resolves to no
Spectrum job), and priced at the labor rate the job has billed (labor lines on its live invoices, any date).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from . import bo
from .catalog import BURDEN_RATE
from .closing import period_end
from .context import Run
from .payroll import _hours

CENT = Decimal("0.01")
VOID = {"void", "voided"}


def _live(invoice: dict) -> bool:
    return not bo.is_deleted(invoice) and str(invoice.get("status", "")).lower() not in VOID


def schedule(run: Run, period: str) -> dict[str, dict[str, str | int | None]]:
    end = period_end(period)
    records = {j["id"]: j for j in run.buildops.get("jobs", []) if not bo.is_deleted(j)}
    service = {i: job for i, job in run.jobs.items() if job.kind != "project" and i in records}
    covered: dict[str, list[dt.date]] = defaultdict(list)
    labor_billed: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for invoice in run.buildops.get("invoices", []):
        job_id = invoice.get("jobId")
        if job_id not in service or not _live(invoice):
            continue
        issued = bo.to_date(invoice.get("issuedDate"))
        if issued and issued <= end:
            covered[job_id].append(issued)
        for line in bo.pick(invoice, "invoiceItems", "lineItems") or []:
            if str(line.get("lineItemType", "")).lower().startswith("labor"):
                labor_billed[job_id][0] += bo.money(line.get("amount"))
                labor_billed[job_id][1] += bo.number(line.get("quantity"))
    unbilled: dict[str, dict[str, dt.date]] = defaultdict(dict)  # job id -> visit id -> date
    for visit in run.buildops.get("visits", []):
        job_id, day = visit.get("jobId"), bo.to_date(visit.get("scheduledFor"))
        if job_id not in service or bo.is_deleted(visit) or day is None or day > end:
            continue
        if str(visit.get("status", "")).lower() not in ("completed", "complete"):
            continue
        if not any(issued >= day for issued in covered.get(job_id, [])):
            unbilled[job_id][visit["id"]] = day
    visit_job = {v: j for j, visits in unbilled.items() for v in visits}
    hours: dict[str, Decimal] = defaultdict(Decimal)
    cost: dict[str, Decimal] = defaultdict(Decimal)
    for sheet in run.buildops.get("timesheets", []):
        job_id = visit_job.get(sheet.get("visitId") or "")
        if job_id is None or bo.is_deleted(sheet):
            continue
        job, employee, worked = service[job_id], run.employees.get(sheet.get("employeeId") or ""), _hours(sheet)
        hours[job_id] += worked
        if employee and employee.company == job.company and job.buildops_id not in run.unmatched_jobs:
            cost[job_id] += worked * employee.rate * (1 + Decimal(BURDEN_RATE[job.company]))
    out: dict[str, dict[str, str | int | None]] = {}
    for job_id, visits in sorted(unbilled.items()):
        job = service[job_id]
        matched = job.buildops_id not in run.unmatched_jobs
        amount, quantity = labor_billed.get(job_id, (Decimal(0), Decimal(0)))
        out[job_id] = {
            "company_code": job.company if matched else None,
            "job_number": job.number.strip() if matched else None,
            "visits": len(visits),
            "hours": format(hours[job_id].quantize(Decimal("0.0001")), "f"),
            "cost": format(cost[job_id].quantize(CENT, ROUND_HALF_UP), "f"),
            "price": format((hours[job_id] * amount / quantity).quantize(CENT, ROUND_HALF_UP), "f")
            if quantity > 0
            else None,
        }
    return out
