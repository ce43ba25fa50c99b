"""GL_DETAIL_MC overhead: what running the company costs beyond its jobs, posted monthly per company.

Office salaries, rent, insurance and vehicles are the overhead a CFO allocates to customers (policy.yml
`cfo.overhead.gl_accounts` names them); interest expense is posted too, below the line, so an allocation that
took every expense account would be visibly wrong. Each posting is recorded in run.overhead_by_month for the
period-end truth (closing.py), as it is written.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from .catalog import COMPANIES, GL
from .context import Run

# account -> (description, monthly amount at scale 1 for MEC; FPR runs at half)
ACCOUNTS = {
    "6100": ("Office salaries", 60_000),
    "6200": ("Rent and occupancy", 18_000),
    "6300": ("Insurance", 9_000),
    "6400": ("Vehicles and fuel", 12_000),
    "7100": ("Interest expense", 4_000),
}
OVERHEAD_ACCOUNTS = ("6100", "6200", "6300", "6400")
COMPANY_SHARE = {"MEC": 1.0, "FPR": 0.5}


def post_overhead(run: Run) -> None:
    if not run.jobs:
        return
    rng = run.rng("overhead")
    month = min(job.start for job in run.jobs.values()).replace(day=1)
    last = run.as_of.replace(day=1)
    while month <= last:
        for company in COMPANIES:
            for account, (description, monthly) in ACCOUNTS.items():
                cents = max(100, round(monthly * 100 * run.scale * COMPANY_SHARE[company] * rng.uniform(0.9, 1.1)))
                amount = Decimal(cents) / 100
                run.gl(company, account, month, amount, "GJ", description)
                run.gl(company, GL["cash"], month, -amount, "GJ", description)
                key = (company, account, month)
                run.overhead_by_month[key] = run.overhead_by_month.get(key, Decimal(0)) + amount
        month = (month + dt.timedelta(days=32)).replace(day=1)
