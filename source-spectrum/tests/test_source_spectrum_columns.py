"""A real install whose tables lack a column, or name one differently, through the real executable against the
twin's database (SQLite: a private copy altered here; PostgreSQL: altered copies of the twin's tables, reached
through odbc.table_names): a missing non-key column arrives as null with one warning naming table and column; a
missing key or cursor column fails the stream naming both."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import pyodbc
import pytest

SOURCE = Path(sys.executable).with_name("source-spectrum")
JOBS = "JC_JOB_MASTER_MC"
JC = "JC_TRANSACTION_HISTORY_MC"


def read(tmp_path: Path, config: dict, stream: str) -> tuple[subprocess.CompletedProcess, list[dict]]:
    (tmp_path / "config.json").write_text(json.dumps(config))
    catalog = {
        "streams": [
            {
                "stream": {"name": stream, "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
                "sync_mode": "full_refresh",
                "destination_sync_mode": "overwrite",
            }
        ]
    }
    (tmp_path / "catalog.json").write_text(json.dumps(catalog))
    done = subprocess.run(
        [str(SOURCE), "read", "--config", str(tmp_path / "config.json"), "--catalog", str(tmp_path / "catalog.json")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done, [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def records(messages: list[dict]) -> list[dict]:
    return [m["record"]["data"] for m in messages if m["type"] == "RECORD"]


def warnings(messages: list[dict]) -> list[str]:
    return [m["log"]["message"] for m in messages if m["type"] == "LOG" and m["log"]["level"] == "WARN"]


def errors(messages: list[dict]) -> list[dict]:
    return [m["trace"]["error"] for m in messages if m["type"] == "TRACE" and m["trace"]["type"] == "ERROR"]


def test_given_a_table_lacking_one_column_and_naming_another_differently_when_read_then_nulls_and_one_warning_each(
    live, sqlite_copy, tmp_path
):
    config = sqlite_copy(
        f"ALTER TABLE {JOBS} DROP COLUMN Estimator",
        f"ALTER TABLE {JOBS} RENAME COLUMN Superintendent TO Site_Super",
    )
    done, messages = read(tmp_path, config, "jobs")
    assert done.returncode == 0, done.stderr[-2000:]
    rows = live.csv_rows(JOBS)
    got = records(messages)
    assert len(got) == len(rows), "every job still arrives"
    assert all(r.get("estimator") is None and r.get("superintendent") is None for r in got)
    assert {r.get("job_description") for r in got} - {None}, "the other columns are still read"
    said = warnings(messages)
    assert Counter(w.split(";")[0] for w in said if "has no column" in w) == {
        f"Stream jobs: table {JOBS} has no column Estimator": 1,
        f"Stream jobs: table {JOBS} has no column Superintendent": 1,
    }, "one warning per missing column, not one per company or per row"
    assert (
        f"Stream jobs: table {JOBS} has no column Estimator; the stream's field estimator arrives as null on every "
        f'record. If this install names it differently, map it in odbc.column_names, e.g. {{"{JOBS}.Estimator": '
        '"<its name here>"}.'
    ) in said

    config["odbc"]["column_names"] = {f"{JOBS}.Superintendent": "Site_Super"}
    done, messages = read(tmp_path, config, "jobs")
    assert done.returncode == 0, done.stderr[-2000:]
    expected = Counter((r["Superintendent"].strip() or None) for r in rows)
    assert Counter(r.get("superintendent") for r in records(messages)) == expected
    assert not any("Superintendent" in w for w in warnings(messages))


@pytest.mark.parametrize(
    ("table", "column", "stream", "role"),
    [
        pytest.param(JOBS, "Job_Number", "jobs", "part of the stream's primary key", id="primary-key"),
        pytest.param(JC, "Tran_Date_Text", "job_cost_transactions", "the stream's incremental cursor", id="cursor"),
    ],
)
def test_given_a_table_lacking_a_key_column_when_read_then_the_stream_fails_naming_table_and_column(
    sqlite_copy, tmp_path, table, column, stream, role
):
    config = sqlite_copy(f"ALTER TABLE {table} RENAME COLUMN {column} TO Renamed_By_The_Install")
    done, messages = read(tmp_path, config, stream)
    assert done.returncode != 0
    assert records(messages) == []
    error = errors(messages)[0]  # then the CDK's summary of the streams that failed
    assert error["failure_type"] == "config_error"
    assert error["message"].startswith(
        f"Stream {stream}: table {table} has no column {column}, which is {role}, so the stream cannot be read. "
        f'If this install names it differently, map it in odbc.column_names, e.g. {{"{table}.{column}": '
        '"<its name here>"}. The table\'s columns: Company_Code, '
    ), error["message"]
    assert "Renamed_By_The_Install" in error["message"]


@pytest.fixture
def pg_table_copy(pg_live):
    """Altered copies of the twin's PostgreSQL tables (the originals keep serving other tests), dropped after."""
    connection_string = pg_live.config("postgres")["odbc"]["connection_string"]
    conn = pyodbc.connect(connection_string, autocommit=True)
    made: list[str] = []

    def copy(table: str, *alterations: str) -> str:
        name = f"tieout_cols_{uuid.uuid4().hex[:8]}"
        conn.cursor().execute(f"CREATE TABLE {name} AS SELECT * FROM {table}")
        made.append(name)
        for alteration in alterations:
            conn.cursor().execute(f"ALTER TABLE {name} {alteration}")
        return name

    yield copy, connection_string
    for name in made:
        conn.cursor().execute(f"DROP TABLE IF EXISTS {name}")
    conn.close()


@pytest.mark.postgres
def test_given_postgres_tables_lacking_columns_when_read_then_nulls_and_warnings_or_a_named_failure(
    live, pg_table_copy, tmp_path
):
    copy, connection_string = pg_table_copy
    jobs = copy(JOBS, "DROP COLUMN estimator", "RENAME COLUMN superintendent TO site_super")
    config = live.config("postgres")
    config["odbc"] = {"connection_string": connection_string, "table_names": {JOBS: jobs}}
    done, messages = read(tmp_path, config, "jobs")
    assert done.returncode == 0, done.stderr[-2000:]
    got = records(messages)
    assert len(got) == len(live.csv_rows(JOBS))
    assert all(r.get("estimator") is None and r.get("superintendent") is None for r in got)
    assert Counter(w.split(";")[0] for w in warnings(messages) if "has no column" in w) == {
        f"Stream jobs: table {jobs} has no column Estimator": 1,
        f"Stream jobs: table {jobs} has no column Superintendent": 1,
    }

    keyless = copy(JOBS, "RENAME COLUMN job_number TO job_no")
    config["odbc"]["table_names"] = {JOBS: keyless}
    done, messages = read(tmp_path, config, "jobs")
    assert done.returncode != 0 and records(messages) == []
    assert errors(messages)[0]["message"].startswith(
        f"Stream jobs: table {keyless} has no column Job_Number, which is part of the stream's primary key"
    )


def test_given_a_table_lacking_a_key_column_when_checked_then_failed_naming_table_and_column(sqlite_copy, tmp_path):
    config = sqlite_copy(f"ALTER TABLE {JOBS} RENAME COLUMN Job_Number TO Job_No")
    (tmp_path / "config.json").write_text(json.dumps(config))
    done = subprocess.run(
        [str(SOURCE), "check", "--config", str(tmp_path / "config.json")], capture_output=True, text=True, timeout=300
    )
    messages = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    [status] = [m["connectionStatus"] for m in messages if m["type"] == "CONNECTION_STATUS"]
    assert status["status"] == "FAILED"
    assert status["message"].startswith(
        f"Stream jobs: table {JOBS} has no column Job_Number, which is part of the stream's primary key"
    ), status["message"]
