"""Period-end financials (issue 13) against the generator's own period-end truth (truth.json `period_end`),
which the twin states from its AR events as it generates them, not from any table it writes or we land.

AR aging as of the close, to the cent, per company and customer: trade AR by bucket and retainage apart, at the
session's close period (the as-of month) and at the month before (rebuilt with that close_period).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

BUCKETS = ("current", "1_30", "31_60", "61_90", "over_90")
AGING_SQL = f"""
    select company_code, spectrum_customer_code, count(*) as invoices, sum(net_balance) as trade,
           sum(retainage_held) as retainage, max(invoice_date) as latest_invoice, max(as_of_date) as as_of_date,
           {", ".join(f'sum(net_{b}) as "{b}"' for b in BUCKETS)}
    from main.fct_ar_aging group by 1, 2"""


def _actual(rows: list[dict]) -> dict[str, dict]:
    out = {}
    for r in rows:
        figures = {k: Decimal(r[k]) for k in ("trade", "retainage", *BUCKETS) if Decimal(r[k] or 0) != 0}
        out[f"{r['company_code']}|{r['spectrum_customer_code']}"] = {**figures, "invoices": r["invoices"]}
    return out


def _expected(truth: dict, period: str) -> dict[str, dict]:
    aging = truth["period_end"][period]["ar_aging"]
    return {
        customer: {
            k: (v if k == "invoices" else Decimal(v)) for k, v in figures.items() if k == "invoices" or Decimal(v) != 0
        }
        for customer, figures in aging.items()
    }


def _assert_aging_matches(rows: list[dict], truth: dict, period: str) -> None:
    expected = _expected(truth, period)
    actual = _actual(rows)
    assert actual == expected, {
        k: (actual.get(k), expected.get(k)) for k in set(actual) | set(expected) if actual.get(k) != expected.get(k)
    }
    period_end = dt.date.fromisoformat(truth["period_end"][period]["period_end"])
    assert all(r["as_of_date"] == period_end and r["latest_invoice"] <= period_end for r in rows)
    assert any("retainage" in figures for figures in expected.values()), "no retainage: the split proves nothing"


def test_given_the_close_period_when_aging_ar_then_the_mart_equals_the_generators_period_end_truth(duckdb_build):
    period = duckdb_build.truth["spectrum"]["as_of"][:7]

    rows = duckdb_build.query(AGING_SQL)

    _assert_aging_matches(rows, duckdb_build.truth, period)


def test_given_the_month_before_as_close_period_when_rebuilding_the_aging_then_later_invoices_and_cash_are_out(
    duckdb_build, scratch_warehouse, tmp_path, dbt_tools
):
    import duckdb

    as_of = dt.date.fromisoformat(duckdb_build.truth["spectrum"]["as_of"])
    period = (as_of.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")

    dbt_tools.run(
        ["build", "--select", "fct_ar_aging", "fct_ar_aging_customers"],
        env=dbt_tools.env(scratch_warehouse, duckdb_build.data_dir / "mapping"),
        workdir=tmp_path,
        dbt_vars={**dbt_tools.vars(duckdb_build.data_dir, duckdb_build.truth), "close_period": period},
    )

    with duckdb.connect(str(scratch_warehouse), read_only=True) as con:
        cursor = con.execute(AGING_SQL)
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        by_customer = con.execute(
            "select sum(net_balance), sum(retainage_held) from main.fct_ar_aging_customers where close_period = ?",
            [period],
        ).fetchone()
    _assert_aging_matches(rows, duckdb_build.truth, period)
    assert by_customer == (sum(r["trade"] for r in rows), sum(r["retainage"] for r in rows))
    # The later close holds invoices this one must not: the two truths differ.
    assert _expected(duckdb_build.truth, period) != _expected(duckdb_build.truth, as_of.strftime("%Y-%m"))


CCC_SQL = """
    select month_start, ar_net_of_retainage, ap_net_of_retainage, dso_net_of_retainage as dso, dpo,
           cash_conversion_cycle as ccc, dso_trailing_3m as dso_3m, dpo_trailing_3m as dpo_3m,
           cash_conversion_cycle_trailing_3m as ccc_3m
    from main.cash_conversion_cycle"""


def _ccc_actual(rows: list[dict]) -> dict[str, dict]:
    out = {}
    for r in rows:
        figures = {k: None if v is None else format(Decimal(v), "f") for k, v in r.items() if k != "month_start"}
        if r["dso_3m"] is None and r["dpo_3m"] is None:  # the first two months have no trailing window
            figures = {k: v for k, v in figures.items() if not k.endswith("_3m")}
        out[r["month_start"].isoformat()] = figures
    return out


def test_given_the_close_period_when_measuring_the_cash_cycle_then_closed_months_equal_the_generators_truth(
    duckdb_build,
):
    period = duckdb_build.truth["spectrum"]["as_of"][:7]
    expected = duckdb_build.truth["period_end"][period]["cash_conversion_cycle"]

    actual = _ccc_actual(duckdb_build.query(CCC_SQL))

    assert actual == expected
    # The session closes the as-of month, which is still running: its last closed month is the one before.
    as_of = dt.date.fromisoformat(duckdb_build.truth["spectrum"]["as_of"])
    assert max(actual) == (as_of.replace(day=1) - dt.timedelta(days=1)).replace(day=1).isoformat()
    assert any(m.get("ccc_3m") for m in actual.values())
