"""Ground truth (issue 4, section 3): the marts against what the sandbox generator injected and wrote.

`exceptions` must equal truth.json's anomalies exactly (no miss, no false alarm, same amount to the cent).
AR aging as of the close and the cash conversion cycle: test_transforms_period_end.py, against the generator's
period-end truth.
"""

from __future__ import annotations


def test_given_the_sandbox_when_dbt_builds_then_exceptions_equal_truth_anomalies_exactly(duckdb_build, signatures):
    found = signatures.found(duckdb_build.query("select * from main.exceptions"))
    injected = signatures.injected(duckdb_build.truth["anomalies"])

    missed, false_alarms = injected - found, found - injected

    assert not missed and not false_alarms, f"missed {sorted(missed)}\nfalse alarms {sorted(false_alarms)}"
    assert sum(found.values()) == len(duckdb_build.truth["anomalies"]) > 0


def test_given_truth_when_grouping_exceptions_by_type_then_counts_match_the_generator_summary(duckdb_build):
    expected = {kind: count for kind, count in duckdb_build.truth["spectrum"]["anomaly_counts"].items() if count}

    rows = duckdb_build.query("select exception_type, count(*) as n from main.exceptions group by 1")

    assert {r["exception_type"]: r["n"] for r in rows} == expected
    # At the test scale every type but the compliance one (no subcontract POs yet) is injected and found.
    assert len(expected) >= 9


def test_given_the_aging_rollup_when_summed_then_it_ties_to_the_invoice_level_aging(duckdb_build):
    by_invoice = duckdb_build.query("select sum(net_balance) as n, sum(gross_balance) as g from main.fct_ar_aging")[0]
    by_customer = duckdb_build.query(
        "select sum(net_balance) as n, sum(gross_balance) as g from main.fct_ar_aging_customers"
    )[0]

    assert by_customer == by_invoice
