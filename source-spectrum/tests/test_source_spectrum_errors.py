"""Every ODBC error a user can meet, read through the connector's check (and once through the CLI)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import spectrum_live
from source_spectrum.source import CONNECTOR
from tieout_core import ConfigError, ConnectorError, TransientError

MAIN = Path(__file__).parents[1] / "main.py"


def check(config: dict) -> ConnectorError:
    with pytest.raises(ConnectorError) as info:
        CONNECTOR.check(CONNECTOR.parse_config(config))
    return info.value


def sql(odbc: dict) -> dict:
    return {"transport": "sql", "companies": ["MEC"], "odbc": odbc}


def test_given_sql_server_driver_not_installed_when_checked_then_config_error_names_the_package():
    error = check(
        sql(
            {
                "driver": "ODBC Driver 18 for SQL Server",
                "server": "acme-data.dexterchaney.com",
                "database": "Spectrum_0012345",
                "user": "infolink",
                "password": "pw-never-shown",
            }
        )
    )
    assert isinstance(error, ConfigError)
    assert "ODBC driver 'ODBC Driver 18 for SQL Server' is not installed" in error.message
    assert "msodbcsql18" in error.message
    assert "pw-never-shown" not in error.message


def test_given_missing_sqlite_file_when_checked_then_unreachable_names_the_file(tmp_path):
    error = check(sql({"connection_string": f"Driver=SQLite3;Database={tmp_path / 'gone.sqlite'}"}))
    assert isinstance(error, TransientError)
    assert "gone.sqlite' does not exist" in error.message


def test_given_database_without_spectrum_tables_when_checked_then_names_table_and_grant(tmp_path):
    import sqlite3

    sqlite3.connect(tmp_path / "empty.sqlite").close()
    error = check(sql({"driver": "SQLite3", "database": str(tmp_path / "empty.sqlite")}))
    assert isinstance(error, ConfigError)
    assert "JC_JOB_MASTER_MC" in error.message and "Table Security Maintenance" in error.message


@pytest.mark.postgres
def test_given_closed_port_when_checked_then_transient_error_names_server(pg_live):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    error = check(
        sql(
            {
                "driver": "PostgreSQL Unicode",
                "server": "127.0.0.1",
                "port": port,
                "database": "spectrum",
                "user": "infolink",
                "password": "x",
            }
        )
    )
    assert isinstance(error, TransientError)
    assert "Spectrum database unreachable at server '127.0.0.1'" in error.message


@pytest.mark.postgres
def test_given_unknown_login_when_checked_then_login_failed_names_user(pg_live):
    parts = spectrum_live.pg_parts()
    error = check(
        sql(
            {
                "driver": "PostgreSQL Unicode",
                "server": parts["host"],
                "port": int(parts["port"]),
                "database": pg_live.pg_database,
                "user": "not_infolink",
                "password": "pw-never-shown",
            }
        )
    )
    assert isinstance(error, ConfigError)
    assert "login failed for user 'not_infolink'" in error.message
    assert "pw-never-shown" not in error.message


def test_given_wrong_authorization_id_when_checked_through_main_py_then_failed_status_with_message(live, tmp_path):
    config = live.config("data_exchange")
    config["data_exchange"]["authorization_id"] = "NOT-THE-ID"
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    out = subprocess.run(
        [sys.executable, str(MAIN), "check", "--config", str(path)], capture_output=True, text=True, timeout=120
    )
    messages = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    statuses = [m["connectionStatus"] for m in messages if m["type"] == "CONNECTION_STATUS"]
    traces = [m["trace"]["error"] for m in messages if m["type"] == "TRACE"]
    assert statuses and statuses[-1]["status"] == "FAILED"
    assert any(
        "rejected the Authorization ID" in t["message"] and t["failure_type"] == "config_error" for t in traces
    ) or "rejected the Authorization ID" in statuses[-1].get("message", "")
    assert "NOT-THE-ID" not in out.stdout + out.stderr
