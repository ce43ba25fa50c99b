"""JC_TRANSACTION_HISTORY_MC: every cost that reached a job, written as a stream.

Sources: payroll (PR: labor + burden), vendor invoices (AP), materials issued from stock for BuildOps invoice
lines (IC), and, to reach the volume of a real install (~400,000 rows per scale 1), the daily equipment
charges (EC), stock issues (IC) and cost allocations (JC) of project crews that BuildOps never sees.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from .catalog import COST_TYPES, GL
from .context import Job, Run

ROWS_PER_SCALE = 400_000
_sequence = {"n": 0}


def _cents(value: int) -> str:
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}{value // 100}.{value % 100:02d}"


def write_jc(
    run: Run,
    job: Job,
    phase: str,
    cost_type: str,
    tran_type: str,
    date: dt.date,
    amount: Decimal,
    *,
    reference: str = "",
    description: str = "",
    quantity: Decimal | None = None,
    hours: Decimal | None = None,
    employee: tuple[str, str] = ("", ""),
    vendor: tuple[str, str] = ("", ""),
    invoice: str = "",
    check: str = "",
    burden: Decimal | None = None,
    customer: str = "",
    batch: str = "",
) -> None:
    _sequence["n"] += 1
    text = f"{date:%Y%m%d}"
    run.tables["JC_TRANSACTION_HISTORY_MC"].write_values(
        [
            job.company,
            job.number,
            phase,
            cost_type,
            tran_type,
            text,
            text[:4],
            text[4:6],
            reference[:20],
            "",
            str(_sequence["n"]),
            description[:30],
            employee[0],
            employee[1][:30],
            vendor[0],
            vendor[1][:30],
            invoice[:20],
            check,
            format(quantity, "f") if quantity is not None else "",
            "",
            format(hours, "f") if hours is not None else "",
            format(burden, "f") if burden is not None else "",
            format(amount, "f"),
            batch or f"{tran_type}{date:%m%d}",
            customer,
            "",
        ]
    )
    run.add_jtd(job.company, job.number, phase, cost_type, amount, hours or Decimal(0))
    if date:
        key = (job.company, job.number.strip(), phase, cost_type, date.replace(day=1), tran_type == "PR")
        run.phase_cost_by_month[key] = run.phase_cost_by_month.get(key, Decimal(0)) + amount


def fill_project_costs(run: Run) -> int:
    """Top JC history up to ROWS_PER_SCALE x scale with project-crew costs. Returns rows written."""
    table = run.tables["JC_TRANSACTION_HISTORY_MC"]
    target = int(ROWS_PER_SCALE * run.scale)
    missing = target - table.count
    projects = [j for j in run.jobs.values() if j.kind == "project" and j.contract > 0]
    if missing <= 0 or not projects:
        return 0
    rng = run.rng("jobcost/fill")
    weights = [float(j.contract) for j in projects]
    total_weight = sum(weights)
    written = 0
    monthly: dict[tuple[str, str], int] = {}
    by_phase_month: dict[tuple[str, str, str, str, str], int] = {}
    cumulative = 0.0
    for job, weight in zip(projects, weights, strict=True):
        # Cumulative rounding: the per-job counts add up to exactly `missing`.
        before = round(missing * cumulative / total_weight)
        cumulative += weight
        rows = round(missing * cumulative / total_weight) - before
        if rows <= 0:
            continue
        types = COST_TYPES[job.company]
        phases = [(p, ct) for (p, ct) in job.grid if ct in (types["equipment"], types["material"], types["other"])]
        if not phases:
            continue
        end = min(job.end or run.as_of, run.as_of)
        span = max(1, (end - job.start).days)
        # What these rows add up to: about a quarter of the contract, spread over the job's life.
        budget_c = int(job.contract * 25)
        mean_c = max(100, budget_c // rows)
        seq = _sequence["n"]
        company, number = job.company, job.number
        for _ in range(rows):
            phase, cost_type = phases[rng.randrange(len(phases))]
            day = job.start + dt.timedelta(days=rng.randrange(span + 1))
            cents = max(1, int(rng.expovariate(1.0 / mean_c)))
            tran = "EC" if cost_type == types["equipment"] else ("IC" if cost_type == types["material"] else "JC")
            text = f"{day:%Y%m%d}"
            seq += 1
            amount = _cents(cents)
            table.write_values(
                [
                    company,
                    number,
                    phase,
                    cost_type,
                    tran,
                    text,
                    text[:4],
                    text[4:6],
                    f"{tran}{text[2:]}",
                    "",
                    str(seq),
                    "Equipment charge" if tran == "EC" else ("Stock issue" if tran == "IC" else "Cost allocation"),
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "1.0000" if tran != "JC" else "",
                    "",
                    "",
                    "",
                    amount,
                    f"{tran}{text[4:]}",
                    "",
                    "",
                ]
            )
            slot = run.jtd.setdefault((company, number, phase, cost_type), [Decimal(0), Decimal(0)])
            slot[0] += Decimal(cents) / 100
            monthly_key = (company, text[:6])
            monthly[monthly_key] = monthly.get(monthly_key, 0) + cents
            phase_key = (company, number, phase, cost_type, text[:6])
            by_phase_month[phase_key] = by_phase_month.get(phase_key, 0) + cents
            written += 1
        _sequence["n"] = seq
    for (company, number, phase, cost_type, month), cents in by_phase_month.items():
        key = (company, number.strip(), phase, cost_type, dt.date(int(month[:4]), int(month[4:]), 1), False)
        run.phase_cost_by_month[key] = run.phase_cost_by_month.get(key, Decimal(0)) + Decimal(cents) / 100
    for (company, month), cents in sorted(monthly.items()):
        date = dt.date(int(month[:4]), int(month[4:]), 1)
        amount = Decimal(cents) / 100
        run.gl(company, "5400", date, amount, "JC", "Project crew costs")
        run.gl(company, GL["equipment_recovery"], date, -amount, "JC", "Project crew costs")
    return written
