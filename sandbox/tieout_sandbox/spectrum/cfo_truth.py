"""The CFO's answers for truth.json (period_end.<period>.cfo), stated from the twin's own events as it generated
them (AR invoices, payroll and job cost per month, overhead postings, the BuildOps records it derived Spectrum
from), never from a table it writes. Each function follows the definition in its mart's yml in transforms/.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from . import bo
from .ar import Receivables
from .closing import period_end
from .context import Run
from .wip import contract_jobs

CENT = Decimal("0.01")
HOURS = Decimal("0.0001")
SERVICE_KINDS = ("service", "agreement")


def _month_start(period: str, back: int = 0) -> dt.date:
    year, month = (int(part) for part in period.split("-"))
    index = year * 12 + month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def _segments(run: Run) -> dict[str, str]:
    """BuildOps customer id -> segment, by policy.yml's cfo.segments on the customer's customerType."""
    cfo = run.policy.get("cfo", {})
    mapping, default = cfo.get("segments", {}), cfo.get("default_segment", "unassigned")
    return {c["id"]: mapping.get(c.get("customerType"), default) for c in run.buildops.get("customers", [])}


def customer_profitability(run: Run, ar: Receivables, period: str) -> dict[str, dict[str, str]]:
    """Q1, per 'company|customer': the segment's customers' service and agreement work over the policy's months
    ending with `period` - revenue (Spectrum invoice extensions), labor and burden (payroll), other job cost,
    and overhead (policy GL accounts) allocated over every job of the company by the policy's base."""
    cfo = run.policy["cfo"]
    first = _month_start(period, int(cfo["profitability"]["months"]) - 1)
    last = _month_start(period)
    accounts = set(cfo["overhead"]["gl_accounts"])
    base_name = cfo["overhead"]["allocation_base"]

    # (company, job) -> figures over the window
    jobs: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for (company, _, _), invoice in ar.invoices.items():
        if invoice["job"] and first <= invoice["date"].replace(day=1) <= last:
            jobs[(company, invoice["job"])]["revenue"] += invoice["extension"]
    for (company, job, month), (hours, pay, burden) in run.payroll_by_month.items():
        if first <= month <= last:
            figures = jobs[(company, job)]
            figures["labor_hours"] += hours
            figures["labor_cost"] += pay
            figures["labor_burden"] += burden
    for (company, job, _, _, month, by_payroll), amount in run.phase_cost_by_month.items():
        if not by_payroll and first <= month <= last:
            jobs[(company, job)]["other_direct_cost"] += amount
    pool: dict[str, Decimal] = defaultdict(Decimal)
    for (company, account, month), amount in run.overhead_by_month.items():
        if account in accounts and first <= month <= last:
            pool[company] += amount

    def base(figures: dict[str, Decimal]) -> Decimal:
        if base_name == "labor_hours":
            return figures["labor_hours"]
        if base_name == "revenue":
            return figures["revenue"]
        return figures["labor_cost"] + figures["labor_burden"] + figures["other_direct_cost"]

    base_total: dict[str, Decimal] = defaultdict(Decimal)
    by_number = {(c, n.strip()): job for (c, n), job in run.jobs_by_key.items()}
    segments = _segments(run)
    umbrella_revenue = _umbrella_revenue_by_customer(run, ar, first, last)
    customers: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for (company, number), figures in jobs.items():
        job = by_number.get((company, number))
        if job is None:
            continue
        base_total[company] += base(figures)
        if job.kind not in SERVICE_KINDS:
            continue
        if job.buildops_id in run.umbrella_jobs:
            # An umbrella job serves many customers: each gets its own invoices' revenue and the job's cost in
            # proportion to that revenue (each share rounded: cents, hours to 4 places).
            shares = umbrella_revenue.get((company, number), {})
            job_revenue = sum(shares.values(), Decimal(0))
            for customer, revenue in shares.items():
                if not job_revenue or segments.get(customer) != cfo["profitability"]["segment"]:
                    continue
                part = {
                    "revenue": revenue,
                    "labor_hours": (figures["labor_hours"] * revenue / job_revenue).quantize(HOURS, ROUND_HALF_UP),
                    **{
                        name: (figures[name] * revenue / job_revenue).quantize(CENT, ROUND_HALF_UP)
                        for name in ("labor_cost", "labor_burden", "other_direct_cost")
                    },
                }
                totals = customers[(company, customer)]
                for name, value in part.items():
                    totals[name] += value
                totals["base"] += base(part)
            continue
        if segments.get(job.buildops_customer_id) != cfo["profitability"]["segment"]:
            continue
        totals = customers[(company, job.buildops_customer_id)]
        for name, value in figures.items():
            totals[name] += value
        totals["base"] += base(figures)
    out = {}
    for (company, customer), t in sorted(customers.items()):
        direct = t["labor_cost"] + t["labor_burden"] + t["other_direct_cost"]
        overhead = (
            (pool[company] * t["base"] / base_total[company]).quantize(CENT, ROUND_HALF_UP)
            if base_total[company]
            else Decimal("0.00")
        )
        out[f"{company}|{customer}"] = {
            "revenue": format(t["revenue"].quantize(CENT), "f"),
            "labor_hours": format(t["labor_hours"].quantize(HOURS), "f"),
            "labor_cost": format(t["labor_cost"].quantize(CENT), "f"),
            "labor_burden": format(t["labor_burden"].quantize(CENT), "f"),
            "other_direct_cost": format(t["other_direct_cost"].quantize(CENT), "f"),
            "overhead_allocated": format(overhead, "f"),
            "profit_after_overhead": format((t["revenue"] - direct - overhead).quantize(CENT), "f"),
        }
    return out


def _umbrella_revenue_by_customer(
    run: Run, ar: Receivables, first: dt.date, last: dt.date
) -> dict[tuple[str, str], dict[str, Decimal]]:
    """(company, umbrella job) -> BuildOps customer id -> invoice extensions in the window. The AR invoice's
    Spectrum customer is tied back as transforms' int_customer_xref ties it: a customer the crosswalk and the
    name rule miss (customer_unmatched, Spectrum side) stands alone (spectrum:<company>:<code>)."""
    umbrellas = {(j.company, j.number.strip()) for j in run.jobs.values() if j.buildops_id in run.umbrella_jobs}
    unmatched = {
        (a["keys"]["company_code"], a["keys"].get("customer_code"))
        for a in run.anomalies
        if a["type"] == "customer_unmatched" and a["keys"].get("customer_code")
    }
    owner = {(company, code): bo_id for (company, bo_id), code in run.customer_codes.items()}
    out: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for (company, code, _), invoice in ar.invoices.items():
        if (company, invoice["job"]) in umbrellas and first <= invoice["date"].replace(day=1) <= last:
            customer = owner.get((company, code)) if (company, code) not in unmatched else None
            out[(company, invoice["job"])][customer or f"spectrum:{company}:{code}"] += invoice["extension"]
    return out


def _day(epoch) -> dt.date | None:
    """A BuildOps epoch (seconds, or milliseconds for audit stamps) as its UTC calendar date."""
    if epoch is None:
        return None
    seconds = epoch / 1000 if epoch > 10**11 else epoch
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).date()


def project_origins(run: Run, ar: Receivables, period: str) -> dict[str, dict[str, str]]:
    """Q4, per 'company|job' of every project created by the period end: where it came from - a service job's
    quote (the project's quoteId names a quote raised on a non-project job), else a recommendation on a visit
    to the same property, on a non-project job, at most cfo.conversion.window_days before the project was
    created, else de novo - and its gross margin to date (Spectrum invoice extensions less job cost)."""
    end = period_end(period)
    window = int(run.policy["cfo"]["conversion"]["window_days"])
    quotes = {q["id"]: q for q in run.buildops.get("quotes", []) if not bo.is_deleted(q)}
    records = {j["id"]: j for j in run.buildops.get("jobs", [])}
    recommendations: dict[str, list[dt.date]] = defaultdict(list)
    for visit in run.buildops.get("visits", []):
        job = run.jobs.get(visit.get("jobId") or "")
        if visit.get("recommendation") and not bo.is_deleted(visit) and job and job.kind != "project":
            recommendations[visit.get("customerPropertyId")].append(_day(visit.get("scheduledFor")))
    revenue: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for (company, _, _), invoice in ar.invoices.items():
        if invoice["date"] <= end:
            revenue[(company, invoice["job"])] += invoice["extension"]
    cost: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for (company, job, _, _, month, _), amount in run.phase_cost_by_month.items():
        if month <= end:
            cost[(company, job)] += amount
    out = {}
    for job in sorted(run.jobs.values(), key=lambda j: (j.company, j.number)):
        if job.kind != "project" or job.start > end:
            continue
        record = records[job.buildops_id]
        quote = quotes.get(record.get("quoteId") or "")
        source = run.jobs.get((quote or {}).get("jobId") or "")
        if source is not None and source.kind != "project":
            origin = "converted_from_quote"
        elif any(
            day is not None and 0 <= (job.start - day).days <= window
            for day in recommendations.get(record.get("customerPropertyId"), [])
        ):
            origin = "converted_after_visit"
        else:
            origin = "de_novo"
        key = (job.company, job.number.strip())
        out[f"{job.company}|{job.number.strip()}"] = {
            "origin": origin,
            "revenue": format(revenue[key].quantize(CENT), "f"),
            "cost": format(cost[key].quantize(CENT), "f"),
        }
    return out


def conversion_summary(projects: dict[str, dict[str, str]]) -> dict[str, dict[str, str | int]]:
    """Q4's answer: per origin, projects, revenue, cost, margin and margin % (margin / revenue)."""
    totals: dict[str, dict] = {}
    for figures in projects.values():
        t = totals.setdefault(figures["origin"], {"projects": 0, "revenue": Decimal(0), "cost": Decimal(0)})
        t["projects"] += 1
        t["revenue"] += Decimal(figures["revenue"])
        t["cost"] += Decimal(figures["cost"])
    return {
        origin: {
            "projects": t["projects"],
            "revenue": format(t["revenue"], "f"),
            "cost": format(t["cost"], "f"),
            "margin": format(t["revenue"] - t["cost"], "f"),
            "margin_pct": format(
                ((t["revenue"] - t["cost"]) / t["revenue"]).quantize(Decimal("0.0001"), ROUND_HALF_UP), "f"
            )
            if t["revenue"]
            else None,
        }
        for origin, t in sorted(totals.items())
    }


INSURANCE_LIMITS = ("GL_Each_Occurrence", "GL_Aggregate", "Auto_Liability", "Umbrella_Limit")
INSURANCE_ENDORSEMENTS = ("Additional_Insured", "Waiver_Of_Subrogation")


def insurance_checks(run: Run, period: str) -> dict[str, list[str]]:
    """Q5, per 'company|job|vendor|subcontract' of a sub working a project with customer insurance requirements
    (a subcontract issued by the period end): the checks its certificate fails at the period end, of
    certificate_on_file, certificate_current (expires on or after the period end), each limit at least the
    requirement, and each endorsement the customer requires present."""
    end = period_end(period)
    out = {}
    for company, vendor, subcontract, job, issued in sorted(run.subcontract_phases):
        required = run.job_insurance.get((company, job))
        if required is None or issued > end:
            continue
        certificate = run.sub_certificates.get((company, vendor))
        failed = []
        if certificate is None:
            failed = ["certificate_on_file", "certificate_current", *(c.lower() for c in INSURANCE_LIMITS)]
            failed += [c.lower() for c in INSURANCE_ENDORSEMENTS if required[c] == "Y"]
        else:
            if certificate["expires"] < end:
                failed.append("certificate_current")
            failed += [c.lower() for c in INSURANCE_LIMITS if certificate[c] < required[c]]
            failed += [c.lower() for c in INSURANCE_ENDORSEMENTS if required[c] == "Y" and certificate[c] != "Y"]
        out[f"{company}|{job}|{vendor}|{subcontract}"] = sorted(failed)
    return out


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month


def cost_code_overruns(run: Run, period: str) -> dict[str, dict[str, str | bool]]:
    """Q2, per 'company|job|phase|cost type' of each contract job open at the period end (the WIP schedule's jobs)
    with a budget, a projection or cost: budget (the phase's estimate), cost to date (job cost posted in months up
    to the period end), the projection in force (the latest the PM entered by the period end, else the budget,
    never below cost), the trend (the last three months' cost / 3, to the cent) extrapolated to the job's
    estimated completion month, the forecast overrun (the greater of both, less budget) and the status: locked_in
    (cost has reached budget with an overrun forecast), alert (still under budget, the overrun at least
    cfo.overruns.min_amount and min_percent of budget), below_threshold or on_budget."""
    end = period_end(period)
    first_trend_month = _month_start(period, 2)
    thresholds = run.policy["cfo"].get("overruns", {})
    min_amount = Decimal(str(thresholds.get("min_amount", "1000.00")))
    min_percent = Decimal(str(thresholds.get("min_percent", "0.05")))
    jobs = contract_jobs(run, end)
    # Spectrum's Est_Complete_Date as the twin writes it (masters.write_jobs): none on an umbrella job.
    completes = {
        (j.company, j.number.strip()): None if j.buildops_id in run.umbrella_jobs else j.end or j.planned_end
        for j in run.jobs.values()
    }
    cost: dict[tuple[str, str, str, str], Decimal] = defaultdict(Decimal)
    recent: dict[tuple[str, str, str, str], Decimal] = defaultdict(Decimal)
    for (company, job, phase, cost_type, month, _), amount in run.phase_cost_by_month.items():
        key = (company, job.strip(), phase.strip(), cost_type.strip())
        if key[:2] not in jobs or month > end:
            continue
        cost[key] += amount
        if month >= first_trend_month:
            recent[key] += amount
    codes = {k for k in run.phase_budgets if k[:2] in jobs} | set(cost)
    out: dict[str, dict[str, str | bool]] = {}
    for key in sorted(codes):
        budget, history = run.phase_budgets.get(key, (Decimal("0.00"), []))
        in_force = next((amount for day, amount in reversed(history) if day <= end), None)
        to_date = cost[key].quantize(CENT)
        projected = max(budget if in_force is None else in_force, to_date)
        trend = (recent[key] / 3).quantize(CENT, ROUND_HALF_UP)
        complete = completes.get(key[:2])
        months = max(_month_index(complete) - _month_index(end), 0) if complete else 0
        trend_cost = to_date + max(trend, Decimal(0)) * months
        overrun = max(projected, trend_cost) - budget
        alert = overrun > 0 and to_date < budget and overrun >= min_amount and overrun >= min_percent * budget
        if overrun > 0 and to_date >= budget:
            status = "locked_in"
        elif alert:
            status = "alert"
        else:
            status = "below_threshold" if overrun > 0 else "on_budget"
        out["|".join(key)] = {
            "budget": format(budget, "f"),
            "cost_to_date": format(to_date, "f"),
            "projected_cost_at_completion": format(projected, "f"),
            "trend_monthly_cost": format(trend, "f"),
            "trend_cost_at_completion": format(trend_cost, "f"),
            "forecast_overrun": format(overrun, "f"),
            "overrun_status": status,
            "overrun_alert": alert,
        }
    return out


def answers(run: Run, ar: Receivables, period: str) -> dict[str, dict]:
    projects = project_origins(run, ar, period)
    return {
        "customer_profitability": customer_profitability(run, ar, period),
        "cost_code_overruns": cost_code_overruns(run, period),
        "project_origins": projects,
        "service_to_project_conversion": conversion_summary(projects),
        "insurance_checks": insurance_checks(run, period),
    }
