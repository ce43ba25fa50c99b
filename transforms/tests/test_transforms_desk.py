"""The exception lifecycle in the warehouse (issue 16 §1): decisions carried across rebuilds, exceptions the
build closes when they leave the data and reopens when they come back, and what a waiver does to the checklist.
The dbt unit tests (models/*/unit_tests/desk_*.yml) hold the hand-computed cases; these run the real build."""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pytest

CLOSED_BY_BUILD = "tieout build"


def _rows(path, sql: str, params: list | None = None) -> list[dict]:
    with duckdb.connect(str(path), read_only=True) as con:
        cursor = con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _decide(path, subject_id: str, status: str, at: dt.datetime, who: str = "kim", kind: str = "exception") -> None:
    with duckdb.connect(str(path)) as con:
        con.execute(
            "insert into tieout_desk.decisions values (?, ?, ?, ?, ?, ?, ?, ?)",
            [f"test-{kind}-{subject_id}-{status}-{at.isoformat()}", at, who, kind, subject_id, status, "test", None],
        )


def test_given_a_build_when_it_ends_then_every_exception_it_saw_is_remembered_once(duckdb_build):
    seen = duckdb_build.query("select exception_id from tieout_desk.exception_sightings")
    exceptions = duckdb_build.query("select exception_id from main.exceptions")

    assert exceptions
    assert sorted(r["exception_id"] for r in seen) == sorted(r["exception_id"] for r in exceptions)


def test_given_a_blocked_step_when_its_exceptions_are_waived_then_it_turns_ready_without_a_rebuild(
    duckdb_build, scratch_warehouse
):
    steps = {r["close_step"]: r for r in _rows(scratch_warehouse, "select * from main.close_checklist")}
    step = next(s for s, r in steps.items() if r["status"] == "blocked")
    blockers = _rows(
        scratch_warehouse,
        "select exception_id from main.exception_queue where close_step = ? and blocks_close",
        [step],
    )
    period_end = steps[step]["period_end_date"]
    first = dt.datetime.combine(period_end, dt.time(9)) + dt.timedelta(days=2)
    for n, blocker in enumerate(blockers):
        _decide(scratch_warehouse, blocker["exception_id"], "waived", first + dt.timedelta(hours=n))

    after = {r["close_step"]: r for r in _rows(scratch_warehouse, "select * from main.close_checklist")}[step]
    queue = _rows(
        scratch_warehouse, "select status, blocks_close from main.exception_queue where close_step = ?", [step]
    )
    assert after["status"] == "ready" and after["open_exception_count"] == 0
    assert after["cleared_exception_count"] == len(blockers)
    assert after["ready_at"] == first + dt.timedelta(hours=len(blockers) - 1)
    assert after["ready_on_close_day"] == 2
    assert all(r["status"] == "waived" and not r["blocks_close"] for r in queue)


def test_given_a_ready_step_when_the_preparer_signs_before_it_was_ready_then_only_a_later_sign_off_counts(
    duckdb_build, scratch_warehouse
):
    steps = _rows(scratch_warehouse, "select * from main.close_checklist order by step_order")
    ready = next(r for r in steps if r["status"] == "ready")
    blocked = next(r for r in steps if r["status"] == "blocked")
    at = dt.datetime(2026, 12, 1, 9)
    for step in (ready, blocked):
        _decide(scratch_warehouse, f"{step['close_period']}|{step['close_step']}", "prepared", at, "ann", "close_step")
    _decide(
        scratch_warehouse,
        f"{ready['close_period']}|{ready['close_step']}",
        "reviewed",
        at + dt.timedelta(hours=1),
        "bob",
        "close_step",
    )

    after = {r["close_step"]: r for r in _rows(scratch_warehouse, "select * from main.close_checklist")}
    assert after[ready["close_step"]]["sign_off"] == "reviewed"
    assert (after[ready["close_step"]]["prepared_by"], after[ready["close_step"]]["reviewed_by"]) == ("ann", "bob")
    assert after[blocked["close_step"]]["sign_off"] == "unsigned"  # a sign-off on a blocked step counts for nothing


def test_given_an_exception_that_leaves_the_data_when_rebuilding_then_the_build_closes_it_and_reopens_it_when_back(
    duckdb_build, scratch_warehouse, tmp_path, dbt_tools
):
    unmatched = duckdb_build.query(
        "select exception_id, company_code, customer_code, buildops_customer_id from main.exceptions "
        "where exception_type = 'customer_unmatched' order by exception_id limit 1"
    )[0]
    mapping = tmp_path / "mapping"
    shutil.copytree(duckdb_build.data_dir / "mapping", mapping)
    crosswalk = mapping / "customer_crosswalk.csv"
    original = crosswalk.read_text()
    crosswalk.write_text(
        original + f"{unmatched['buildops_customer_id']},{unmatched['company_code']},{unmatched['customer_code']}\n"
    )
    build_vars = dbt_tools.vars(duckdb_build.data_dir, duckdb_build.truth)
    env = dbt_tools.env(scratch_warehouse, mapping)
    # A person's decision made before the rebuild must survive it.
    _decide(scratch_warehouse, "kept|across|rebuilds", "waived", dt.datetime(2026, 11, 20, 8))

    dbt_tools.run(["run", "--select", "+exceptions"], env=env, workdir=tmp_path / "gone", dbt_vars=build_vars)
    gone = _rows(
        scratch_warehouse,
        "select status, decided_by, reason from main.stg_desk__decisions where subject_id = ? and recency = 1",
        [unmatched["exception_id"]],
    )
    crosswalk.write_text(original)
    dbt_tools.run(["run", "--select", "+exceptions"], env=env, workdir=tmp_path / "back", dbt_vars=build_vars)
    back = _rows(
        scratch_warehouse,
        "select status, decided_by, decision_reason as reason from main.exception_queue where exception_id = ?",
        [unmatched["exception_id"]],
    )
    kept = _rows(
        scratch_warehouse, "select status from tieout_desk.decisions where subject_id = 'kept|across|rebuilds'"
    )

    assert gone == [{"status": "resolved", "decided_by": CLOSED_BY_BUILD, "reason": "gone from the data"}]
    assert back == [{"status": "open", "decided_by": CLOSED_BY_BUILD, "reason": "back in the data"}]
    assert kept == [{"status": "waived"}]


def test_given_a_materiality_that_is_not_an_amount_when_compiling_then_the_error_names_the_key_and_the_fix(
    duckdb_build, scratch_warehouse, tmp_path, dbt_tools
):
    policy = {"desk": {"materiality": {"payroll_timing_gap": "fifty"}, "owners": [{"exception_type": "payroll"}]}}
    result = dbt_tools.run(
        ["compile", "--select", "exception_queue"],
        env=dbt_tools.env(scratch_warehouse, duckdb_build.data_dir / "mapping"),
        workdir=tmp_path,
        dbt_vars={**dbt_tools.vars(duckdb_build.data_dir, duckdb_build.truth), "policy": policy},
        check=False,
    )

    assert result.returncode != 0
    assert "policy.yml desk.owners[0] has no owner" in result.stdout
    assert "{exception_type: TYPE, company: CODE, owner: NAME}" in result.stdout

    policy["desk"]["owners"] = [{"exception_type": "payroll_timing_gap", "owner": "payroll"}]
    result = dbt_tools.run(
        ["compile", "--select", "exception_queue"],
        env=dbt_tools.env(scratch_warehouse, duckdb_build.data_dir / "mapping"),
        workdir=tmp_path,
        dbt_vars={**dbt_tools.vars(duckdb_build.data_dir, duckdb_build.truth), "policy": policy},
        check=False,
    )
    assert result.returncode != 0
    assert "policy.yml desk.materiality.payroll_timing_gap is 'fifty'; use an amount in dollars such as 50.00" in (
        result.stdout
    )


@pytest.mark.postgres
def test_given_postgres_when_a_build_ends_then_its_hook_committed_the_sightings_and_the_views_read_them(
    postgres_build,
):
    seen = postgres_build.query("select count(*) as n from tieout_desk.exception_sightings")
    exceptions = postgres_build.query("select count(*) as n from analytics.exceptions")
    queue = postgres_build.query("select status, count(*) as n from analytics.exception_queue group by status")
    steps = postgres_build.query("select sign_off, count(*) as n from analytics.close_checklist group by sign_off")

    assert seen == exceptions and exceptions[0]["n"] > 0
    assert queue == [{"status": "open", "n": exceptions[0]["n"]}]
    assert steps == [{"sign_off": "unsigned", "n": 7}]
