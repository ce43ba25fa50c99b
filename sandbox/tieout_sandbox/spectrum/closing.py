"""Period-end truth for truth.json: the receivable a controller signs at each close, stated from the twin's own
AR events as they were generated (Receivables.invoices and .cash), never from the tables it writes.

AR at a period end: invoices dated on or before it, less the cash dated on or before it. Retainage (held on the
invoice, less retention collected) is kept apart and not aged; trade AR (the rest) is aged by days past due
at the period end: current (0 or fewer), 1-30, 31-60, 61-90, over 90 (91 or more). AP the same way from its
invoice and check events, retention payable apart (fct_ap_aging.yml). DSO, DPO and CCC per
closed month, net of retainage in numerator and denominator alike (transforms' cash_conversion_cycle.yml).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from .ar import Receivables

BUCKETS = (("current", None, 0), ("1_30", 1, 30), ("31_60", 31, 60), ("61_90", 61, 90), ("over_90", 91, None))
ZERO = Decimal("0.00")
CENT = Decimal("0.01")


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


def ap_aging(invoices: list[tuple], end: dt.date) -> dict[str, dict[str, str]]:
    """Per 'company|vendor': trade AP by bucket, trade total and retention payable at `end`, as ar_aging does
    for AR: invoices dated by `end`, less the checks dated by it; retention apart and not aged."""
    out: dict[str, dict[str, Decimal]] = {}
    for company, vendor, _, date, due, amount, retention, checks in sorted(invoices, key=lambda i: i[:3]):
        if date > end:
            continue
        paid = sum((p for when, p in checks if when <= end), ZERO)
        trade, held = amount - retention - paid, retention
        if trade == 0 and held == 0:
            continue
        totals = out.setdefault(f"{company}|{vendor}", {"trade": ZERO, "retention": ZERO, "invoices": 0})
        totals["trade"] += trade
        totals["retention"] += held
        totals["invoices"] += 1
        if trade != 0:
            name = bucket((end - (due or date)).days)
            totals[name] = totals.get(name, ZERO) + trade
    return {
        key: {name: value if isinstance(value, int) else format(value, "f") for name, value in totals.items()}
        for key, totals in out.items()
    }


def _days(numerator: Decimal, days: int, denominator: Decimal) -> Decimal | None:
    return (numerator * days / denominator).quantize(CENT, ROUND_HALF_UP) if denominator else None


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def cash_conversion_cycle(ar: Receivables, payables: list[tuple], end: dt.date, as_of: dt.date) -> dict[str, dict]:
    """Per closed month (ended by `end` and by `as_of`): DSO, DPO and CCC net of retainage, numerator and
    denominator alike, for the month and the trailing three months."""
    ar_billed, ar_collected, ap_billed, ap_paid = (defaultdict(Decimal) for _ in range(4))
    for invoice in ar.invoices.values():
        ar_billed[invoice["date"].replace(day=1)] += invoice["total"] - invoice["retention"]
    for _, when, amount, retention in ar.cash:
        ar_collected[when.replace(day=1)] += amount - retention
    for date, amount, retention, checks in payables:
        ap_billed[date.replace(day=1)] += amount - retention
        for when, paid in checks:
            ap_paid[when.replace(day=1)] += paid
    months = sorted(set(ar_billed) | set(ar_collected) | set(ap_billed) | set(ap_paid))
    out, ar_net, ap_net = {}, ZERO, ZERO
    for i, month in enumerate(months):
        ar_net += ar_billed[month] - ar_collected[month]
        ap_net += ap_billed[month] - ap_paid[month]
        month_end = period_end(f"{month:%Y-%m}")
        if month_end > end or month_end > as_of:
            continue
        days = month_end.day
        dso, dpo = _days(ar_net, days, ar_billed[month]), _days(ap_net, days, ap_billed[month])
        row = {
            "ar_net_of_retainage": _text(ar_net),
            "ap_net_of_retainage": _text(ap_net),
            "dso": _text(dso),
            "dpo": _text(dpo),
            "ccc": _text(dso - dpo if dso is not None and dpo is not None else None),
        }
        if i >= 2:
            window = months[i - 2 : i + 1]
            days_3m = sum(period_end(f"{m:%Y-%m}").day for m in window)
            dso3 = _days(ar_net, days_3m, sum((ar_billed[m] for m in window), ZERO))
            dpo3 = _days(ap_net, days_3m, sum((ap_billed[m] for m in window), ZERO))
            row.update(
                dso_3m=_text(dso3),
                dpo_3m=_text(dpo3),
                ccc_3m=_text(dso3 - dpo3 if dso3 is not None and dpo3 is not None else None),
            )
        out[month.isoformat()] = row
    return out


def truth(ar: Receivables, payables: list[tuple], as_of: dt.date, ap_invoices: list[tuple]) -> dict[str, dict]:
    periods = {}
    for period in close_periods(as_of):
        end = period_end(period)
        periods[period] = {
            "period_end": end.isoformat(),
            "ar_aging": ar_aging(ar, end),
            "ap_aging": ap_aging(ap_invoices, end),
            "cash_conversion_cycle": cash_conversion_cycle(ar, payables, end, as_of),
        }
    return periods
