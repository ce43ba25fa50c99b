"""A cost posted today but dated 30 days back, into a period still open, arrives after a sync: the next
incremental sync reads it (it re-reads from the earliest date open for posting, or 62 days without a period
table). Through `source-spectrum read` with STATE out and in, against a private copy of the twin's SQLite."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pyodbc

SOURCE = Path(sys.executable).with_name("source-spectrum")
STREAM = "job_cost_transactions"
TABLE = "JC_TRANSACTION_HISTORY_MC"
CATALOG = {
    "streams": [
        {
            "stream": {
                "name": STREAM,
                "json_schema": {},
                "supported_sync_modes": ["full_refresh", "incremental"],
                "source_defined_cursor": True,
                "default_cursor_field": ["tran_date_text"],
            },
            "sync_mode": "incremental",
            "cursor_field": ["tran_date_text"],
            "destination_sync_mode": "append",
        }
    ]
}


def sync(tmp_path: Path, config: dict, state: list | None = None) -> tuple[list[dict], list, list[str]]:
    """(records, the state to hand the next sync, WARNING logs) of one `source-spectrum read`."""
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "catalog.json").write_text(json.dumps(CATALOG))
    args = [str(SOURCE), "read", "--config", str(tmp_path / "config.json"), "--catalog", str(tmp_path / "catalog.json")]
    if state is not None:
        (tmp_path / "state.json").write_text(json.dumps(state))
        args += ["--state", str(tmp_path / "state.json")]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    messages = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    records = [m["record"]["data"] for m in messages if m["type"] == "RECORD"]
    states = [m["state"] for m in messages if m["type"] == "STATE"]
    warnings = [m["log"]["message"] for m in messages if m["type"] == "LOG" and m["log"]["level"] == "WARN"]
    return records, states[-1:], warnings


def post_backdated(connection_string: str, company: str, day: date) -> str:
    """One more job cost row of `company`, dated `day`, as if entered after the last sync; its Reference_1."""
    conn = pyodbc.connect(connection_string, autocommit=True)
    try:
        cursor = conn.cursor()
        cursor.execute(f"SELECT * FROM {TABLE} WHERE Company_Code = ?", company)
        names = [d[0] for d in cursor.description]
        row = dict(zip(names, cursor.fetchone(), strict=True))
        row.update(Tran_Date_Text=day.strftime("%Y%m%d"), Reference_1="BACKDATED30", Detail_Sequence=1)
        placeholders = ", ".join("?" * len(row))
        cursor.execute(f"INSERT INTO {TABLE} ({', '.join(row)}) VALUES ({placeholders})", *row.values())
    finally:
        conn.close()
    return "BACKDATED30"


def open_from(connection_string: str, company: str) -> date:
    conn = pyodbc.connect(connection_string, autocommit=True)
    try:
        value = (
            conn.cursor()
            .execute("SELECT MIN(Minimum_Date) FROM PA_PROCESSING_DATES_MC WHERE Company_Code = ?", company)
            .fetchone()[0]
        )
    finally:
        conn.close()
    return date.fromisoformat(str(value)[:10])


def backdated_after_a_sync(tmp_path: Path, config: dict, company: str = "MEC") -> tuple[list, date, str]:
    _, state, _ = sync(tmp_path, config)
    cursor = date.fromisoformat(state[0]["stream"]["stream_state"]["companies"][company]["cursor"])
    posted = cursor - timedelta(days=30)
    reference = post_backdated(config["odbc"]["connection_string"], company, posted)
    return state, posted, reference


def test_given_a_posting_backdated_30_days_into_an_open_period_after_a_sync_when_synced_again_then_it_is_read(
    sqlite_copy, tmp_path
):
    config = sqlite_copy()
    state, posted, reference = backdated_after_a_sync(tmp_path, config)
    assert posted >= open_from(config["odbc"]["connection_string"], "MEC"), "the test needs an open period"
    records, _, _ = sync(tmp_path, config, state)
    assert [r["tran_date_text"] for r in records if r["reference_1"] == reference] == [posted.isoformat()]
    assert (
        min(r["tran_date_text"] for r in records if r["company_code"] == "MEC")
        >= open_from(config["odbc"]["connection_string"], "MEC").isoformat()
    ), "the re-read starts at the open period, not at start_date"


def test_given_a_fixed_seven_day_lookback_when_a_posting_is_backdated_30_days_then_it_is_missed_as_configured(
    sqlite_copy, tmp_path
):
    config = {**sqlite_copy(), "lookback_days": 7}
    state, _, reference = backdated_after_a_sync(tmp_path, config)
    records, _, _ = sync(tmp_path, config, state)
    assert records, "the lookback window is re-read"
    assert not [r for r in records if r["reference_1"] == reference]


def test_given_no_period_table_when_a_posting_is_backdated_30_days_then_62_days_are_reread_with_one_warning(
    sqlite_copy, tmp_path
):
    config = sqlite_copy("DROP TABLE PA_PROCESSING_DATES_MC")
    state, posted, reference = backdated_after_a_sync(tmp_path, config)
    records, _, warnings = sync(tmp_path, config, state)
    assert [r["tran_date_text"] for r in records if r["reference_1"] == reference] == [posted.isoformat()]
    said = [w for w in warnings if "open accounting periods" in w]
    assert len(said) == 1, warnings
    assert said[0].startswith(
        "The open accounting periods could not be read from PA_PROCESSING_DATES_MC.Minimum_Date ("
    ), said[0]
    assert "re-read 62 days before the last date each saw" in said[0] and "odbc.open_periods_table" in said[0]
