"""destination-spectrum posting benchmark: a day of service tickets in detail vs daily_summary mode.

    .venv/bin/python benchmarks/destination_spectrum/bench.py [--tickets 10000] [--results FILE]

1. `tieout-sandbox generate` twice (same seed) and `serve` each on free ports: one Spectrum twin per mode, so
   neither run finds the other's documents.
2. Tickets: `--tickets` BuildOps service invoices dated the twin's as-of day, cloned from invoices every gate
   passes (found by a dry run), spread over the open service jobs they came from.
3. Contenders, each `python destination-spectrum/main.py write` as its own process:
   - detail         one AR invoice per ticket (what a per-invoice integration, BuildOps' own included, lands);
   - daily_summary  one AR invoice per company x customer x job x day, every ticket line in the ledger;
   - floor          the bare spectrum_client loop posting the same detail documents with no gates, no ledger,
                    no exactly-once checks (what posting itself costs over REST).
Reported: wall seconds, tickets/s, Spectrum calls per ticket, documents landing in the twin's unposted batch,
and the target: summary lands <= 1 document per company x customer x job x day and >= 50x fewer documents than
detail, with every ticket traceable in the ledger.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

import duckdb
import yaml

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
SANDBOX = str(ROOT / ".venv" / "bin" / "tieout-sandbox")
MAIN = str(ROOT / "destination-spectrum" / "main.py")
SUMMARY_TYPES = ("Preventive Maintenance", "Fire Inspection")


def start_twin(base: Path, scale: float) -> tuple[subprocess.Popen, Path, dict]:
    data = base / "data"
    subprocess.run([SANDBOX, "generate", "--out", str(data), "--scale", str(scale)], check=True, capture_output=True)
    proc = subprocess.Popen(
        [SANDBOX, "serve", "--data", str(data), "--port", "0", "--spectrum-port", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    config = data / "configs" / "destination-spectrum.json"
    deadline = time.time() + 60
    while not config.exists():
        if time.time() > deadline:
            raise SystemExit("tieout-sandbox serve did not start")
        time.sleep(0.2)
    return proc, data, json.loads(config.read_text())


def records(data: Path, stream: str) -> list[dict]:
    return [json.loads(x) for x in (data / "buildops" / f"{stream}.jsonl").read_text().splitlines() if x]


def templates(data: Path, config: dict, work: Path) -> list[dict]:
    sys.path.insert(0, str(ROOT / "destination-spectrum"))
    from destination_spectrum.config import DestinationSpectrumConfig
    from destination_spectrum.session import PostingSession

    session = PostingSession(
        DestinationSpectrumConfig.parse({**config, "ledger_path": str(work / "dry.duckdb"), "dry_run": True})
    )
    for stream in ("jobs", "invoices"):
        for record in records(data, stream):
            session.add(stream, record)
    report = session.flush()
    session.close()
    found = {p["source_key"] for p in report.would_post if "found in Spectrum" in p.get("reason", "")}
    with sqlite3.connect(data / "spectrum" / "spectrum.sqlite") as con:
        open_jobs = {
            j.strip() for (j,) in con.execute("SELECT Job_Number FROM JC_JOB_MASTER_MC WHERE Status_Code = 'A'")
        }
    jobs = {j["id"]: j for j in records(data, "jobs")}
    return [
        i
        for i in records(data, "invoices")
        if i["id"] in found
        and i["jobNumber"] in open_jobs
        and jobs[i["jobId"]]["jobTypeName"] not in ("Construction Project", "Tenant Improvement")
    ]


def tickets(pool: list[dict], count: int, day: str) -> list[dict]:
    out = []
    for i in range(count):
        ticket = copy.deepcopy(pool[i % len(pool)])
        ticket.update(
            id=str(uuid.uuid4()), invoiceNumber=f"8{i:07d}", status="Posted", payments=[], issuedDate=f"{day}T15:00:00Z"
        )
        out.append(ticket)
    return out


def write_inputs(work: Path, data: Path, config: dict, batch: list[dict], mode: str) -> tuple[Path, Path, Path]:
    policy = yaml.safe_load((data / "policy.yml").read_text())
    job_types = {j["jobTypeName"] for j in records(data, "jobs")}
    policy["posting"]["modes"] = {t: mode for t in job_types if t not in policy["routing"]["progress_billed_job_types"]}
    (work / "policy.yml").write_text(yaml.safe_dump(policy))
    cfg = {**config, "policy_path": str(work / "policy.yml"), "ledger_path": str(work / "ledger.duckdb")}
    (work / "config.json").write_text(json.dumps(cfg))
    (work / "catalog.json").write_text(
        json.dumps(
            {
                "streams": [  # a record of a stream not listed stops the write
                    {
                        "stream": {"name": s, "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
                        "sync_mode": "full_refresh",
                        "destination_sync_mode": "append",
                    }
                    for s in ("jobs", "invoices")
                ]
            }
        )
    )
    wanted = {t["jobId"] for t in batch}
    with (work / "messages.jsonl").open("w") as out:
        for stream, rows in (("jobs", [j for j in records(data, "jobs") if j["id"] in wanted]), ("invoices", batch)):
            for row in rows:
                out.write(
                    json.dumps({"type": "RECORD", "record": {"stream": stream, "data": row, "emitted_at": 0}}) + "\n"
                )
        out.write(
            json.dumps(
                {
                    "type": "STATE",
                    "state": {
                        "type": "STREAM",
                        "stream": {"stream_descriptor": {"name": "invoices"}, "stream_state": {"day": "done"}},
                    },
                }
            )
            + "\n"
        )
    return work / "config.json", work / "catalog.json", work / "messages.jsonl"


def run_mode(base: Path, scale: float, pool_source: tuple, count: int, mode: str) -> dict:
    proc, data, config = start_twin(base, scale)
    try:
        pool, day = pool_source if pool_source[0] else (templates(data, config, base), None)
        day = day or json.loads((data / "truth.json").read_text())["spectrum"]["as_of"]
        batch = tickets(pool, count, day)
        config_path, catalog, messages = write_inputs(base, data, config, batch, mode)
        started = time.perf_counter()
        with messages.open() as stdin:
            done = subprocess.run(
                [PYTHON, MAIN, "write", "--config", str(config_path), "--catalog", str(catalog)],
                stdin=stdin,
                capture_output=True,
                text=True,
            )
        seconds = time.perf_counter() - started
        logs = [json.loads(x) for x in done.stdout.splitlines() if x.startswith("{")]
        summary = next(
            (
                m["log"]["message"]
                for m in logs
                if m["type"] == "LOG" and m["log"]["message"].startswith("destination-spectrum run")
            ),
            None,
        )
        if summary is None:
            raise SystemExit(f"{mode} run failed: {done.stdout[-2000:]} {done.stderr[-2000:]}")
        calls = int(summary.split("Spectrum calls ")[1].split(";")[0])
        with sqlite3.connect(data / "spectrum" / "spectrum.sqlite") as con:
            landed = con.execute(
                "SELECT COUNT(*) FROM CR_INVOICE_ENTRY_HEADER_MC WHERE Source_Service <> ''"
            ).fetchone()[0]
        with duckdb.connect(str(base / "ledger.duckdb"), read_only=True) as con:
            posted, traced, groups, docs_per_group = con.execute(
                "SELECT count(*) FILTER (WHERE state = 'posted'), "
                "(SELECT count(DISTINCT source_key) FROM tieout_ledger.posting_lines), "
                "count(DISTINCT coalesce(summary_key, source_key)), "
                "(SELECT max(n) FROM (SELECT count(DISTINCT spectrum_document) AS n FROM tieout_ledger.postings "
                " WHERE summary_key IS NOT NULL GROUP BY summary_key))"
                " FROM tieout_ledger.postings"
            ).fetchone()
        return {
            "mode": mode,
            "tickets": count,
            "seconds": round(seconds, 2),
            "tickets_per_s": round(count / seconds, 1),
            "spectrum_calls": calls,
            "calls_per_ticket": round(calls / count, 4),
            "documents_landed": landed,
            "posted": posted,
            "tickets_traced_to_lines": traced,
            "groups": groups,
            "max_documents_per_group": docs_per_group,
            "pool": pool,
            "day": day,
            "exit": done.returncode,
        }
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def run_floor(base: Path, scale: float, pool: list[dict], count: int, day: str) -> dict:
    """The same detail documents straight through spectrum_client: no gates, no ledger, no lookups."""
    proc, data, config = start_twin(base, scale)
    try:
        sys.path.insert(0, str(ROOT / "destination-spectrum"))
        from destination_spectrum.config import DestinationSpectrumConfig
        from destination_spectrum.session import PostingSession
        from spectrum_client import DataExchangeClient, DataExchangeSettings

        # Build the documents exactly as detail mode would (outside the timed loop).
        documents = []
        session = PostingSession(
            DestinationSpectrumConfig.parse({**config, "ledger_path": str(base / "floor.duckdb"), "dry_run": True})
        )
        batch = tickets(pool, count, day)
        wanted = {t["jobId"] for t in batch}
        for job in records(data, "jobs"):
            if job["id"] in wanted:
                session.add("jobs", job)
        for ticket in batch:
            session.add("invoices", ticket)
        report = session.flush()
        session.close()
        documents = [p for p in report.would_post if p.get("kind") == "AR"]
        dx = DataExchangeClient(
            DataExchangeSettings(
                url=config["data_exchange"]["base_url"], authorization_id=config["data_exchange"]["authorization_id"]
            )
        )
        bodies = [
            {
                "Company_Code": d["company"],
                "Customer_Code": d["customer"],
                "Job_Number": d["job"],
                "Invoice_Or_Transaction": d["number"],
                "Invoice_Date": dt.date.fromisoformat(day),
                "invoiceDetails": [{"Detail_Description": "floor", "Line_Extension": Decimal(d["amount"])}],
            }
            for d in documents
        ]
        started = time.perf_counter()
        for body in bodies:
            dx.post_customer_invoices(body["Company_Code"], [body])
        seconds = time.perf_counter() - started
        return {
            "mode": "floor (bare spectrum_client)",
            "tickets": len(bodies),
            "seconds": round(seconds, 2),
            "tickets_per_s": round(len(bodies) / seconds, 1) if seconds else None,
            "spectrum_calls": dx.calls,
            "calls_per_ticket": round(dx.calls / max(len(bodies), 1), 4),
        }
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=10000)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results" / "destination_spectrum.json")
    parser.add_argument("--skip-floor", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-dest-") as tmp:
        tmp = Path(tmp)
        detail = run_mode(tmp / "detail", args.scale, (None, None), args.tickets, "detail")
        pool, day = detail.pop("pool"), detail.pop("day")
        summary = run_mode(tmp / "summary", args.scale, (pool, day), args.tickets, "daily_summary")
        summary.pop("pool"), summary.pop("day")
        rows = [detail, summary]
        if not args.skip_floor:
            rows.append(run_floor(tmp / "floor", args.scale, pool, min(args.tickets, 2000), day))
    ratio = detail["documents_landed"] / max(summary["documents_landed"], 1)
    verdict = {
        "summary_docs_per_group_ok": (summary["max_documents_per_group"] or 0) <= 1,
        "fewer_documents_x": round(ratio, 1),
        "fewer_documents_ok": ratio >= 50,
        "every_ticket_traced": summary["tickets_traced_to_lines"] == args.tickets,
    }
    print(f"{'contender':32} {'tickets':>8} {'seconds':>9} {'tickets/s':>10} {'calls/ticket':>13} {'documents':>10}")
    for row in rows:
        print(
            f"{row['mode']:32} {row['tickets']:>8} {row['seconds']:>9} {row['tickets_per_s']!s:>10} "
            f"{row['calls_per_ticket']:>13} {row.get('documents_landed', '-')!s:>10}"
        )
    print(json.dumps(verdict))
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps({"rows": rows, "verdict": verdict}, indent=2))


if __name__ == "__main__":
    main()
