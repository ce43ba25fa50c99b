"""A `tieout-sandbox` started as a subprocess for the source-spectrum tests (never imported as code).

One per test session, started on first use: `generate` a small contractor, `serve` it on free loopback
ports (with a PostgreSQL copy in a database of its own when TIEOUT_TEST_PG_DSN is set), then read
DIR/sandbox.json and DIR/configs/*.json. Stopped (by its pid) at exit.
"""

from __future__ import annotations

import atexit
import contextlib
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pyodbc

SANDBOX = Path(sys.executable).with_name("tieout-sandbox")
SCALE = "0.08"  # ~800 jobs, ~5,000 phases (past the 500-row cap), ~30,000 job cost rows, every table non-empty


@dataclass
class LiveSandbox:
    data_dir: Path
    process: subprocess.Popen
    info: dict
    configs: dict[str, dict]
    pg_database: str | None = None
    _csv_cache: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    def config(self, name: str) -> dict:
        """`sql`, `data_exchange`, `data_exchange_oauth` or `postgres` (the twin's source-spectrum configs)."""
        return json.loads(json.dumps(self.configs[f"source-spectrum.{name}.json"]))

    def csv_rows(self, table: str) -> list[dict[str, str]]:
        if table not in self._csv_cache:
            with (self.data_dir / "spectrum" / f"{table}.csv").open(newline="") as f:
                self._csv_cache[table] = list(csv.DictReader(f))
        return self._csv_cache[table]

    def csv_sum(self, table: str, column: str) -> Decimal:
        return sum((Decimal(r[column]) for r in self.csv_rows(table) if r[column] != ""), Decimal(0))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.pg_database:
            with contextlib.suppress(pyodbc.Error):
                _pg_admin(f"DROP DATABASE IF EXISTS {self.pg_database}")
        shutil.rmtree(self.data_dir, ignore_errors=True)


_LIVE: LiveSandbox | None = None


def pg_parts() -> dict[str, str] | None:
    dsn = os.environ.get("TIEOUT_TEST_PG_DSN")
    return dict(part.split("=", 1) for part in dsn.split()) if dsn else None


def pg_odbc(parts: dict[str, str], **overrides: str) -> str:
    p = {**parts, **overrides}
    return (
        f"Driver={{PostgreSQL Unicode}};Server={p['host']};Port={p['port']};Database={p['dbname']};"
        f"Uid={p['user']};Pwd={p.get('password', '')}"
    )


def _pg_admin(sql: str) -> None:
    parts = pg_parts()
    assert parts is not None
    conn = pyodbc.connect(pg_odbc(parts), autocommit=True, timeout=10)
    try:
        conn.cursor().execute(sql)
    finally:
        conn.close()


def start() -> LiveSandbox:
    global _LIVE
    if _LIVE is not None:
        return _LIVE
    data_dir = Path(tempfile.mkdtemp(prefix="srcspec-sandbox-"))
    subprocess.run(
        [str(SANDBOX), "generate", "--out", str(data_dir), "--scale", SCALE, "--seed", "1"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    argv = [str(SANDBOX), "serve", "--data", str(data_dir), "--port", "0", "--spectrum-port", "0"]
    pg_database = None
    parts = pg_parts()
    if parts:
        pg_database = f"srcspec_{uuid.uuid4().hex[:8]}"
        _pg_admin(f"CREATE DATABASE {pg_database}")
        dsn = " ".join(f"{k}={v}" for k, v in {**parts, "dbname": pg_database}.items())
        argv += ["--postgres-dsn", dsn]
    log = (data_dir / "serve.log").open("wb")
    process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    sandbox_json = data_dir / "sandbox.json"
    deadline = time.monotonic() + 180
    while not sandbox_json.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"tieout-sandbox serve did not start: {(data_dir / 'serve.log').read_text()[-2000:]}")
        time.sleep(0.2)
    time.sleep(0.2)  # sandbox.json is written whole, but give the writer its close()
    info = json.loads(sandbox_json.read_text())
    configs = {Path(p).name: json.loads(Path(p).read_text()) for p in info.get("configs", {}).values()}
    if parts and "source-spectrum.postgres.json" not in configs:
        # The twin loads PostgreSQL but may not write a config for it: build one from what it reported.
        configs["source-spectrum.postgres.json"] = {
            "transport": "sql",
            "companies": ["MEC", "FPR"],
            "odbc": {"connection_string": pg_odbc(parts, dbname=pg_database)},
        }
    _LIVE = LiveSandbox(data_dir, process, info, configs, pg_database)
    atexit.register(_LIVE.stop)
    return _LIVE
