"""Period-end truth for truth.json: the receivable a controller signs at each close, stated from the twin's own
AR events as they were generated (Receivables.invoices and .cash), never from the tables it writes.

AR at a period end: invoices dated on or before it, less the cash dated on or before it. Retainage (held on the
invoice, less retention collected) is kept apart and not aged; trade AR (the rest) is aged by days past due
at the period end: current (0 or fewer), 1-30, 31-60, 61-90, over 90 (91 or more).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from .ar import Receivables

BUCKETS = (("current", None, 0), ("1_30", 1, 30), ("31_60", 31, 60), ("61_90", 61, 90), ("over_90", 91, None))
ZERO = Decimal("0.00")


def close_periods(as_of: dt.date) -> list[str]:
    """The as-of month and the month before it: the two closes the tests state figures at."""
    previous = (as_of.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    return [f"{previous:%Y-%m}", f"{as_of:%Y-%m}"]


def period_end(period: str) -> dt.date:
    year, month = (int(part) for part in period.split("-"))
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def bucket(days_past_due: int) -> str:
    return next(
        name
        for name, low, high in BUCKETS
        if (low is None or days_past_due >= low) and (high is None or days_past_due <= high)
    )


def ar_aging(ar: Receivables, end: dt.date) -> dict[str, dict[str, str]]:
    """Per 'company|customer': trade AR by bucket, trade total and retainage receivable at `end`."""
    applied: dict[tuple, Decimal] = defaultdict(Decimal)
    retention_collected: dict[tuple, Decimal] = defaultdict(Decimal)
    for key, when, amount, retention in ar.cash:
        if when <= end:
            applied[key] += amount
            retention_collected[key] += retention
    out: dict[str, dict[str, Decimal]] = {}
    for key, invoice in sorted(ar.invoices.items()):
        if invoice["date"] > end:
            continue
        retainage = invoice["retention"] - retention_collected[key]
        trade = invoice["total"] - invoice["retention"] - (applied[key] - retention_collected[key])
        if trade == 0 and retainage == 0:
            continue
        company, customer, _ = key
        totals = out.setdefault(f"{company}|{customer}", {"trade": ZERO, "retainage": ZERO, "invoices": 0})
        totals["trade"] += trade
        totals["retainage"] += retainage
        totals["invoices"] += 1
        if trade != 0:
            name = bucket((end - (invoice["due"] or invoice["date"])).days)
            totals[name] = totals.get(name, ZERO) + trade
    return {
        key: {name: value if isinstance(value, int) else format(value, "f") for name, value in totals.items()}
        for key, totals in out.items()
    }


def truth(ar: Receivables, as_of: dt.date) -> dict[str, dict]:
    periods = {}
    for period in close_periods(as_of):
        end = period_end(period)
        periods[period] = {"period_end": end.isoformat(), "ar_aging": ar_aging(ar, end)}
    return periods
