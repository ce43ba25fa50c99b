"""The same dbt project on PostgreSQL (dbt-postgres): how the layer moves to a warehouse when a contractor
outgrows one machine. Raw data lands in PyAirbyte's PostgreSQL cache layout; the marts must agree with the
ground truth and with DuckDB to the cent."""

from __future__ import annotations

from decimal import Decimal

import pytest

pytestmark = pytest.mark.postgres


def test_given_postgres_when_dbt_builds_then_exceptions_equal_truth_anomalies_exactly(postgres_build, signatures):
    found = signatures.found(postgres_build.query("select * from analytics.exceptions"))
    injected = signatures.injected(postgres_build.truth["anomalies"])

    assert found == injected


def test_given_both_warehouses_when_reading_the_money_marts_then_they_agree_to_the_cent(postgres_build, duckdb_build):
    queries = {
        "aging": "select company_code, customer_key, net_balance, retainage_held, net_over_90 "
        "from {s}.fct_ar_aging_customers",
        "ccc": "select month_start, ar_net_of_retainage, ap_net_of_retainage, billings_net_of_retainage, "
        "dso_trailing_3m, cash_conversion_cycle from {s}.cash_conversion_cycle",
        "invoices": "select count(*) as n, sum(balance) as b, sum(retainage_held) as r from {s}.fct_invoices",
        "wip": "select job_number, cost_to_date, earned_revenue from {s}.fct_wip",
        "dated": "select exception_type, occurred_on, count(*) as n from {s}.exceptions group by 1, 2",
        "checklist": "select close_period, period_end_date, close_step, open_exception_count, amount_at_stake, "
        "later_exception_count, later_amount_at_stake, status from {s}.close_checklist",
        "cfo_q1": "select company_code, customer_key, revenue, labor_burden, overhead_allocated, profit_after_overhead "
        "from {s}.customer_profitability",
        "cfo_q4": "select company_code, job_number, project_origin, margin from {s}.fct_project_origins",
        "cfo_q2": "select company_code, job_number, phase_code, cost_type, overrun_status, cost_to_date, "
        "trend_cost_at_completion, forecast_overrun from {s}.fct_cost_code_overruns",
    }
    for name, sql in queries.items():
        on_postgres = sorted(
            tuple(Decimal(v) if isinstance(v, (int, float, Decimal)) else v for v in row.values())
            for row in postgres_build.query(sql.format(s="analytics"))
        )
        on_duckdb = sorted(
            tuple(Decimal(v) if isinstance(v, (int, float, Decimal)) else v for v in row.values())
            for row in duckdb_build.query(sql.format(s="main"))
        )
        assert on_postgres == on_duckdb, name
        assert on_duckdb, name


def test_given_both_warehouses_when_landing_raw_then_every_text_column_holds_the_same_values(
    postgres_build, duckdb_build
):
    """Text codes land as text on PostgreSQL too: PyAirbyte's own PostgresCache read digit-only strings as
    numbers ('010100' -> '10100', '0042' -> '42'), which broke every join of a phase code to the phase grid."""
    text_types = ("character varying", "text", "VARCHAR")
    columns_sql = (
        "select table_schema, table_name, column_name, data_type from information_schema.columns "
        "where table_schema in ('buildops_raw', 'spectrum_raw')"
        " and table_name not like '\\_airbyte%' escape '\\' and column_name not like '\\_airbyte%' escape '\\'"
    )
    on_postgres = {
        (r["table_schema"], r["table_name"], r["column_name"])
        for r in postgres_build.query(columns_sql)
        if r["data_type"] in text_types
    }
    on_duckdb = {
        (r["table_schema"], r["table_name"], r["column_name"])
        for r in duckdb_build.query(columns_sql)
        if r["data_type"] in text_types
    }
    shared = sorted(on_postgres & on_duckdb)
    assert ("spectrum_raw", "phases", "phase_code") in shared
    differ = []
    for schema, table, column in shared:
        sql = f'select distinct "{column}" as v from {schema}.{table} where "{column}" is not null'
        if {r["v"] for r in postgres_build.query(sql)} != {r["v"] for r in duckdb_build.query(sql)}:
            differ.append(f"{schema}.{table}.{column}")
    assert differ == []


def test_given_postgres_when_built_then_zero_led_phase_codes_keep_their_text_and_join_the_phase_grid(
    postgres_build, duckdb_build
):
    grid = "select distinct phase_code from {s}.stg_spectrum__job_phases"
    on_postgres = {r["phase_code"] for r in postgres_build.query(grid.format(s="analytics"))}
    on_duckdb = {r["phase_code"] for r in duckdb_build.query(grid.format(s="main"))}
    assert "010100" in on_postgres
    assert on_postgres == on_duckdb
    # Every cost transaction's phase x cost type is on its job's phase grid, on both warehouses alike.
    unjoined = (
        "select count(*) as n from {s}.stg_spectrum__job_cost_transactions t where not exists (select 1 "
        "from {s}.stg_spectrum__job_phases p where p.company_code = t.company_code and p.job_number = t.job_number "
        "and p.phase_code = t.phase_code and p.cost_type = t.cost_type)"
    )
    assert postgres_build.query(unjoined.format(s="analytics")) == duckdb_build.query(unjoined.format(s="main"))
    overruns = "select distinct phase_code from {s}.fct_cost_code_overruns"
    assert {r["phase_code"] for r in postgres_build.query(overruns.format(s="analytics"))} == {
        r["phase_code"] for r in duckdb_build.query(overruns.format(s="main"))
    }
