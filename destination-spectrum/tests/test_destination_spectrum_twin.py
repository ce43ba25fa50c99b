"""Both protocols against the sandbox's Spectrum twin (the `tieout-sandbox` CLI on free loopback ports).

What lands is read back from the twin's unposted entry batches (CR_INVOICE_ENTRY_*, VN_INVOICE_ENTRY_*) in its
SQLite database; verdicts are compared with the sandbox's truth.json. New invoices are cloned from BuildOps
invoices the twin already holds (so customer, job and mapping are real), renumbered and dated in the open
period, so every run has fresh work to post.
"""

from __future__ import annotations

import copy
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]
SANDBOX = ROOT / ".venv" / "bin" / "tieout-sandbox"
MAIN = ROOT / "destination-spectrum" / "main.py"
TARGET = ROOT / ".venv" / "bin" / "target-spectrum"
STREAMS = ("jobs", "vendors", "invoices", "purchase_orders")


class Twin:
    def __init__(self, base: Path, scale: float, latency_ms: int = 0):
        self.dir = base / "data"
        subprocess.run(
            [str(SANDBOX), "generate", "--out", str(self.dir), "--scale", str(scale)],
            check=True,
            capture_output=True,
            timeout=300,
        )
        self.proc = subprocess.Popen(
            [
                str(SANDBOX),
                "serve",
                "--data",
                str(self.dir),
                "--port",
                "0",
                "--spectrum-port",
                "0",
                "--latency-ms",
                str(latency_ms),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        config_path = self.dir / "configs" / "destination-spectrum.json"
        deadline = time.time() + 60
        while not (config_path.exists() and (self.dir / "sandbox.json").exists()):
            if time.time() > deadline or self.proc.poll() is not None:
                raise RuntimeError("tieout-sandbox serve did not start")
            time.sleep(0.2)
        self.config = json.loads(config_path.read_text())
        self.sqlite = self.dir / "spectrum" / "spectrum.sqlite"
        self.truth = json.loads((self.dir / "truth.json").read_text())
        self.as_of = self.truth["spectrum"]["as_of"]

    def records(self, stream: str) -> list[dict]:
        path = self.dir / "buildops" / f"{stream}.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def sql(self, query: str, params=()) -> list[tuple]:
        with sqlite3.connect(f"file:{self.sqlite}?mode=ro", uri=True) as con:
            return con.execute(query, params).fetchall()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)


@pytest.fixture(scope="module")
def twin(tmp_path_factory):
    started = Twin(tmp_path_factory.mktemp("twin"), scale=0.1)
    yield started
    started.stop()


def write_config(twin: Twin, tmp: Path, **extra) -> Path:
    config = {**twin.config, "ledger_path": str(tmp / "ledger.duckdb"), **extra}
    path = tmp / "config.json"
    path.write_text(json.dumps(config))
    return path


def airbyte_messages(records: list[tuple[str, dict]], state_every: int = 0) -> str:
    lines = []
    for i, (stream, data) in enumerate(records, start=1):
        lines.append({"type": "RECORD", "record": {"stream": stream, "data": data, "emitted_at": 0}})
        if state_every and i % state_every == 0:
            lines.append(
                {
                    "type": "STATE",
                    "state": {
                        "type": "STREAM",
                        "stream": {"stream_descriptor": {"name": stream}, "stream_state": {"position": i}},
                    },
                }
            )
    lines.append(
        {
            "type": "STATE",
            "state": {
                "type": "STREAM",
                "stream": {"stream_descriptor": {"name": "invoices"}, "stream_state": {"position": "end"}},
            },
        }
    )
    return "\n".join(json.dumps(x) for x in lines) + "\n"


def write_catalog(tmp: Path) -> Path:
    """The configured catalog of the streams these tests send (a record of any other stream stops a write)."""
    catalog = tmp / "catalog.json"
    catalog.write_text(
        json.dumps(
            {
                "streams": [
                    {
                        "stream": {"name": s, "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
                        "sync_mode": "full_refresh",
                        "destination_sync_mode": "append",
                    }
                    for s in STREAMS
                ]
            }
        )
    )
    return catalog


def run_airbyte(config: Path, tmp: Path, messages: str, timeout: int = 240) -> list[dict]:
    catalog = write_catalog(tmp)
    done = subprocess.run(
        [sys.executable, str(MAIN), "write", "--config", str(config), "--catalog", str(catalog)],
        input=messages,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    out = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert done.returncode == 0, [m for m in out if m["type"] in ("TRACE", "LOG")][-3:]
    return out


def ledger(tmp: Path, query: str) -> list[tuple]:
    with duckdb.connect(str(tmp / "ledger.duckdb"), read_only=True) as con:
        return con.execute(query).fetchall()


def clean_templates(twin: Twin, tmp: Path) -> list[dict]:
    """Invoices the twin already holds (every gate passes), on jobs still open in Spectrum (a dry run says so)."""
    from destination_spectrum.config import DestinationSpectrumConfig
    from destination_spectrum.session import PostingSession

    config = DestinationSpectrumConfig.parse({**twin.config, "ledger_path": str(tmp / "dry.duckdb"), "dry_run": True})
    session = PostingSession(config)
    try:
        for stream in STREAMS:
            for record in twin.records(stream):
                session.add(stream, record)
        report = session.flush()
    finally:
        session.close()
    found = {p["source_key"] for p in report.would_post if "found in Spectrum" in p.get("reason", "")}
    open_jobs = {j.strip() for (j,) in twin.sql("SELECT Job_Number FROM JC_JOB_MASTER_MC WHERE Status_Code = 'A'")}
    return [inv for inv in twin.records("invoices") if inv["id"] in found and inv["jobNumber"] in open_jobs]


def clone(invoice: dict, number: str, day: str, **changes) -> dict:
    new = copy.deepcopy(invoice)
    new.update(id=str(uuid.uuid4()), invoiceNumber=number, status="Posted", payments=[], **changes)
    new["issuedDate"] = f"{day}T16:00:00Z"
    return new


@pytest.fixture(scope="module")
def work(twin, tmp_path_factory):
    """Fresh invoices to post: detail ones, a day of service tickets on one job, and three Spectrum will refuse."""
    tmp = tmp_path_factory.mktemp("templates")
    templates = clean_templates(twin, tmp)
    jobs = {j["id"]: j for j in twin.records("jobs")}
    policy_modes = {"Preventive Maintenance", "Fire Inspection"}
    detail = [t for t in templates if jobs[t["jobId"]]["jobTypeName"] not in policy_modes]
    summary = [t for t in templates if jobs[t["jobId"]]["jobTypeName"] in policy_modes]
    assert len(detail) >= 4 and summary, "the sandbox should hold postable service invoices"
    return {"detail": detail, "summary": summary[0], "jobs": jobs}


def base_records(twin: Twin, invoices: list[dict] | None = None) -> list[tuple[str, dict]]:
    """The jobs (and vendors) the invoices need, as an incremental sync would send them."""
    wanted = None if invoices is None else {x["jobId"] for x in invoices}
    return [("jobs", j) for j in twin.records("jobs") if wanted is None or j["id"] in wanted] + [
        ("vendors", v) for v in twin.records("vendors")
    ]


def entry_counts(twin: Twin, numbers: list[str]) -> dict[str, int]:
    marks = ",".join("?" for _ in numbers)
    rows = twin.sql(
        f"SELECT Invoice_Or_Transaction, COUNT(*) FROM CR_INVOICE_ENTRY_HEADER_MC "
        f"WHERE Invoice_Or_Transaction IN ({marks}) GROUP BY 1",
        numbers,
    )
    return dict(rows)


def test_given_new_invoices_when_airbyte_write_runs_twice_then_each_lands_once_and_refusals_are_rejected(
    twin, work, tmp_path
):
    day = twin.as_of
    good = [clone(t, f"7{i:05d}", day) for i, t in enumerate(work["detail"][:3])]
    ticket = work["summary"]
    tickets = [clone(ticket, f"71{i:04d}", day) for i in range(4)]
    companies = dict(twin.sql("SELECT TRIM(Job_Number), Company_Code FROM JC_JOB_MASTER_MC"))
    template = next(t for t in work["detail"][3:] if companies[t["jobNumber"]] == "MEC")
    job_type = work["jobs"][template["jobId"]]["jobTypeName"]
    closed = {
        j
        for (j,) in twin.sql(
            "SELECT TRIM(Job_Number) FROM JC_JOB_MASTER_MC WHERE Company_Code = 'MEC' AND Status_Code = 'C'"
        )
    }
    closed_job = next(j for j in work["jobs"].values() if j["jobNumber"] in closed and j["jobTypeName"] == job_type)
    crosswalk = Path(twin.config["customer_crosswalk_path"]).read_text()
    custom = tmp_path / "crosswalk.csv"
    custom.write_text(crosswalk + "ghost-customer,MEC,NOSUCH\nlong-customer,MEC,WAYTOOLONGCODE\n")
    refused = {
        "unknown_customer": clone(
            template,
            "720001",
            day,
            billingCustomerId="ghost-customer",
            customerId="ghost-customer",
            customerName="Ghost Co",
        ),
        "overlong_field": clone(
            template,
            "720002",
            day,
            billingCustomerId="long-customer",
            customerId="long-customer",
            customerName="Long Co",
        ),
        "closed_job": clone(template, "720003", day, jobId=closed_job["id"], jobNumber=closed_job["jobNumber"]),
    }
    malformed = {**clone(template, "720004", day), "issuedDate": "yesterday-ish"}
    invoices = [*good, *tickets, *refused.values(), malformed]
    records = base_records(twin, invoices) + [("invoices", x) for x in invoices]
    config = write_config(twin, tmp_path, customer_crosswalk_path=str(custom))

    out = run_airbyte(config, tmp_path, airbyte_messages(records, state_every=500))

    numbers = [g["invoiceNumber"] for g in good]
    assert entry_counts(twin, numbers) == dict.fromkeys(numbers, 1)
    lines = twin.sql("SELECT COUNT(*) FROM CR_INVOICE_ENTRY_DETAIL_MC WHERE Invoice_Or_Transaction = ?", [numbers[0]])[
        0
    ][0]
    assert lines == len(good[0]["invoiceItems"]) - sum(1 for x in good[0]["invoiceItems"] if x["amount"] < 0)
    summary_docs = ledger(
        tmp_path,
        "SELECT DISTINCT spectrum_document FROM tieout_ledger.postings "
        "WHERE posting_mode = 'daily_summary' AND state = 'posted'",
    )
    assert len(summary_docs) == 1
    (summary_number,) = summary_docs[0]
    assert entry_counts(twin, [summary_number]) == {summary_number: 1}
    total = twin.sql(
        "SELECT Invoice_Extension + Sales_Tax_Amount FROM CR_INVOICE_ENTRY_HEADER_MC WHERE Invoice_Or_Transaction = ?",
        [summary_number],
    )[0][0]
    assert float(total) == pytest.approx(4 * float(ticket["totalAmount"]), abs=0.05)
    assert ledger(
        tmp_path, f"SELECT COUNT(*) FROM tieout_ledger.posting_lines WHERE spectrum_document = '{summary_number}'"
    )[0][0] == 4 * len(ticket["invoiceItems"])
    reasons = dict(
        ledger(
            tmp_path, "SELECT source_key, state || ': ' || reason FROM tieout_ledger.postings WHERE state <> 'posted'"
        )
    )
    assert "Customer_Code 'NOSUCH' is not on file" in reasons[refused["unknown_customer"]["id"]]
    assert "longer than 10 characters" in reasons[refused["overlong_field"]["id"]]
    assert "closed (Status_Code C)" in reasons[refused["closed_job"]["id"]]
    assert "field 'issuedDate'" in reasons[malformed["id"]]
    assert entry_counts(twin, ["720001", "720002", "720003", "720004"]) == {}
    assert [m for m in out if m["type"] == "STATE"][-1]["state"]["stream"]["stream_state"] == {"position": "end"}

    again = run_airbyte(config, tmp_path, airbyte_messages(records))
    assert entry_counts(twin, [*numbers, summary_number]) == dict.fromkeys([*numbers, summary_number], 1)
    summary_log = [m["log"]["message"] for m in again if m["type"] == "LOG" and "run " in m["log"]["message"]]
    # Posted records are skipped; refused ones are tried again (Spectrum may have been fixed), none doubles.
    assert "already posted earlier 7" in summary_log[-1] and "documents posted: none" in summary_log[-1]


def test_given_new_invoices_when_the_singer_target_runs_then_they_land_and_state_is_written_last(twin, work, tmp_path):
    good = [clone(t, f"73{i:04d}", twin.as_of) for i, t in enumerate(work["detail"][:2])]
    lines = [
        {"type": "SCHEMA", "stream": s, "schema": {"type": "object", "properties": {}}, "key_properties": ["id"]}
        for s in STREAMS
    ]
    lines += [{"type": "RECORD", "stream": s, "record": r} for s, r in base_records(twin, good)]
    lines += [{"type": "RECORD", "stream": "invoices", "record": r} for r in good]
    lines.append({"type": "STATE", "value": {"bookmarks": {"invoices": {"done": True}}}})
    config = write_config(twin, tmp_path)
    done = subprocess.run(
        [str(TARGET), "--config", str(config)],
        input="\n".join(map(json.dumps, lines)) + "\n",
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"bookmarks": {"invoices": {"done": True}}}
    numbers = [g["invoiceNumber"] for g in good]
    assert entry_counts(twin, numbers) == dict.fromkeys(numbers, 1)


def test_given_the_whole_sandbox_when_posted_then_holds_match_truth(twin, tmp_path):
    records = base_records(twin) + [(s, r) for s in ("invoices", "purchase_orders") for r in twin.records(s)]
    config = write_config(twin, tmp_path)
    run_airbyte(config, tmp_path, airbyte_messages(records))
    anomalies = twin.truth["anomalies"]
    lapsed = {a["keys"]["buildops_purchase_order_id"] for a in anomalies if a["type"] == "compliance_lapsed_assignment"}
    on_hold = {
        k for (k,) in ledger(tmp_path, "SELECT source_key FROM tieout_ledger.postings WHERE reason LIKE '%Status H%'")
    }
    assert lapsed and on_hold == lapsed
    held_status = twin.sql(
        "SELECT Vendor_Code, Invoice_Number, Status FROM VN_INVOICE_ENTRY_HEADER_MC WHERE Status = 'H'"
    )
    assert held_status, "compliance holds land in Spectrum with Status H"

    def ids(kinds):
        return {i for a in anomalies if a["type"] in kinds for i in a.get("buildops_invoice_ids") or []}

    routing = {
        k
        for (k,) in ledger(
            tmp_path, "SELECT source_key FROM tieout_ledger.postings WHERE state = 'held' AND reason LIKE 'routing:%'"
        )
    }
    assert ids({"routing_ambiguous"}) <= routing
    mapping = {
        k
        for (k,) in ledger(
            tmp_path,
            "SELECT source_key FROM tieout_ledger.postings "
            "WHERE state = 'held' AND reason LIKE '%mapping: held whole%'",
        )
    }
    assert mapping == ids({"unmapped_pricebook_item", "mapping_to_missing_phase"})
    states = dict(ledger(tmp_path, "SELECT state, COUNT(*) FROM tieout_ledger.postings GROUP BY 1"))
    assert sum(states.values()) == len(records) - len(base_records(twin))  # every record: exactly one state


@pytest.fixture
def slow_twin(tmp_path_factory):
    started = Twin(tmp_path_factory.mktemp("slow"), scale=0.1, latency_ms=60)
    yield started
    started.stop()


def test_given_a_sync_killed_mid_write_when_restarted_then_each_invoice_lands_exactly_once(slow_twin, work, tmp_path):
    twin = slow_twin  # generated with the same seed and scale as `twin`: the same BuildOps ids
    invoices = [clone(work["detail"][i % len(work["detail"])], f"74{i:04d}", twin.as_of) for i in range(40)]
    numbers = [x["invoiceNumber"] for x in invoices]
    config = write_config(twin, tmp_path, flush_every=5)
    messages = airbyte_messages(base_records(twin, invoices) + [("invoices", x) for x in invoices])
    catalog = write_catalog(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, str(MAIN), "write", "--config", str(config), "--catalog", str(catalog)],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    proc.stdin.write(messages)
    proc.stdin.close()
    deadline = time.time() + 120
    while sum(entry_counts(twin, numbers).values()) < 8:
        assert time.time() < deadline and proc.poll() is None, "the write should still be posting"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=20)
    landed = sum(entry_counts(twin, numbers).values())
    assert 8 <= landed < len(numbers)

    run_airbyte(config, tmp_path, messages)

    assert entry_counts(twin, numbers) == dict.fromkeys(numbers, 1)
    assert ledger(
        tmp_path,
        "SELECT COUNT(*), COUNT(DISTINCT spectrum_document) FROM tieout_ledger.postings "
        "WHERE state = 'posted' AND source_stream = 'invoices'",
    ) == [(40, 40)]
    assert ledger(tmp_path, "SELECT COUNT(*) FROM tieout_ledger.pending_documents") == [(0,)]
