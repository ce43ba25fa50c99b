"""The WIP schedule for truth.json (period_end.<period>.wip), stated from the twin's own events as it generated
them - the contracts it set, the job cost it posted (by month), the projections its PMs entered, the AR invoices
it raised and the timesheets payroll costed - never from a table it writes. It follows fct_wip.yml in transforms/.

Per contract job (a revised contract other than zero) open at the period end (started by it, not completed
before it): cost to date = job cost posted by the period end + an estimate of labor worked by then that payroll
has not costed (hours x pay rate x (1 + burden rate), per job, employee and day, to the cent); projected cost at
completion = per phase the projection entered by the period end, else the estimate, summed, never below cost to
date; earned revenue = contract x cost to date / projected cost (capped at the contract), to the cent, or, with
neither estimate nor projection, the cost to date up to the contract (zero margin); billed =
Spectrum AR invoice extensions dated by the period end; the loss provision takes the rest of a projected loss.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from . import bo
from .ar import Receivables
from .catalog import BURDEN_RATE
from .closing import period_end
from .context import Job, Run
from .payroll import _hours

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def _is_open(job: Job, end: dt.date) -> bool:
    completed = job.end if job.status == "C" else None
    return job.start <= end and (completed is None or completed > end)


def _unposted_labor(run: Run, end: dt.date, jobs: set[tuple[str, str]]) -> dict[tuple[str, str], Decimal]:
    """(company, job) -> estimated cost of timesheet labor worked by `end` that payroll never costed. Hours on a
    job of another company than the employee's carry no rate there (0); jobs the crosswalk leaves out, none."""
    hours: dict[tuple[str, str, str, dt.date], Decimal] = defaultdict(Decimal)
    for sheet in run.buildops.get("timesheets", []):
        if bo.is_deleted(sheet) or sheet.get("id") in run.paid_timesheets:
            continue
        job = run.jobs.get(sheet.get("jobId") or "")
        employee = run.employees.get(sheet.get("employeeId") or "")
        day = bo.to_date(sheet.get("workDate"))
        if job is None or employee is None or day is None or day > end or job.buildops_id in run.unmatched_jobs:
            continue
        key = (job.company, job.number.strip())
        if key in jobs and employee.company == job.company:
            hours[(*key, employee.code, day)] += _hours(sheet)
    rates = {(e.company, e.code): e.rate for e in run.employees.values()}
    out: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for (company, number, code, _), worked in hours.items():
        cost = worked * rates[(company, code)] * (1 + Decimal(BURDEN_RATE[company]))
        out[(company, number)] += cost.quantize(CENT, ROUND_HALF_UP)
    return out


def contract_jobs(run: Run, end: dt.date) -> dict[tuple[str, str], Decimal]:
    """(company, job) -> revised contract, of each contract job (a contract other than zero) open at `end`."""
    contracts = {}
    for job in run.jobs.values():
        contract = run.revised_contracts.get((job.company, job.number), job.contract)
        if contract != 0 and _is_open(job, end):
            contracts[(job.company, job.number.strip())] = contract
    return contracts


def schedule(run: Run, ar: Receivables, period: str) -> dict[str, dict[str, str]]:
    """Per 'company|job' of each contract job open at the period end: the WIP schedule's figures."""
    end = period_end(period)
    contracts = contract_jobs(run, end)
    posted: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for (company, number, _, _, month, _), amount in run.phase_cost_by_month.items():
        if month <= end and (company, number) in contracts:
            posted[(company, number)] += amount
    billed: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for (company, _, _), invoice in ar.invoices.items():
        if invoice["date"] <= end and (company, invoice["job"]) in contracts:
            billed[(company, invoice["job"])] += invoice["extension"]
    unposted = _unposted_labor(run, end, set(contracts))
    out = {}
    for key, contract in sorted(contracts.items()):
        plans = run.phase_plans.get(key, [])
        # The projection in force at the period end (the latest entered by then), else the estimate, per phase.
        in_force = [next((a for d, a in reversed(history) if d <= end), None) for _, history in plans]
        spectrum_projection = sum(
            (estimate if amount is None else amount for (estimate, _), amount in zip(plans, in_force, strict=True)),
            ZERO,
        )
        entered = [amount for amount in in_force if amount is not None]
        cost = posted[key] + unposted[key]
        projected = max(spectrum_projection, cost)
        if not entered and spectrum_projection == 0:
            earned = min(cost, contract)  # no measure of progress: zero margin (ASC 606-10-25-37)
        elif projected <= 0:
            earned = ZERO
        elif cost >= projected:
            earned = contract
        else:
            earned = (contract * cost / projected).quantize(CENT, ROUND_HALF_UP)
        profit = contract - projected
        provision = -profit - (cost - earned) if profit < 0 else ZERO
        out["|".join(key)] = {
            "contract": format(contract, "f"),
            "projected_cost": format(projected, "f"),
            "posted_cost": format(posted[key].quantize(CENT), "f"),
            "unposted_labor_estimate": format(unposted[key].quantize(CENT), "f"),
            "earned_revenue": format(earned, "f"),
            "billed_to_date": format(billed[key].quantize(CENT), "f"),
            "over_under_billing": format((billed[key] - earned).quantize(CENT), "f"),
            "projected_gross_profit": format(profit, "f"),
            "loss_provision": format(provision.quantize(CENT), "f"),
        }
    return out
