"""Faults a real network and real servers throw, against `tieout-sandbox serve --faults ...`.

The bar is the same for every fault: the sync delivers exactly the records of a clean run (same primary
keys, same content). A source SIGKILLed mid-sync and restarted from its last emitted STATE misses nothing;
duplicates are allowed only where delivery is at-least-once, and disappear once deduplicated by primary key.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest
from tieout_it import (
    configured_catalog,
    copy_data,
    discover,
    executable,
    generate,
    keyed,
    parse_lines,
    primary_keys,
    records_by_stream,
    run_cli,
    serve,
    write_json,
)

# Streams with every response shape the twin serves ({items}, {departments}, 1-based pages) and the invoice
# detail fan-out (invoice_items: one /v1/invoices/{id} call per invoice, concurrent).
BUILDOPS_STREAMS = ["customers", "jobs", "invoices", "invoice_items", "departments", "job_types"]
FAULT_SCALE = 0.01

BUILDOPS_FAULTS = {
    "429 with Retry-After": ("429:0.06,seed=11", ()),
    "bursts of 5xx": ("5xx:0.04,burst=3,seed=12", ()),
    "connection resets": ("reset:0.06,seed=13", ()),
    # Tokens really expire during the sync (a 3 s lifetime, honest expires_in): refresh before expiry.
    "tokens expiring mid-sync": ("", ("--token-ttl", "3", "--latency-ms", "15")),
    "slow pages past the read timeout": ("slow:0.05,slow_ms=2500,seed=15", ()),
    "everything at once": ("429:0.03,5xx:0.03,reset:0.03,slow:0.03,slow_ms=2500,seed=16", ()),
}
# What a user would set against a flaky network: quicker first retry, a read timeout below the slow pages.
FAULT_TOLERANT_SETTINGS = {"retry_backoff_seconds": 0.2, "request_timeout_seconds": 1.5}


def read_source(connector: str, config_file, catalog_file, state_file=None, timeout=600):
    args = [executable(connector), "read", "--config", str(config_file), "--catalog", str(catalog_file)]
    if state_file:
        args += ["--state", str(state_file)]
    return run_cli(args, timeout=timeout)


@pytest.fixture(scope="module")
def small_data(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("faults") / "data", scale=FAULT_SCALE)


@pytest.fixture(scope="module")
def small_sandbox(small_data, tmp_path_factory):
    with serve(copy_data(small_data, tmp_path_factory.mktemp("faults-clean") / "data")) as sandbox:
        yield sandbox


@pytest.fixture
def small_copy(small_data, tmp_path):
    return copy_data(small_data, tmp_path / "data")


def tolerant_config(sandbox, tmp_path):
    return write_json(tmp_path / "tolerant.json", {**sandbox.config("source-buildops"), **FAULT_TOLERANT_SETTINGS})


@pytest.fixture(scope="module")
def buildops_catalog(small_sandbox, tmp_path_factory):
    discovered = discover(executable("source-buildops"), small_sandbox.config_file("source-buildops"))
    names = {s["name"] for s in discovered["streams"]}
    catalog = configured_catalog(discovered, [s for s in BUILDOPS_STREAMS if s in names])
    path = write_json(tmp_path_factory.mktemp("catalog") / "buildops_catalog.json", catalog)
    return path, primary_keys(discovered)


@pytest.fixture(scope="module")
def buildops_clean_run(small_sandbox, buildops_catalog):
    catalog_file, keys = buildops_catalog
    run = read_source("source-buildops", small_sandbox.config_file("source-buildops"), catalog_file)
    assert run.returncode == 0 and not run.trace_errors, run.output()[-3000:]
    return keyed(records_by_stream(run.records), keys)


@pytest.mark.parametrize("fault", sorted(BUILDOPS_FAULTS))
def test_given_buildops_faults_when_source_buildops_reads_then_it_delivers_exactly_the_clean_records(
    fault, small_copy, buildops_catalog, buildops_clean_run, tmp_path
):
    catalog_file, keys = buildops_catalog
    faults, extra_args = BUILDOPS_FAULTS[fault]
    with serve(small_copy, faults=faults or None, extra_args=extra_args) as sandbox:
        run = read_source("source-buildops", tolerant_config(sandbox, tmp_path), catalog_file)
    assert run.returncode == 0 and not run.trace_errors, run.output()[-3000:]
    got = keyed(records_by_stream(run.records), keys)
    assert {s: set(v) for s, v in got.items()} == {s: set(v) for s, v in buildops_clean_run.items()}
    assert got == buildops_clean_run, "same keys but different content"


def test_given_tokens_revoked_while_concurrent_requests_are_in_flight_when_read_then_the_sync_still_completes(
    small_copy, buildops_catalog, buildops_clean_run, tmp_path
):
    catalog_file, keys = buildops_catalog
    with serve(small_copy, faults="expire:0.2,seed=14") as sandbox:
        run = read_source("source-buildops", tolerant_config(sandbox, tmp_path), catalog_file)
    assert run.returncode == 0 and not run.trace_errors, [e["message"][:300] for e in run.trace_errors]
    assert keyed(records_by_stream(run.records), keys) == buildops_clean_run


def test_given_a_source_sigkilled_mid_sync_when_restarted_from_its_last_state_then_nothing_is_missed(
    small_copy, buildops_catalog, buildops_clean_run, tmp_path
):
    catalog_file, keys = buildops_catalog
    with serve(small_copy, latency_ms=20) as sandbox:
        config_file = sandbox.config_file("source-buildops")
        args = [executable("source-buildops"), "read", "--config", str(config_file), "--catalog", str(catalog_file)]
        first_lines, states = _run_until_killed(args, min_records=300, min_states=2)
        first = parse_lines("\n".join(first_lines))
        assert states, "no STATE before the kill: the source does not checkpoint mid-sync"
        state_file = write_json(tmp_path / "state.json", _latest_state_per_stream(states))
        resumed = read_source("source-buildops", config_file, catalog_file, state_file)
    assert resumed.returncode == 0 and not resumed.trace_errors, resumed.output()[-3000:]
    first_records = [m["record"] for m in first if m.get("type") == "RECORD"]
    combined = keyed(records_by_stream(first_records + resumed.records), keys)
    missing = {s: len(set(v) - set(combined.get(s, {}))) for s, v in buildops_clean_run.items()}
    assert not any(missing.values()), f"records lost across the kill: {missing}"
    assert combined == buildops_clean_run
    # The resumed run must not start over: it re-reads at most what was after the last checkpoint.
    assert len(resumed.records) < sum(len(v) for v in buildops_clean_run.values())


def _run_until_killed(args, *, min_records: int, min_states: int, timeout_s: float = 300):
    """Runs a connector, reading its stdout, and SIGKILLs it once it has emitted enough records and states."""
    process = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True
    )
    lines, states, records = [], [], 0
    deadline = time.monotonic() + timeout_s
    try:
        for line in process.stdout:
            lines.append(line)
            if line.startswith('{"type": "RECORD"') or line.startswith('{"type":"RECORD"'):
                records += 1
            elif '"STATE"' in line[:40]:
                states.append(json.loads(line)["state"])
            if (records >= min_records and len(states) >= min_states) or time.monotonic() > deadline:
                os.killpg(process.pid, signal.SIGKILL)
                break
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "the sync finished before it could be killed; slow it down"
    return lines, states


def _latest_state_per_stream(states):
    latest = {}
    for state in states:
        if state.get("type") == "STREAM":
            latest[json.dumps(state["stream"]["stream_descriptor"], sort_keys=True)] = state
        else:
            latest[state.get("type", "LEGACY")] = state
    return list(latest.values())
