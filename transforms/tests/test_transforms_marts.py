"""Behaviour of the marts a controller reads, on the session's DuckDB build of the sandbox contractor."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

# Types whose problem always has a business date (exceptions.yml, occurred_on); the other two may be undated.
DATED_TYPES = (
    "payment_status_drift",
    "double_billed",
    "retainage_mismatch",
    "unmapped_pricebook_item",
    "mapping_to_missing_phase",
    "payroll_timing_gap",
    "unbilled_work",
    "compliance_lapsed_assignment",
    "mapping_drift",
)


def month_end(period: str) -> dt.date:
    start = dt.date.fromisoformat(period + "-01")
    return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def expected_checklist(exceptions: list[dict], period: str) -> dict[str, dict]:
    """Per step, what the checklist must say for `period`: undated or on/before its last day block it."""
    end, steps = month_end(period), {}
    for e in exceptions:
        step = steps.setdefault(
            e["close_step"], {"open": 0, "later": 0, "at_stake": Decimal(0), "later_at_stake": Decimal(0)}
        )
        later = e["occurred_on"] is not None and e["occurred_on"] > end
        step["later" if later else "open"] += 1
        step["later_at_stake" if later else "at_stake"] += Decimal(e["amount_at_stake"])
    return steps


def assert_checklist_matches(steps: list[dict], exceptions: list[dict], period: str) -> None:
    expected = expected_checklist(exceptions, period)
    assert len(steps) == 7
    for step in steps:
        want = expected.get(step["close_step"], {"open": 0, "later": 0, "at_stake": 0, "later_at_stake": 0})
        assert step["close_period"] == period
        assert step["period_end_date"] == month_end(period)
        assert step["open_exception_count"] == want["open"], step["close_step"]
        assert step["later_exception_count"] == want["later"], step["close_step"]
        assert step["amount_at_stake"] == want["at_stake"], step["close_step"]
        assert step["later_amount_at_stake"] == want["later_at_stake"], step["close_step"]
        assert step["status"] == ("blocked" if want["open"] else "ready"), step["close_step"]


def test_given_fct_invoices_when_grouped_by_company_and_number_then_each_canonical_invoice_appears_once(duckdb_build):
    dupes = duckdb_build.query("""
        select company_code, canonical_invoice_number, count(*) as n from main.fct_invoices
        group by 1, 2 having count(*) > 1""")

    assert dupes == []


def test_given_posted_invoices_when_comparing_to_open_items_then_balance_and_retainage_come_from_spectrum(duckdb_build):
    rows = duckdb_build.query("""
        select f.canonical_invoice_number, f.balance, f.retainage_held, o.invoice_balance, o.retention_balance
        from main.fct_invoices as f
        join spectrum_raw.ar_open_items as o
          on o.company_code = f.company_code and o.invoice_or_transaction = f.canonical_invoice_number
        where o.transaction_type = 'I'""")

    assert rows
    assert all(Decimal(r["balance"]) == Decimal(r["invoice_balance"]) for r in rows)
    assert all(Decimal(r["retainage_held"]) == Decimal(r["retention_balance"]) for r in rows)
    assert any(r["retainage_held"] > 0 for r in rows)


def test_given_invoice_statuses_when_counted_then_every_financial_status_a_controller_needs_is_present(duckdb_build):
    rows = duckdb_build.query("select distinct spectrum_status, invoice_type from main.fct_invoices")
    statuses, types = {r["spectrum_status"] for r in rows}, {r["invoice_type"] for r in rows}

    assert {"open", "paid", "not_posted", "retention_held"} <= statuses
    assert {"service", "agreement", "progress"} <= types


def test_given_dim_jobs_when_reading_routes_then_ambiguous_jobs_are_the_ones_truth_says(duckdb_build):
    # Truth names the Spectrum job (projects carry their own numbers there): dim_jobs.spectrum_job_number.
    ambiguous = {
        r["spectrum_job_number"]
        for r in duckdb_build.query("select spectrum_job_number from main.dim_jobs where billing_route = 'ambiguous'")
    }
    injected = {a["keys"]["job_number"] for a in duckdb_build.truth["anomalies"] if a["type"] == "routing_ambiguous"}
    routes = {r["billing_route"] for r in duckdb_build.query("select distinct billing_route from main.dim_jobs")}

    assert ambiguous == injected
    assert routes == {"buildops_service", "spectrum_progress", "ambiguous"}


def test_given_dim_customers_when_matching_then_every_spectrum_code_belongs_to_one_master_record(duckdb_build):
    rows = duckdb_build.query("select customer_key, match_method from main.int_customer_xref")
    methods = {r["match_method"] for r in rows}
    masters = {r["customer_key"] for r in duckdb_build.query("select customer_key from main.dim_customers")}

    assert {"crosswalk", "name", "unmatched"} <= methods
    assert {r["customer_key"] for r in rows} <= masters


def test_given_exceptions_when_building_the_close_checklist_then_a_step_is_blocked_exactly_when_it_has_open_ones(
    duckdb_build,
):
    steps = duckdb_build.query("select * from main.close_checklist order by step_order")
    exceptions = duckdb_build.query("select close_step, occurred_on, amount_at_stake from main.exceptions")

    assert_checklist_matches(steps, exceptions, duckdb_build.truth["spectrum"]["as_of"][:7])
    assert sum(s["open_exception_count"] for s in steps) == len(exceptions)  # nothing is dated after as_of's month


def test_given_exceptions_of_a_dated_type_when_reading_occurred_on_then_each_has_the_date_it_belongs_to(duckdb_build):
    rows = duckdb_build.query("select exception_type, occurred_on from main.exceptions")
    drifts = duckdb_build.query("""
        select e.occurred_on, f.invoice_date from main.exceptions as e
        join main.fct_invoices as f
          on f.company_code = e.company_code and f.canonical_invoice_number = e.invoice_or_transaction
        where e.exception_type = 'payment_status_drift'""")
    as_of = dt.date.fromisoformat(duckdb_build.truth["spectrum"]["as_of"])

    assert {r["exception_type"] for r in rows} & set(DATED_TYPES)
    assert [r for r in rows if r["exception_type"] in DATED_TYPES and r["occurred_on"] is None] == []
    assert all(r["occurred_on"] is None or r["occurred_on"] <= as_of for r in rows)
    assert drifts and all(d["occurred_on"] == d["invoice_date"] for d in drifts)


def test_given_an_earlier_close_period_when_rebuilding_the_checklist_then_later_dated_exceptions_stop_blocking_it(
    duckdb_build, scratch_warehouse, tmp_path, dbt_tools
):
    import duckdb

    exceptions = duckdb_build.query("select close_step, occurred_on, amount_at_stake from main.exceptions")
    before = {r["close_step"]: r for r in duckdb_build.query("select * from main.close_checklist")}
    # The step whose exceptions are all dated and start latest: close the month before its first one.
    firsts = {}
    for step in {e["close_step"] for e in exceptions}:
        dates = [e["occurred_on"] for e in exceptions if e["close_step"] == step]
        if None not in dates:
            firsts[step] = min(dates)
    step = max(firsts, key=firsts.get)
    period = (firsts[step].replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")

    # --vars wins over the env var a Meltano host would set.
    dbt_tools.run(
        ["build", "--select", "close_checklist"],
        env=dbt_tools.env(scratch_warehouse, duckdb_build.data_dir / "mapping", TIEOUT_CLOSE_PERIOD="2099-12"),
        workdir=tmp_path,
        dbt_vars={**dbt_tools.vars(duckdb_build.data_dir, duckdb_build.truth), "close_period": period},
    )

    with duckdb.connect(str(scratch_warehouse), read_only=True) as con:
        cursor = con.execute("select * from main.close_checklist order by step_order")
        names = [d[0] for d in cursor.description]
        after = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    assert_checklist_matches(after, exceptions, period)
    moved = {r["close_step"]: r for r in after}[step]
    assert before[step]["status"] == "blocked" and moved["status"] == "ready"
    assert moved["later_exception_count"] == before[step]["open_exception_count"] > 0
    assert sum(r["later_exception_count"] for r in after) > 0


def test_given_tieout_close_period_and_no_vars_when_building_then_the_checklist_closes_that_month(
    duckdb_build, scratch_warehouse, tmp_path, dbt_tools
):
    import duckdb

    exceptions = duckdb_build.query("select close_step, occurred_on, amount_at_stake from main.exceptions")
    latest = max(e["occurred_on"] for e in exceptions if e["occurred_on"] is not None)
    period = (latest.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")  # the month before the latest

    dbt_tools.run(
        ["run", "--select", "close_checklist"],
        env=dbt_tools.env(scratch_warehouse, duckdb_build.data_dir / "mapping", TIEOUT_CLOSE_PERIOD=period),
        workdir=tmp_path,
    )

    with duckdb.connect(str(scratch_warehouse), read_only=True) as con:
        cursor = con.execute("select * from main.close_checklist order by step_order")
        names = [d[0] for d in cursor.description]
        steps = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    assert_checklist_matches(steps, exceptions, period)
    assert sum(s["later_exception_count"] for s in steps) > 0


def test_given_a_close_period_that_is_not_a_month_when_compiling_then_the_error_names_the_var_and_the_form(
    duckdb_build, scratch_warehouse, tmp_path, dbt_tools
):
    result = dbt_tools.run(
        ["compile", "--select", "close_checklist"],
        env=dbt_tools.env(scratch_warehouse, duckdb_build.data_dir / "mapping", TIEOUT_CLOSE_PERIOD="October"),
        workdir=tmp_path,
        check=False,
    )

    assert result.returncode != 0
    assert "var close_period is 'October'; use a month as YYYY-MM" in result.stdout
    assert "TIEOUT_CLOSE_PERIOD" in result.stdout


def test_given_field_hours_not_yet_in_payroll_when_reading_wip_then_it_estimates_them_and_says_so(duckdb_build):
    rows = duckdb_build.query("""
        select job_number, unposted_labor_estimate, posted_cost_to_date, cost_to_date, estimate_note
        from main.fct_wip where includes_unposted_labor_estimate""")

    assert rows
    for row in rows:
        assert row["cost_to_date"] == row["posted_cost_to_date"] + row["unposted_labor_estimate"]
        assert "not yet through Spectrum payroll" in row["estimate_note"]


def test_given_no_posting_ledger_yet_when_building_then_the_service_ticket_subledger_is_empty_but_valid(duckdb_build):
    columns = {
        r["column_name"]
        for r in duckdb_build.query(
            "select column_name from information_schema.columns where table_name = 'service_ticket_subledger'"
        )
    }

    assert duckdb_build.query("select count(*) as n from main.service_ticket_subledger") == [{"n": 0}]
    assert {"source_key", "summary_key", "spectrum_document", "amount", "posting_state"} <= columns


def test_given_the_ar_feed_when_reading_then_retainage_is_signalled_and_never_in_the_collectible_balance(duckdb_build):
    rows = duckdb_build.query("select * from main.ar_automation_feed")

    assert rows and any(r["has_retainage"] for r in rows)
    for row in rows:
        assert row["collectible_balance"] == row["open_balance"] - row["retainage_held"]
        assert row["customer_key"] and row["canonical_invoice_number"]


def test_given_the_cfo_answers_when_built_then_each_answers_with_rows(duckdb_build):
    for mart in (
        "customer_profitability",
        "cost_code_budget_variance",
        "cash_conversion_cycle",
        "service_to_project_conversion",
        "sub_compliance_by_project",
        "fct_job_profitability",
    ):
        count = duckdb_build.query(f"select count(*) as n from main.{mart}")[0]["n"]
        assert count > 0 or mart == "sub_compliance_by_project", mart


def test_given_an_unknown_raw_layout_when_compiling_then_the_error_names_the_var_and_both_layouts(
    duckdb_build, scratch_warehouse, tmp_path, dbt_tools
):
    result = dbt_tools.run(
        ["compile", "--select", "stg_buildops__customers"],
        env=dbt_tools.env(scratch_warehouse, duckdb_build.data_dir / "mapping"),
        workdir=tmp_path,
        dbt_vars={"raw_layout": "fivetran"},
        check=False,
    )

    assert result.returncode != 0
    assert "var raw_layout is 'fivetran'; use 'pyairbyte'" in result.stdout
    assert "'meltano'" in result.stdout


def test_given_destination_spectrums_ledger_file_when_rebuilding_then_the_subledger_lists_each_daily_summary_ticket(
    duckdb_build, scratch_warehouse, tmp_path, dbt_tools
):
    import duckdb

    with duckdb.connect(str(scratch_warehouse), read_only=True) as con:
        invoices = con.execute("select invoice_id, total_amount from main.stg_buildops__invoices limit 3").fetchall()
    ledger = tmp_path / "tieout_ledger.duckdb"  # where destination-spectrum keeps it: DIR/tieout_ledger.duckdb
    with duckdb.connect(str(ledger)) as con:
        con.execute("create schema tieout_ledger.tieout_ledger")
        con.execute("""create table tieout_ledger.tieout_ledger.postings (source_stream varchar, source_key varchar,
            tenant_id varchar, company_code varchar, state varchar, reason varchar, spectrum_batch varchar,
            spectrum_document varchar, posting_mode varchar, summary_key varchar, amount decimal(18, 2),
            attempted_at timestamp, run_id varchar)""")
        for n, (invoice_id, amount) in enumerate(invoices):
            mode = "detail" if n == 2 else "daily_summary"
            con.execute(
                "insert into tieout_ledger.tieout_ledger.postings values ('invoices', ?, 't', 'MEC', "
                "'posted', null, 'BO1114', 'DS1114', ?, 'MEC|2026-11-14', ?, "
                "timestamp '2026-11-14 10:00:00', 'run-1')",
                [invoice_id, mode, amount],
            )

    dbt_tools.run(
        ["run", "--select", "stg_ledger__postings", "service_ticket_subledger"],
        env=dbt_tools.env(scratch_warehouse, duckdb_build.data_dir / "mapping", TIEOUT_LEDGER_PATH=str(ledger)),
        workdir=tmp_path,
        dbt_vars=dbt_tools.vars(duckdb_build.data_dir, duckdb_build.truth),
    )

    with duckdb.connect(str(scratch_warehouse), read_only=True) as con:
        rows = con.execute(
            "select source_key, summary_key, buildops_invoice_number, amount "
            "from main.service_ticket_subledger order by source_key"
        ).fetchall()
    assert sorted(r[0] for r in rows) == sorted(i[0] for i in invoices[:2])
    assert all(r[1] == "MEC|2026-11-14" and r[2] for r in rows)


def test_given_progress_jobs_when_feeding_ar_automation_then_buildops_copies_of_draws_are_not_receivables(duckdb_build):
    copies = duckdb_build.query("""
        select canonical_invoice_number from main.fct_invoices where is_billing_copy""")
    fed = {
        r["canonical_invoice_number"]
        for r in duckdb_build.query("select canonical_invoice_number from main.ar_automation_feed")
    }

    assert copies
    assert not fed & {r["canonical_invoice_number"] for r in copies}


def test_given_meltano_landed_raw_data_when_building_staging_then_the_latest_version_of_each_record_wins(
    duckdb_build, scratch_warehouse, tmp_path, dbt_tools
):
    import duckdb

    dbt_tools.meltano_layout(scratch_warehouse)
    with duckdb.connect(str(scratch_warehouse)) as con:
        customer_id, name = con.execute("select id, name from tap_buildops.customers limit 1").fetchone()
        # An append-only loader also holds an older version of the same customer.
        con.execute(
            "insert into tap_buildops.customers by name select * replace ("
            "'Old Name Before Rename' as name, _sdc_extracted_at - interval 1 day as _sdc_extracted_at) "
            "from tap_buildops.customers where id = ?",
            [customer_id],
        )
        con.execute("drop schema buildops_raw cascade")  # staging must not read the PyAirbyte layout any more

    dbt_tools.run(
        ["run", "--select", "stg_buildops__customers"],
        env=dbt_tools.env(scratch_warehouse, duckdb_build.data_dir / "mapping"),
        workdir=tmp_path,
        dbt_vars={**dbt_tools.vars(duckdb_build.data_dir, duckdb_build.truth), "raw_layout": "meltano"},
    )

    with duckdb.connect(str(scratch_warehouse), read_only=True) as con:
        names = con.execute(
            "select customer_name from main.stg_buildops__customers where customer_id = ?", [customer_id]
        ).fetchall()
        total, distinct = con.execute(
            "select count(*), count(distinct customer_id) from main.stg_buildops__customers"
        ).fetchone()
    assert names == [(name.strip(),)]
    assert total == distinct > 1


def test_given_two_mapping_rows_that_send_one_item_to_different_cells_when_building_then_the_build_stops_naming_it(
    duckdb_build, scratch_warehouse, tmp_path, dbt_tools
):
    import csv
    import shutil

    import duckdb

    mapping = tmp_path / "mapping"
    shutil.copytree(duckdb_build.data_dir / "mapping", mapping)
    with (mapping / "cost_code_mapping.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))

    def write_mapping(with_rows: list[dict]) -> None:
        with (mapping / "cost_code_mapping.csv").open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(with_rows)

    rule = next(r for r in rows if r["match_type"] == "product_code")
    other_cost_type = "M" if rule["cost_type"] != "M" else "L"
    # The same match, padded and lower-cased as a hand edit leaves it, to a different cell.
    write_mapping(
        [
            *rows,
            {
                **rule,
                "match_value": f" {rule['match_value'].lower()} ",
                "cost_type": other_cost_type,
                "note": "hand edit",
            },
        ]
    )

    result = dbt_tools.run(
        ["build", "--select", "stg_mapping__cost_code_mapping+1"],
        env=dbt_tools.env(scratch_warehouse, mapping),
        workdir=tmp_path,
        check=False,
    )

    assert result.returncode != 0, result.stdout[-2000:]
    failure = "cost_code_mapping_rows_for_the_same_match_must_map_to_one_phase_and_cost_type"
    assert f"Failure in test {failure}" in result.stdout, result.stdout[-2000:]
    assert "Got 1 result" in result.stdout
    assert "SKIP relation main.int_invoice_lines_mapped" in result.stdout, "lines were mapped through a conflict"
    # The failing row (what the compiled test shows a user) names the match and both cells.
    compiled = next((tmp_path / "target" / "compiled").rglob(f"{failure}.sql")).read_text()
    with duckdb.connect(str(scratch_warehouse), read_only=True) as con:
        cursor = con.execute(compiled)
        names = [d[0] for d in cursor.description]
        [row] = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    assert (row["company_code"], row["match_type"], row["match_value"]) == (
        rule["company_code"],
        "product_code",
        rule["match_value"].strip().upper(),
    )
    assert {row["one_cell"], row["other_cell"]} == {
        f"{rule['phase_code']} x {rule['cost_type']}",
        f"{rule['phase_code']} x {other_cost_type}",
    }

    write_mapping([*rows, {**rule, "note": "the same rule twice is harmless"}])
    again = dbt_tools.run(
        ["build", "--select", "stg_mapping__cost_code_mapping"],
        env=dbt_tools.env(scratch_warehouse, mapping),
        workdir=tmp_path,
        check=False,
    )
    assert again.returncode == 0, again.stdout[-2000:]
