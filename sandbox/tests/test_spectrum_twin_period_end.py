"""The twin's period-end truth (truth.json `period_end`), on a hand-computed receivable."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from tieout_sandbox.spectrum import closing

D = Decimal
END = dt.date(2026, 10, 31)


def invoice(date, due, total, retention="0"):
    return {"job": "", "date": date, "due": due, "total": D(total), "retention": D(retention)}


def test_given_items_exactly_30_60_90_and_91_days_past_due_when_aging_then_each_lands_in_its_bucket():
    ar = SimpleNamespace(
        invoices={
            ("MEC", "C1", "D30"): invoice(dt.date(2026, 9, 1), dt.date(2026, 10, 1), "1.00"),
            ("MEC", "C1", "D60"): invoice(dt.date(2026, 8, 2), dt.date(2026, 9, 1), "2.00"),
            ("MEC", "C1", "D90"): invoice(dt.date(2026, 7, 3), dt.date(2026, 8, 2), "4.00"),
            ("MEC", "C1", "D91"): invoice(dt.date(2026, 7, 2), dt.date(2026, 8, 1), "8.00"),
            ("MEC", "C1", "DUE"): invoice(dt.date(2026, 10, 1), END, "16.00"),
        },
        cash=[],
    )

    aging = closing.ar_aging(ar, END)

    assert aging == {
        "MEC|C1": {
            "trade": "31.00",
            "retainage": "0.00",
            "invoices": 5,
            "1_30": "1.00",
            "31_60": "2.00",
            "61_90": "4.00",
            "over_90": "8.00",
            "current": "16.00",
        }
    }


def test_given_a_partial_payment_with_retention_and_later_events_when_aging_then_only_the_period_counts():
    ar = SimpleNamespace(
        invoices={
            ("MEC", "C2", "J1-01"): invoice(dt.date(2026, 10, 1), END, "10000.00", retention="1000.00"),
            ("MEC", "C2", "NOV"): invoice(dt.date(2026, 11, 2), dt.date(2026, 12, 2), "700.00"),
            ("FPR", "C2", "OLD"): invoice(dt.date(2026, 6, 1), dt.date(2026, 7, 1), "5000.00", retention="500.00"),
        },
        cash=[
            (("MEC", "C2", "J1-01"), dt.date(2026, 10, 20), D("5000.00"), D("0")),
            (("MEC", "C2", "J1-01"), dt.date(2026, 11, 5), D("4000.00"), D("0")),  # after the period end
            (("FPR", "C2", "OLD"), dt.date(2026, 7, 15), D("4500.00"), D("0")),
            (("FPR", "C2", "OLD"), dt.date(2026, 10, 10), D("200.00"), D("200.00")),  # retention collected
        ],
    )

    aging = closing.ar_aging(ar, END)

    # One company's AR never merges with another's for the same customer code.
    assert aging == {
        "MEC|C2": {"trade": "4000.00", "retainage": "1000.00", "invoices": 1, "current": "4000.00"},
        "FPR|C2": {"trade": "0.00", "retainage": "300.00", "invoices": 1},
    }


def test_given_an_as_of_date_when_choosing_closes_then_it_is_the_month_before_and_the_as_of_month():
    assert closing.close_periods(dt.date(2026, 11, 14)) == ["2026-10", "2026-11"]
    assert closing.close_periods(dt.date(2026, 1, 3)) == ["2025-12", "2026-01"]
    assert closing.period_end("2024-02") == dt.date(2024, 2, 29)
