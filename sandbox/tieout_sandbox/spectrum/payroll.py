"""PR_TIME_CARD_HISTORY_MC from BuildOps timesheets, and the labor it puts on jobs.

Payroll runs weekly: the week ends Saturday and its checks are dated the Friday after, so Spectrum lags
BuildOps by up to a week (weeks whose check date is after the as-of date are not in Spectrum yet; that is
timing, not an exception). Injected: payroll_timing_gap, employee-weeks that payroll should hold (check date
on or before the as-of date) but that never reached Spectrum.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from . import bo
from .catalog import BURDEN_RATE, COST_TYPES, GL
from .context import Run
from .jobcost import write_jc

HOURS = Decimal("0.0001")


def week_end(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=(5 - day.weekday()) % 7)


def check_date(period_end: dt.date) -> dt.date:
    return period_end + dt.timedelta(days=6)


def run_payroll(run: Run) -> None:
    weeks: dict[tuple[str, dt.date], list[dict]] = defaultdict(list)
    for sheet in run.buildops.get("timesheets", []):
        if bo.is_deleted(sheet) or sheet.get("employeeId") not in run.employees:
            continue
        day = bo.to_date(bo.pick(sheet, "workDate", "startTime"))
        if day:
            weeks[(sheet["employeeId"], week_end(day))].append(sheet)
    processed = sorted(k for k in weeks if check_date(k[1]) <= run.as_of)
    rng = run.rng("payroll")
    gaps = set(rng.sample(processed, min(len(processed), max(3, len(processed) // 500))))
    for n, key in enumerate(processed):
        employee_id, period_end = key
        employee = run.employees[employee_id]
        sheets = weeks[key]
        hours = sum((_hours(s) for s in sheets), Decimal(0))
        if key in gaps:
            run.anomaly(
                "payroll_timing_gap",
                {
                    "company_code": employee.company,
                    "employee_code": employee.code,
                    "buildops_employee_id": employee_id,
                    "period_end_date": period_end.isoformat(),
                },
                (hours * employee.rate).quantize(bo.CENT),
                buildops_hours=format(hours.quantize(HOURS), "f"),
                spectrum_hours="0.0000",
            )
            continue
        _write_week(run, employee_id, period_end, sheets, f"{700000 + n}")


def _hours(sheet: dict) -> Decimal:
    minutes = bo.pick(sheet, "durationMinutes")
    if minutes is not None:
        return (Decimal(str(minutes)) / 60).quantize(HOURS)
    return bo.number(bo.pick(sheet, "hours", "totalHours", default=0))


def _write_week(run: Run, employee_id: str, period_end: dt.date, sheets: list[dict], check: str) -> None:
    employee = run.employees[employee_id]
    company = employee.company
    burden_rate = Decimal(BURDEN_RATE[company])
    paid = check_date(period_end)
    gross = burden_total = Decimal("0.00")
    for sheet in sorted(sheets, key=lambda s: (str(s.get("workDate")), s.get("id", ""))):
        run.paid_timesheets.add(sheet.get("id", ""))
        hours = _hours(sheet)
        overtime = str(sheet.get("payrollHourType", "")).lower().startswith("over")
        rate = (employee.rate * (Decimal("1.5") if overtime else 1)).quantize(HOURS)
        pay = (hours * rate).quantize(bo.CENT)
        burden = (pay * burden_rate).quantize(bo.CENT)
        gross += pay
        burden_total += burden
        job = run.jobs.get(sheet.get("jobId") or "")
        work_date = bo.to_date(bo.pick(sheet, "workDate", "startTime"))
        phase = cost_type = ""
        if job:
            types = COST_TYPES[job.company]
            labor_phases = sorted(p for (p, ct) in job.grid if ct == types["labor"])
            phase = labor_phases[hash_index(sheet.get("id", ""), len(labor_phases))] if labor_phases else ""
            cost_type = types["labor"]
        run.tables["PR_TIME_CARD_HISTORY_MC"].write(
            {
                "Company_Code": company,
                "Employee_Code": employee.code,
                "Check_Number": check,
                "Check_Date": paid,
                "Period_End_Date": period_end,
                "Work_Date": work_date,
                "Pay_Type": "O" if overtime else "R",
                "Hours": hours,
                "Pay_Rate": rate,
                "Pay_Extension": pay,
                "Burden_Amount": burden,
                "Department_Code": employee.department,
                "Job_Number": job.number if job else "",
                "Phase_Code": phase,
                "Cost_Type": cost_type,
                "Union_Code": "",
                "Certified_Flag": "N",
                "Equipment_Code": "",
                "Cost_Center": "",
            }
        )
        if job and job.company == company and work_date:
            slot = run.payroll_by_month.setdefault(
                (company, job.number.strip(), work_date.replace(day=1)), [Decimal(0), Decimal(0), Decimal(0)]
            )
            slot[0] += hours
            slot[1] += pay
            slot[2] += burden
        if job and phase and job.company == company:
            who = (employee.code, employee.name)
            write_jc(
                run,
                job,
                phase,
                cost_type,
                "PR",
                work_date,
                pay,
                reference=check,
                hours=hours,
                description="Payroll labor",
                employee=who,
                check=check,
                burden=burden,
                batch=f"PR{paid:%m%d}",
            )
            burden_type = COST_TYPES[job.company]["burden"]
            if (phase, burden_type) in job.grid:
                write_jc(
                    run,
                    job,
                    phase,
                    burden_type,
                    "PR",
                    work_date,
                    burden,
                    reference=check,
                    description="Payroll burden",
                    employee=who,
                    check=check,
                    batch=f"PR{paid:%m%d}",
                )
    run.gl(company, "5100", paid, gross + burden_total, "PR", f"Payroll {period_end:%m/%d}")
    run.gl(company, GL["cash"], paid, -gross, "PR", f"Payroll {period_end:%m/%d}")
    run.gl(company, GL["burden_accrual"], paid, -burden_total, "PR", f"Payroll {period_end:%m/%d}")


def hash_index(text: str, n: int) -> int:
    """A stable choice (Python's hash() is salted per process)."""
    if n <= 1:
        return 0
    return sum(text.encode()) % n
