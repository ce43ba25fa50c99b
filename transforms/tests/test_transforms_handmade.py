"""A contractor written by hand from the rules' sentences (issue 14 section 4): transforms/tests/handmade/.

The whole pipeline runs on it as the demo does: `tieout-sandbox serve` on free ports, source-buildops and
source-spectrum synced through PyAirbyte, `dbt build` up to `exceptions`. The mart must equal the hand-written
expected_exceptions.csv exactly: every positive case found with its keys and amount, no negative case raised.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import yaml

HANDMADE = Path(__file__).parent / "handmade"
AS_OF, CLOSE_PERIOD = "2026-11-14", "2026-10"  # the close the expected file is written for (handmade/README.md)


def expected_anomalies() -> list[dict]:
    with (HANDMADE / "expected_exceptions.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [
        {
            "type": row.pop("exception_type"),
            "amount": row.pop("amount_at_stake"),
            "keys": {key: value for key, value in row.items() if value != ""},
        }
        for row in rows
    ]


def test_given_the_handmade_contractor_when_served_synced_and_built_then_exceptions_equal_the_expected_file(
    tmp_path, dbt_tools, signatures
):
    import duckdb

    # Serving writes configs and the twin's SQLite file into the data folder: work on a copy.
    data = tmp_path / "data"
    shutil.copytree(HANDMADE, data, ignore=shutil.ignore_patterns("expected_exceptions.csv", "README.md"))
    warehouse = tmp_path / "tieout.duckdb"
    dbt_tools.land_with_hosts(data, warehouse)

    dbt_tools.run(
        ["build", "--select", "+exceptions"],
        env=dbt_tools.env(warehouse, data / "mapping"),
        workdir=tmp_path,
        dbt_vars={
            "as_of_date": AS_OF,
            "close_period": CLOSE_PERIOD,
            "policy": yaml.safe_load((data / "policy.yml").read_text()),
        },
    )

    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute("select * from main.exceptions")
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    found, expected = signatures.found(rows), signatures.injected(expected_anomalies())
    missed, false_alarms = expected - found, found - expected
    assert not missed and not false_alarms, f"missed {sorted(missed)}\nfalse alarms {sorted(false_alarms)}"
    assert len(rows) == sum(expected.values())  # one row per line of expected_exceptions.csv
    assert {r["company_code"] for r in rows} == {"HMC"}
