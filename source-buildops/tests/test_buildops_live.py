"""Against the twin (`tieout-sandbox serve` on a free loopback port): counts equal the generated data,
a second incremental run returns only what changed, injected faults change nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import requests
from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder, ConfiguredAirbyteStreamBuilder
from airbyte_cdk.test.entrypoint_wrapper import read
from airbyte_cdk.test.state_builder import StateBuilder
from sandbox_fixture import serve
from source_buildops.source import CONNECTOR
from source_buildops.streams import STREAM_NAMES
from tieout_core import DeclaredSource

pytestmark = pytest.mark.live

# Streams with a file of their own (invoice rows, contacts by the other path and projects are counted below).
DERIVED = ("invoice_items", "invoice_payments", "customer_contacts", "projects")
LIST_STREAMS = [s for s in STREAM_NAMES if s not in DERIVED]


def catalog(streams):
    builder = CatalogBuilder()
    for name in streams:
        builder.with_stream(ConfiguredAirbyteStreamBuilder().with_name(name).with_sync_mode(SyncMode.incremental))
    return builder.build()


def run(config, streams=STREAM_NAMES, state=None):
    output = read(DeclaredSource(CONNECTOR), config, catalog(streams), state)
    assert not output.errors, [e.trace.error.message for e in output.errors]
    return output


def expected_counts(sandbox, tenant=None) -> dict[str, int]:
    counts = {name: len(sandbox.resource_lines(name, tenant)) for name in LIST_STREAMS}
    invoices = sandbox.resource_lines("invoices", tenant)
    counts["invoice_items"] = sum(len(i.get("invoiceItems") or []) for i in invoices)
    counts["invoice_payments"] = sum(len(i.get("payments") or []) for i in invoices)
    counts["customer_contacts"] = counts["customer_representatives"]  # the same contacts by the other path
    counts["projects"] = len({i["projectId"] for i in invoices if i.get("projectId")})
    return {name: n for name, n in counts.items() if n}


def final_state(output, streams) -> list:
    builder = StateBuilder()
    for stream in streams:
        last = [m for m in output.state_messages if m.state.stream.stream_descriptor.name == stream][-1]
        builder.with_stream_state(stream, last.state.stream.stream_state.__dict__)
    return builder.build()


def test_given_the_twin_when_reading_every_stream_then_counts_equal_the_generated_data(sandbox):
    output = run(sandbox.config)
    got = Counter(m.record.stream for m in output.records)
    assert dict(got) == expected_counts(sandbox)
    main_tenant = sandbox.info["buildops"]["main_tenant_id"]
    assert {m.record.data["tenantId"] for m in output.records} == {main_tenant}
    assert got["property_representatives"] > 0  # the site contacts stream is populated, not trivially equal


def test_given_the_twin_when_reading_property_representatives_then_each_row_is_the_generated_contact(sandbox):
    output = run(sandbox.config, ["property_representatives"])
    got = {m.record.data["id"]: m.record.data for m in output.records}
    generated = {r["id"]: r for r in sandbox.resource_lines("property_representatives")}
    assert set(got) == set(generated)
    fields = ("propertyId", "customerId", "firstName", "lastName")
    assert all({f: got[i][f] for f in fields} == {f: r[f] for f in fields} for i, r in generated.items())


def test_given_two_tenants_when_reading_then_each_tenant_gets_its_own_records(sandbox):
    tenants = sandbox.multi_tenant_config["tenant_ids"]
    assert len(tenants) == 2
    streams = ["jobs", "invoices", "invoice_items", "customer_representatives", "property_representatives"]
    output = run(sandbox.multi_tenant_config, streams)
    got = Counter((m.record.stream, m.record.data["tenantId"]) for m in output.records)
    for tenant in tenants:
        expected = expected_counts(sandbox, tenant)
        assert {s: got[(s, tenant)] for s in streams} == {s: expected[s] for s in streams}


def rewrite(path: Path, lines: list[dict]) -> None:
    """Replace a jsonl file atomically, as a data refresh would (the twin re-reads edited files)."""
    tmp = path.with_suffix(".jsonl.tmp")
    tmp.write_text("".join(json.dumps(line) + "\n" for line in lines))
    os.replace(tmp, path)


def test_given_a_finished_sync_when_records_change_then_the_next_sync_returns_only_the_changes(private_sandbox):
    streams = ["jobs", "invoices", "invoice_items", "customers", "timesheets"]
    first = run(private_sandbox.config, streams)
    state = final_state(first, streams)

    now_ms = int(time.time() * 1000)
    folder = private_sandbox.data_dir / "buildops"
    jobs = private_sandbox.resource_lines("jobs")
    jobs[3]["audit"]["lastUpdatedDateTime"] = now_ms
    jobs[3]["status"] = "On Hold"
    rewrite(folder / "jobs.jsonl", jobs)
    invoices = private_sandbox.resource_lines("invoices")
    invoices[5]["audit"]["lastUpdatedDateTime"] = now_ms
    invoices[5]["audit"]["deletedDateTime"] = now_ms  # a soft delete is a change too
    rewrite(folder / "invoices.jsonl", invoices)
    customers = private_sandbox.resource_lines("customers")
    newcomer = {**customers[0], "id": "0b1c2d3e-0000-4000-8000-00000000abcd", "name": "New Customer LLC"}
    newcomer["audit"] = {**customers[0]["audit"], "createdDateTime": now_ms, "lastUpdatedDateTime": now_ms}
    rewrite(folder / "customers.jsonl", [*customers, newcomer])

    second = run(private_sandbox.config, streams, state=state)
    got = {s: sorted(m.record.data["id"] for m in second.records if m.record.stream == s) for s in streams}
    assert got == {
        "jobs": [jobs[3]["id"]],
        "invoices": [invoices[5]["id"]],
        "invoice_items": sorted(item["id"] for item in invoices[5]["invoiceItems"]),
        "customers": [newcomer["id"]],
        "timesheets": [],
    }
    deleted = next(m.record.data for m in second.records if m.record.stream == "invoices")
    assert deleted["audit"]["deletedDateTime"].endswith("Z")

    third = run(private_sandbox.config, streams, state=final_state(second, streams))
    assert third.records == []


def test_given_injected_faults_when_reading_then_the_records_are_the_same(sandbox, sandbox_data, tmp_path):
    import shutil

    streams = ["jobs", "invoices", "invoice_items", "customers", "customer_representatives"]
    clean = run(sandbox.config, streams)
    data = tmp_path / "faulty"
    shutil.copytree(sandbox_data, data, ignore=shutil.ignore_patterns("sandbox.json", "configs"))
    faults = "429:0.005,5xx:0.05,reset:0.03,expire:0.02,slow:0.01,slow_ms=300,seed=11"
    with serve(data, "--faults", faults) as faulty:
        noisy = run(faulty.config, streams)
        injected = requests.get(f"{faulty.base_url}/_sandbox/stats", timeout=10).json()["faults"]
    assert {kind for kind, count in injected.items() if count} >= {"429", "5xx", "reset", "expire"}

    def by_stream(output):
        return {
            s: sorted(json.dumps(m.record.data, sort_keys=True) for m in output.records if m.record.stream == s)
            for s in streams
        }

    assert by_stream(noisy) == by_stream(clean)


def test_given_the_twin_when_running_the_singer_tap_then_counts_equal_the_generated_data(sandbox, tmp_path):
    config_path = tmp_path / "tap-config.json"
    config_path.write_text(json.dumps(sandbox.config))
    done = subprocess.run(
        [str(Path(sys.executable).parent / "tap-buildops"), "--config", str(config_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    messages = [json.loads(line) for line in done.stdout.splitlines()]
    got = Counter(m["stream"] for m in messages if m["type"] == "RECORD")
    assert dict(got) == expected_counts(sandbox)
    state = [m for m in messages if m["type"] == "STATE"][-1]["value"]
    assert set(state["bookmarks"]) == set(STREAM_NAMES)
