"""Records BuildOps sends without an id, through the real executables against the scripted API: each is
skipped with a warning naming the stream, tenant, page and position, the stream ends with a count, and every
other record arrives."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from buildops_fake import CLIENT_SECRET, TENANT, make_config, running_fake, sample_data

VENV_BIN = Path(sys.executable).parent


def _catalog(*streams: str) -> dict:
    return {
        "streams": [
            {
                "stream": {"name": name, "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
                "sync_mode": "full_refresh",
                "destination_sync_mode": "overwrite",
            }
            for name in streams
        ]
    }


def _read(tmp_path: Path, base_url: str, *streams: str) -> tuple[list[dict], subprocess.CompletedProcess]:
    (tmp_path / "config.json").write_text(json.dumps(make_config(base_url)))
    (tmp_path / "catalog.json").write_text(json.dumps(_catalog(*streams)))
    done = subprocess.run(
        [
            str(VENV_BIN / "source-buildops"),
            "read",
            "--config",
            str(tmp_path / "config.json"),
            "--catalog",
            str(tmp_path / "catalog.json"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in done.stderr and CLIENT_SECRET not in done.stdout + done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")], done


def _warnings(messages: list[dict]) -> list[str]:
    return [m["log"]["message"] for m in messages if m["type"] == "LOG" and m["log"]["level"] == "WARN"]


def _records(messages: list[dict], stream: str) -> list[dict]:
    return [m["record"]["data"] for m in messages if m["type"] == "RECORD" and m["record"]["stream"] == stream]


def test_given_records_without_an_id_when_read_then_each_is_skipped_with_its_place_and_the_rest_arrive(tmp_path):
    data = sample_data()
    del data["jobs"][7]["id"]  # page_size 5: page 1, record 3
    data["jobs"][9]["id"] = None  # page 1, record 5
    del data["invoices"][2]["invoiceItems"][1]["id"]
    with running_fake(data) as fake:
        messages, done = _read(tmp_path, fake.base_url, "jobs", "invoices", "invoice_items")
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(r["id"] for r in _records(messages, "jobs")) == sorted(
        f"jobs-{i:03d}" for i in range(12) if i not in (7, 9)
    )
    assert len(_records(messages, "invoices")) == 12
    assert len(_records(messages, "invoice_items")) == 23
    warnings = _warnings(messages)
    assert (
        f"Stream jobs: skipped a record without an id (tenant {TENANT}, page 1, record 3): it cannot be "
        "deduplicated or tracked, so it is not emitted; ask BuildOps support about that record"
    ) in warnings
    assert (
        f"Stream jobs: 2 record(s) without an id were skipped and not emitted (tenant {TENANT}, page 1, record 3; "
        f"tenant {TENANT}, page 1, record 5)"
    ) in warnings
    assert (
        f"Stream invoice_items: 1 record(s) without an id were skipped and not emitted (tenant {TENANT}, "
        "invoiceItems of invoice invoices-002, record 2)"
    ) in warnings
    assert not any("Stream invoices:" in w for w in warnings), warnings


def test_given_an_invoice_header_without_an_id_when_the_three_invoice_streams_read_then_it_is_reported_once(
    tmp_path,
):
    data = sample_data()
    del data["invoices"][5]["id"]  # page 1, record 1; its detail cannot be asked for
    with running_fake(data) as fake:
        messages, done = _read(tmp_path, fake.base_url, "invoices", "invoice_items", "invoice_payments")
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(_records(messages, "invoices")) == 11
    assert len(_records(messages, "invoice_items")) == 22
    summaries = [w for w in _warnings(messages) if "were skipped" in w]
    assert summaries == [
        f"Stream invoices: 1 record(s) without an id were skipped and not emitted (tenant {TENANT}, page 1, record 1)"
    ]
