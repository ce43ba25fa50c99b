"""Faults on the Spectrum side: source-spectrum, run as its CLI executable, against `tieout-sandbox serve`.

The bar is the one test_integration_faults.py sets for BuildOps: the sync delivers exactly the records of a
clean run (same primary keys, same content). Data Exchange meets 503 bursts, every K-th call a 500 and a
burst of SOAP `Server` Faults; the SQL transport reads the twin's PostgreSQL copy through psqlODBC while a
loopback proxy resets the connection in the middle of a result set. A fault that never stops ends the read
with an error that names the host (or service) and what to check, not a hang: every run has a timeout.
"""

from __future__ import annotations

import json
import os
import re
import threading
import uuid
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from tieout_it import (
    DroppingProxy,
    configured_catalog,
    copy_data,
    discover,
    executable,
    keyed,
    primary_keys,
    records_by_stream,
    run_cli,
    serve,
    write_json,
)

DX_CONFIG = "source-spectrum.data_exchange.json"
# Bursts shorter than the client's 5 attempts (backoff 0.5 s doubling), so retries always get through.
DX_FAULTS = {
    "a burst of 503s": "spectrum.5xx_burst:4",
    "a 500 every 20th call and random 503s": "spectrum.5xx_every:20,5xx:0.02,seed=5",
}
# The biggest history (job cost: several fetches per company), one with synthetic row keys (payroll), masters.
SQL_STREAMS = ["job_cost_transactions", "payroll_time_cards", "jobs", "ar_invoices"]
SQL_FETCH_SIZE = 100  # small fetches, so a reset lands after records were already emitted


def read_spectrum(config_file: Path, catalog_file: Path, *, timeout: float = 120):
    # The timeout is the "not a hang" check: a stuck read raises TimeoutExpired and fails the test.
    return run_cli(
        [executable("source-spectrum"), "read", "--config", str(config_file), "--catalog", str(catalog_file)],
        timeout=timeout,
    )


def assert_clean(run, keys, expected):
    assert run.returncode == 0 and not run.trace_errors, run.output()[-3000:]
    got = keyed(records_by_stream(run.records), keys)
    assert {s: set(v) for s, v in got.items()} == {s: set(v) for s, v in expected.items()}, "keys differ"
    assert got == expected, "same keys but different content"
    counts = {s: len(v) for s, v in records_by_stream(run.records).items()}
    assert counts == {s: len(v) for s, v in expected.items()}, "a record was emitted twice"


# ---------------------------------------------------------------------------------------------------------
# Data Exchange
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dx_catalog(clean_sandbox, tmp_path_factory):
    config_file = clean_sandbox.data_dir / "configs" / DX_CONFIG
    discovered = discover(executable("source-spectrum"), config_file)
    path = write_json(tmp_path_factory.mktemp("dx") / "catalog.json", configured_catalog(discovered))
    return path, primary_keys(discovered)


@pytest.fixture(scope="module")
def dx_clean_run(clean_sandbox, dx_catalog):
    catalog_file, keys = dx_catalog
    run = read_spectrum(clean_sandbox.data_dir / "configs" / DX_CONFIG, catalog_file)
    assert run.returncode == 0 and not run.trace_errors, run.output()[-3000:]
    clean = keyed(records_by_stream(run.records), keys)
    assert {"jobs", "phases", "customers"} <= set(clean) and all(clean.values()), {s: len(v) for s, v in clean.items()}
    return clean


@pytest.mark.parametrize("fault", sorted(DX_FAULTS))
def test_given_data_exchange_5xx_faults_when_source_spectrum_reads_then_it_delivers_exactly_the_clean_records(
    fault, private_data, dx_catalog, dx_clean_run
):
    catalog_file, keys = dx_catalog
    with serve(private_data, faults=DX_FAULTS[fault]) as sandbox:
        run = read_spectrum(sandbox.data_dir / "configs" / DX_CONFIG, catalog_file)
    assert_clean(run, keys, dx_clean_run)


class SoapFaultBurst:
    """An HTTP front for Data Exchange: the first `burst` calls to one SOAP service are answered by a twin
    serving `soap_fault:<service>` (the twin's own `SOAP-ENV:Server` Fault, HTTP 500), everything else by a
    clean twin. The twin's `soap_fault` kind faults every call, for good; this makes it a passing burst."""

    def __init__(self, clean_url: str, faulting_url: str, service: str, burst: int):
        self.faulted = 0
        lock = threading.Lock()
        front = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                return

            def _forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                target = clean_url
                if self.command == "POST" and self.path.split("?")[0] == f"/ws/{service}":
                    with lock:
                        if front.faulted < burst:
                            front.faulted += 1
                            target = faulting_url
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                answer = requests.request(self.command, target + self.path, data=body, headers=headers, timeout=60)
                self.send_response(answer.status_code)
                self.send_header("Content-Type", answer.headers.get("Content-Type", "text/xml"))
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = _forward

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_given_a_burst_of_soap_server_faults_when_source_spectrum_reads_then_it_delivers_exactly_the_clean_records(
    private_data, clean_sandbox, dx_catalog, dx_clean_run, tmp_path
):
    catalog_file, keys = dx_catalog
    clean_url = clean_sandbox.config("source-spectrum.data_exchange")["data_exchange"]["base_url"]
    with serve(private_data, faults="soap_fault:GetCustomers") as faulting:
        faulting_url = faulting.config("source-spectrum.data_exchange")["data_exchange"]["base_url"]
        front = SoapFaultBurst(clean_url, faulting_url, "GetCustomers", burst=3)
        try:
            config = clean_sandbox.config("source-spectrum.data_exchange")
            config["data_exchange"]["base_url"] = front.url
            run = read_spectrum(write_json(tmp_path / "front.json", config), catalog_file)
        finally:
            front.close()
    assert front.faulted == 3, "the burst never reached the source"
    assert_clean(run, keys, dx_clean_run)


def test_given_a_soap_fault_that_never_stops_when_source_spectrum_reads_then_the_error_names_the_service(
    private_data, dx_catalog, tmp_path
):
    catalog_file, _ = dx_catalog
    catalog = json.loads(catalog_file.read_text())
    catalog["streams"] = [s for s in catalog["streams"] if s["stream"]["name"] == "customers"]
    customers_only = write_json(tmp_path / "customers.json", catalog)
    with serve(private_data, faults="soap_fault:GetCustomers") as sandbox:
        run = read_spectrum(sandbox.data_dir / "configs" / DX_CONFIG, customers_only)
    assert run.returncode != 0 or run.trace_errors, "a permanent fault was not reported"
    messages = " | ".join(e["message"] for e in run.trace_errors)
    assert "GetCustomers answered with a SOAP Fault SOAP-ENV:Server" in messages, messages[:2000]
    assert "injected fault" in messages
    assert not run.records, "records emitted from a service that only ever answered with a Fault"


# ---------------------------------------------------------------------------------------------------------
# ODBC over PostgreSQL (psqlODBC) through a proxy that resets connections mid result set
# ---------------------------------------------------------------------------------------------------------


def _pg_parts() -> dict[str, str]:
    dsn = os.environ.get("TIEOUT_TEST_PG_DSN")
    if not dsn:
        pytest.skip("TIEOUT_TEST_PG_DSN is not set (scripts/test.sh starts a throwaway PostgreSQL)")
    return dict(part.split("=", 1) for part in dsn.split())


def _pg_admin(parts: dict[str, str], sql: str) -> None:
    import pyodbc  # only the harness's admin step; the source reaches PostgreSQL through its own ODBC

    conn = pyodbc.connect(
        f"Driver={{PostgreSQL Unicode}};Server={parts['host']};Port={parts['port']};Database={parts['dbname']};"
        f"Uid={parts['user']};Pwd={parts.get('password', '')}",
        autocommit=True,
        timeout=10,
    )
    try:
        conn.cursor().execute(sql)
    finally:
        conn.close()


@pytest.fixture(scope="module")
def pg_sandbox(generated, tmp_path_factory):
    """`serve --postgres-dsn` into a database of this module's own, dropped at the end."""
    parts = _pg_parts()
    database = f"tieout_it_spectrum_faults_{uuid.uuid4().hex[:8]}"
    _pg_admin(parts, f"CREATE DATABASE {database}")
    dsn = " ".join(f"{k}={v}" for k, v in {**parts, "dbname": database}.items())
    try:
        data = copy_data(generated, tmp_path_factory.mktemp("pg") / "data")
        with serve(data, extra_args=["--postgres-dsn", dsn]) as sandbox:
            yield sandbox
    finally:
        with suppress(Exception):
            _pg_admin(parts, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


@pytest.fixture(scope="module")
def pg_config(pg_sandbox):
    config = pg_sandbox.config("source-spectrum.postgres")
    assert "PostgreSQL" in config["odbc"]["connection_string"], config["odbc"]["connection_string"].split(";")[0]
    config["odbc"]["fetch_size"] = SQL_FETCH_SIZE
    return config


@pytest.fixture(scope="module")
def pg_catalog(pg_sandbox, tmp_path_factory):
    discovered = discover(
        executable("source-spectrum"), pg_sandbox.data_dir / "configs" / "source-spectrum.postgres.json"
    )
    path = write_json(
        tmp_path_factory.mktemp("pg-catalog") / "catalog.json", configured_catalog(discovered, SQL_STREAMS)
    )
    return path, primary_keys(discovered)


@pytest.fixture(scope="module")
def pg_clean_run(pg_config, pg_catalog, tmp_path_factory):
    catalog_file, keys = pg_catalog
    run = read_spectrum(write_json(tmp_path_factory.mktemp("pg-clean") / "config.json", pg_config), catalog_file)
    assert run.returncode == 0 and not run.trace_errors, run.output()[-3000:]
    clean = keyed(records_by_stream(run.records), keys)
    assert set(clean) == set(SQL_STREAMS) and all(clean.values()), {s: len(v) for s, v in clean.items()}
    return clean


@contextmanager
def through_proxy(config: dict, tmp_path: Path, *, after_bytes: int, drops: int, silent: bool = False):
    """The config with its ODBC connection string pointed at a DroppingProxy in front of PostgreSQL."""
    conn_str = config["odbc"]["connection_string"]
    parts = dict(p.split("=", 1) for p in conn_str.split(";") if "=" in p)
    host, port = parts["Server"], int(parts["Port"])
    proxy = DroppingProxy(host, port, after_bytes=after_bytes, drops=drops, silent=silent)
    proxied = json.loads(json.dumps(config))
    proxied["odbc"]["connection_string"] = conn_str.replace(f"Port={port};", f"Port={proxy.port};")
    assert proxied["odbc"]["connection_string"] != conn_str
    try:
        yield proxy, write_json(tmp_path / "proxied.json", proxied)
    finally:
        proxy.close()


@pytest.mark.parametrize("drops", [1, 2])
def test_given_the_odbc_connection_reset_mid_read_when_source_spectrum_reads_then_it_delivers_exactly_the_clean_records(
    drops, pg_config, pg_catalog, pg_clean_run, tmp_path
):
    catalog_file, keys = pg_catalog
    # 60 KB from the server is several 100-row fetches into the first big read: records are already out.
    with through_proxy(pg_config, tmp_path, after_bytes=60_000, drops=drops) as (proxy, config_file):
        run = read_spectrum(config_file, catalog_file)
    assert proxy.dropped == drops, f"the proxy reset {proxy.dropped} connections, wanted {drops}"
    assert_clean(run, keys, pg_clean_run)
    reconnects = [
        int(m.group(1))
        for log in run.of_type("LOG")
        if (m := re.search(r"connection dropped after (\d+) records; reconnecting", log["log"]["message"]))
    ]
    assert len(reconnects) == drops, [log["log"]["message"][:200] for log in run.of_type("LOG")]
    assert max(reconnects) > 0, "no drop landed after records were emitted: the skip on re-read went untested"


def test_given_an_odbc_connection_that_keeps_dropping_when_read_then_a_clear_error_names_the_host_not_a_hang(
    pg_config, pg_catalog, tmp_path
):
    catalog = json.loads(pg_catalog[0].read_text())
    catalog["streams"] = [s for s in catalog["streams"] if s["stream"]["name"] == "job_cost_transactions"]
    catalog_file = write_json(tmp_path / "one-stream.json", catalog)
    with through_proxy(pg_config, tmp_path, after_bytes=20_000, drops=1000) as (proxy, config_file):
        run = read_spectrum(config_file, catalog_file, timeout=120)
    assert run.returncode != 0 or run.trace_errors, "the read claimed success on a connection that kept dropping"
    errors = [e for e in run.trace_errors if "reconnects did not get the read through" in e["message"]]
    assert errors, [e["message"][:500] for e in run.trace_errors]
    message = errors[0]["message"]
    assert errors[0]["failure_type"] == "transient_error"
    assert "server '127.0.0.1'" in message and "check the network path" in message, message
    assert "3 reconnects" in message and "run the sync again" in message, message
    assert proxy.dropped == 4, "one read and 3 reconnects, each dropped"
    emitted = [json.dumps(r["data"], sort_keys=True) for r in run.records]
    assert len(emitted) == len(set(emitted)), "a record was emitted twice while the connection kept dropping"


def test_given_an_odbc_link_that_goes_silent_mid_read_when_read_then_it_gives_up_on_it_and_delivers_the_clean_records(
    pg_config, pg_catalog, pg_clean_run, tmp_path
):
    # No reset, no close: the driver would wait for ever. odbc.stall_timeout_seconds turns it into a lost read.
    catalog_file, keys = pg_catalog
    config = {**pg_config, "odbc": {**pg_config["odbc"], "stall_timeout_seconds": 5}}
    with through_proxy(config, tmp_path, after_bytes=60_000, drops=1, silent=True) as (proxy, config_file):
        run = read_spectrum(config_file, catalog_file, timeout=300)
    assert proxy.dropped == 1, "the link never went silent: the test proved nothing"
    assert_clean(run, keys, pg_clean_run)
    stalls = [
        log["log"]["message"]
        for log in run.of_type("LOG")
        if "reconnecting" in log["log"]["message"] and "sent nothing for 5 s" in log["log"]["message"]
    ]
    assert len(stalls) == 1, [log["log"]["message"][:300] for log in run.of_type("LOG")]
    assert "odbc.stall_timeout_seconds" in stalls[0]
