"""Change data capture as an opt-in cursor (`odbc.cdc_tables`): after a first sync notes the change table's
position, the next sync reads exactly what changed (an insert dated outside any re-read window, an update, a
delete), falls back to the date window when capture cleanup removed changes, and refuses what it cannot use.
Through `source-spectrum read` against a private copy of the twin's SQLite, whose change tables triggers fill
(tieout_sandbox/spectrum/cdc.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyodbc
import pytest
from pydantic import ValidationError
from source_spectrum.config import OdbcConfig
from source_spectrum.streams import check_company_state
from tieout_core import StateShapeError

SOURCE = Path(sys.executable).with_name("source-spectrum")
STREAM, TABLE, CT = "gl_detail", "GL_DETAIL_MC", "cdc_GL_DETAIL_MC_v1_CT"
CATALOG = {
    "streams": [
        {
            "stream": {
                "name": STREAM,
                "json_schema": {},
                "supported_sync_modes": ["full_refresh", "incremental"],
                "source_defined_cursor": True,
                "default_cursor_field": ["tran_date"],
            },
            "sync_mode": "incremental",
            "cursor_field": ["tran_date"],
            "destination_sync_mode": "append_dedup",
        }
    ]
}


def sync(tmp_path: Path, config: dict, state: list | None = None, *, ok: bool = True):
    """(records, the state for the next sync, WARNING logs, the process) of one `source-spectrum read`."""
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "catalog.json").write_text(json.dumps(CATALOG))
    args = [str(SOURCE), "read", "--config", str(tmp_path / "config.json"), "--catalog", str(tmp_path / "catalog.json")]
    if state is not None:
        (tmp_path / "state.json").write_text(json.dumps(state))
        args += ["--state", str(tmp_path / "state.json")]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300)
    if ok:
        assert done.returncode == 0, done.stderr[-2000:]
    messages = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    records = [m["record"]["data"] for m in messages if m["type"] == "RECORD"]
    states = [m["state"] for m in messages if m["type"] == "STATE"]
    warnings = [m["log"]["message"] for m in messages if m["type"] == "LOG" and m["log"]["level"] == "WARN"]
    return records, states[-1:], warnings, messages


def execute(config: dict, *statements: tuple[str, tuple]) -> None:
    conn = pyodbc.connect(config["odbc"]["connection_string"], autocommit=True)
    try:
        for sql, params in statements:
            conn.cursor().execute(sql, *params)
    finally:
        conn.close()


def one_row(config: dict, company: str) -> dict:
    conn = pyodbc.connect(config["odbc"]["connection_string"], autocommit=True)
    try:
        cursor = conn.cursor().execute(f"SELECT * FROM {TABLE} WHERE Company_Code = ? ORDER BY Tran_Date", company)
        names = [d[0] for d in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))
    finally:
        conn.close()


def insert(config: dict, row: dict, **changes) -> tuple[str, tuple]:
    row = {**row, **changes}
    return f"INSERT INTO {TABLE} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", tuple(row.values())


@pytest.fixture
def captured(sqlite_copy):
    config = sqlite_copy()
    config["odbc"].update(cdc_tables=[TABLE], cdc_table_pattern="cdc_{table}_v1_CT")
    return config


def positioned(tmp_path: Path, config: dict) -> tuple[list, dict]:
    """A first sync after one captured change: it re-reads the window and saves the change table's position."""
    template = one_row(config, "MEC")
    execute(config, insert(config, template, Tran_Number="CDC-FIRST"))
    records, state, _, _ = sync(tmp_path, config)
    companies = state[0]["stream"]["stream_state"]["companies"]
    assert companies["MEC"]["lsn"] and companies["MEC"]["cursor"], companies
    assert len(records) > 100, "the first sync reads the window, not the one change"
    return state, template


def test_given_a_saved_position_when_rows_are_inserted_updated_and_deleted_then_only_those_three_are_read(
    captured, tmp_path
):
    state, template = positioned(tmp_path, captured)
    old = "2019-01-31"  # before start_date and any open period: a date-window read never sees it
    execute(
        captured,
        insert(captured, template, Tran_Number="CDC-OLD", Tran_Date=old, Amount="123.45"),
        (f"UPDATE {TABLE} SET Amount = ? WHERE Tran_Number = ?", ("777.01", "CDC-FIRST")),
        (f"DELETE FROM {TABLE} WHERE Company_Code = ? AND Tran_Number = ?", ("MEC", template["Tran_Number"])),
    )
    records, next_state, _, _ = sync(tmp_path, captured, state)

    by_number = {r["tran_number"]: r for r in records}
    assert sorted(by_number) == sorted(["CDC-OLD", "CDC-FIRST", template["Tran_Number"]]), by_number.keys()
    assert by_number["CDC-OLD"]["tran_date"] == old
    assert by_number["CDC-OLD"].get("_ab_cdc_deleted_at") is None, "null fields are left out of a record"
    assert by_number["CDC-FIRST"]["amount"] == 777.01
    deleted = by_number[template["Tran_Number"]]
    assert deleted["_ab_cdc_deleted_at"], "a delete arrives flagged, so append_dedup can drop the row"
    lsns = [r["_ab_cdc_lsn"] for r in records]
    assert lsns == sorted(lsns), "changes arrive in commit order"
    saved = next_state[0]["stream"]["stream_state"]["companies"]["MEC"]["lsn"]
    assert saved == max(lsns) > state[0]["stream"]["stream_state"]["companies"]["MEC"]["lsn"]

    again, _, _, _ = sync(tmp_path, captured, next_state)
    assert again == [], "nothing changed since: nothing is read"


def test_given_capture_cleanup_removed_changes_after_the_position_when_synced_then_the_window_is_reread_with_a_warning(
    captured, tmp_path
):
    state, template = positioned(tmp_path, captured)
    latest = state[0]["stream"]["stream_state"]["companies"]["MEC"]["cursor"]  # inside the window re-read
    execute(
        captured,
        insert(captured, template, Tran_Number="CDC-LOST", Tran_Date=latest),
        insert(captured, template, Tran_Number="CDC-KEPT", Tran_Date=latest),
        (f"DELETE FROM {CT} WHERE Tran_Number IN (?, ?)", ("CDC-FIRST", "CDC-LOST")),  # the cleanup job
    )
    records, _, warnings, _ = sync(tmp_path, captured, state)
    numbers = {r["tran_number"] for r in records}
    assert {"CDC-LOST", "CDC-KEPT"} <= numbers and len(records) > 100, "the window re-read finds the lost change"
    said = [w for w in warnings if "no longer holds every change" in w]
    assert said and "Stream gl_detail, company MEC" in said[0] and "retention" in said[0], warnings


def test_given_a_change_table_that_does_not_exist_when_synced_then_the_error_names_the_pattern_setting(
    captured, tmp_path
):
    captured["odbc"]["cdc_table_pattern"] = "cdc_{table}_v9_CT"
    _, _, _, messages = sync(tmp_path, captured, ok=False)
    traces = [m["trace"]["error"] for m in messages if m["type"] == "TRACE" and m["trace"]["type"] == "ERROR"]
    assert traces and traces[0]["failure_type"] == "config_error", messages[-3:]
    message = traces[0]["message"]
    assert message.startswith("The change table cdc_GL_DETAIL_MC_v9_CT of GL_DETAIL_MC cannot be read ("), message
    assert "odbc.cdc_table_pattern" in message and "odbc.cdc_tables" in message


def test_given_payroll_time_cards_in_cdc_tables_when_configured_then_refused_naming_the_tables_that_can_be():
    with pytest.raises(ValidationError) as raised:
        OdbcConfig(driver="SQLite3", database="x", cdc_tables=["PR_TIME_CARD_HISTORY_MC"])
    message = str(raised.value)
    assert "PR_TIME_CARD_HISTORY_MC: not a history table read incrementally with a primary key" in message
    assert "GL_DETAIL_MC" in message and "no key a deletion could name" in message


def test_given_a_pattern_with_sql_in_it_when_configured_then_refused():
    with pytest.raises(ValidationError, match="cdc_table_pattern"):
        OdbcConfig(driver="SQLite3", database="x", cdc_table_pattern="cdc.{table}_CT; DROP TABLE x")


def test_given_a_state_whose_lsn_is_not_hex_when_checked_then_the_error_names_the_field():
    with pytest.raises(StateShapeError, match=r"companies\['MEC'\]\.lsn is 'zz', expected the hex"):
        check_company_state({"companies": {"MEC": {"cursor": "2026-10-31", "lsn": "zz"}}})
