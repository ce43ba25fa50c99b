"""Soak: a bounded loop of incremental syncs (and postings) against the sandbox with faults on.

    .venv/bin/python integration_tests/soak.py --minutes 10 [--scale 0.02] [--faults SPEC] [--no-post]
        [--new-invoices 3]

Each round edits the twin's BuildOps files the way users do (new jobs, changed jobs and customers, and from
round 2 on `--new-invoices` new invoices cloned from ones the destination posted in detail), runs
`source-buildops read` from the previous round's STATE under injected faults (429, 5xx, resets, early token
expiry, slow pages; the 5xx rate hits the Spectrum twin too), merges what it emits by primary key (what an
append_dedup destination keeps) and checks it against the files: no record lost, none doubled within a run
beyond the at-least-once allowance, every change picked up. With posting on, what the round read goes through
`destination-spectrum write` (config DIR/configs/destination-spectrum.json), then the twin's unposted AR batch
(sqlite3, read-only) and the posting ledger (DuckDB, read-only) are checked: every invoice the soak created
has exactly one ledger verdict and is `posted`, its document is in CR_INVOICE_ENTRY_HEADER_MC exactly once,
and no invoice number is in the batch twice. Peak RSS of each child (the read and the write) is taken from
wait4() and printed per round; memory is "flat" when the last third of the rounds peaks no higher than the
first third plus 20%. Not collected by pytest (the name does not start with test_). Exits non-zero on any
violation and prints the figures either way.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import conftest as it  # the integration harness: CLIs only, no connector imports

DEFAULT_FAULTS = "429:0.03,5xx:0.03,reset:0.02,slow:0.03,expire:0.02,seed=99"
WRITE_ATTEMPTS = 4  # a write stopped by a fault on a Put is run again, as a scheduler would
SOAK_STREAMS = ["customers", "jobs", "invoices", "invoice_items", "payments"]
EDITED = {"jobs": "jobs.jsonl", "customers": "customers.jsonl"}


def run_measured(args: list[str], *, stdin: str | None = None, timeout: float = 900) -> tuple[it.Run, int]:
    """Runs a connector and returns its output and its own peak RSS in KiB (wait4, not the whole tree)."""
    # stdin from a file, not a pipe: a child that stops reading early (a config error) cannot break the pipe
    # or leave us blocked writing to it.
    with (
        tempfile.TemporaryFile("w+") as source,
        tempfile.TemporaryFile("w+") as out,
        tempfile.TemporaryFile("w+") as err,
    ):
        source.write(stdin or "")
        source.seek(0)
        process = subprocess.Popen(
            args, stdin=source if stdin is not None else subprocess.DEVNULL, stdout=out, stderr=err, text=True
        )
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.05)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    return it.Run(list(args), process.returncode, stdout, stderr, it.parse_lines(stdout)), usage.ru_maxrss


def now_ms() -> int:
    return int(time.time() * 1000)


def edit_buildops(data_dir: Path, rng: random.Random, round_no: int) -> dict[str, int]:
    """New jobs, changed jobs and customers in the main tenant's files, written atomically."""
    counts = {}
    for stream, file_name in EDITED.items():
        path = data_dir / "buildops" / file_name
        rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        changed = rng.sample(range(len(rows)), k=min(len(rows), 3))
        stamp = now_ms()
        for index in changed:
            rows[index]["audit"]["lastUpdatedDateTime"] = stamp
            rows[index]["version"] = int(rows[index].get("version") or 0) + 1
        added = 0
        if stream == "jobs":
            for _ in range(5):
                fresh = json.loads(json.dumps(rng.choice(rows)))
                fresh["id"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                fresh["jobNumber"] = f"S{round_no:03d}{added:02d}"
                fresh["audit"]["createdDateTime"] = stamp
                fresh["audit"]["lastUpdatedDateTime"] = stamp
                rows.append(fresh)
                added += 1
        tmp = path.with_suffix(".jsonl.tmp")
        tmp.write_text("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in rows))
        tmp.replace(path)
        counts[stream] = len(changed) + added
    return counts


def add_invoices(data_dir: Path, rng: random.Random, round_no: int, templates: list[str], count: int) -> list[str]:
    """Appends `count` new open invoices to the main tenant's invoices.jsonl, each a copy of an invoice the
    destination already posted in detail (so its job, customer, mapping and period are postable) with a new
    id, number, line ids and no payments. Returns the new ids."""
    path = data_dir / "buildops" / "invoices.jsonl"
    rows = {row["id"]: row for row in (json.loads(line) for line in path.read_text().splitlines() if line.strip())}
    open_jobs = open_spectrum_jobs(data_dir / "spectrum" / "spectrum.sqlite")
    pool = [rows[i] for i in templates if i in rows and str(rows[i].get("jobNumber")) in open_jobs]
    if not pool or count < 1:
        return []
    # Issued on the last day the data knows (as-of), so the GL date is inside Spectrum's open AR period.
    as_of = max(_epoch_s(r.get("issuedDate")) for r in rows.values())
    stamp = now_ms()
    added = []
    for index in range(count):
        fresh = json.loads(json.dumps(rng.choice(pool)))
        fresh["id"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        fresh["invoiceNumber"] = f"7{round_no:03d}{index:02d}"  # BuildOps numbers are 6 digits from 100001
        for item in fresh.get("invoiceItems") or []:
            item["id"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            if "invoiceId" in item:
                item["invoiceId"] = fresh["id"]
        fresh["payments"] = []
        fresh["issuedDate"] = fresh["postingDate"] = as_of
        fresh["dueDate"] = as_of + 30 * 86400
        fresh["closedDate"] = None
        if "balance" in fresh:
            fresh["balance"] = fresh.get("totalAmount", fresh["balance"])
        fresh["status"] = "Posted"
        fresh["audit"]["createdDateTime"] = stamp
        fresh["audit"]["lastUpdatedDateTime"] = stamp
        fresh["audit"]["deletedDateTime"] = None
        rows[fresh["id"]] = fresh
        added.append(fresh["id"])
    tmp = path.with_suffix(".jsonl.tmp")
    tmp.write_text("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in rows.values()))
    tmp.replace(path)
    return added


def _epoch_s(value) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return 0


def open_spectrum_jobs(sqlite_path: Path) -> set[str]:
    """Job numbers (trimmed) that are open (`A`) in the twin's job master: new invoices can post to them."""
    con = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    try:
        query = "SELECT TRIM(Job_Number) FROM JC_JOB_MASTER_MC WHERE Status_Code = 'A'"
        return {number for (number,) in con.execute(query)}
    finally:
        con.close()


def ledger_rows(ledger_path: Path) -> list[dict]:
    """tieout_ledger.postings for the invoices stream, read-only (the destination is not running then)."""
    if not ledger_path.exists():
        return []
    import duckdb  # the ledger is a contract (docs/ARCHITECTURE.md), not the destination's code

    con = duckdb.connect(str(ledger_path), read_only=True)
    try:
        # Fully qualified: a file named tieout_ledger.duckdb makes `tieout_ledger` a catalog and a schema.
        (database,) = con.execute("SELECT current_database()").fetchone()
        cursor = con.execute(
            "SELECT source_key, company_code, state, reason, spectrum_document, posting_mode"
            f" FROM \"{database}\".tieout_ledger.postings WHERE source_stream = 'invoices'"
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def expected_from_files(data_dir: Path, stream: str) -> dict[str, int]:
    """id -> lastUpdatedDateTime for every record the twin serves for a stream to the main tenant (the one the
    sandbox's source-buildops.json reads; the second tenant's files live under buildops/tenants/)."""
    expected = {}
    for path in [data_dir / "buildops" / f"{stream}.jsonl"]:
        if path.exists():
            for line in path.read_text().splitlines():
                if line.strip():
                    row = json.loads(line)
                    expected[row["id"]] = row["audit"]["lastUpdatedDateTime"]
    return expected


def unposted_invoice_counts(sqlite_path: Path) -> dict[str, int]:
    """`COMPANY/number` -> rows in the twin's unposted AR batch, read-only (reading the twin's files)."""
    if not sqlite_path.exists():
        return {}
    con = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    try:
        tables = [name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        counts: dict[str, int] = {}
        for table in tables:
            # AR Invoice Entry (the unposted batch AddARInvoice and /customer/invoice write into)
            if table.upper() != "CR_INVOICE_ENTRY_HEADER_MC":
                continue
            columns = [c[1] for c in con.execute(f'PRAGMA table_info("{table}")')]
            key = next((c for c in columns if c.lower() in ("invoice_or_transaction", "invoice_number")), None)
            company = next((c for c in columns if c.lower() == "company_code"), None)
            if key:
                where = f'TRIM("{company}")' if company else "''"
                query = f'SELECT {where}, TRIM("{key}"), COUNT(*) FROM "{table}" GROUP BY 1, 2'
                for company_code, number, n in con.execute(query):
                    counts[f"{company_code}/{number}"] = counts.get(f"{company_code}/{number}", 0) + n
        return counts
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0, help="wall-clock budget (default 10)")
    parser.add_argument("--scale", type=float, default=0.02)
    parser.add_argument("--faults", default=DEFAULT_FAULTS)
    parser.add_argument("--max-rounds", type=int, default=500, help="hard bound on rounds (default 500)")
    parser.add_argument("--no-post", action="store_true", help="skip destination-spectrum postings")
    parser.add_argument("--new-invoices", type=int, default=3, help="new BuildOps invoices per round (default 3)")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="tieout-soak-"))
    os.environ["TMPDIR"] = str(work / "tmp")
    (work / "tmp").mkdir()
    rng = random.Random(4242)
    data = it.generate(work / "data", scale=args.scale)
    failures: list[str] = []
    rss: list[int] = []
    write_rss: list[int] = []
    created: list[str] = []  # ids of the invoices this soak added
    templates: list[str] = []
    rounds = records_total = postings_total = 0
    started = time.monotonic()
    with it.serve(data, faults=args.faults) as sandbox:
        config_file = sandbox.config_file("source-buildops")
        exe = it.executable("source-buildops")
        discovered = it.discover(exe, config_file)
        names = {s["name"] for s in discovered["streams"]}
        keys = it.primary_keys(discovered)
        catalog = it.configured_catalog(discovered, [s for s in SOAK_STREAMS if s in names])
        catalog_file = it.write_json(work / "catalog.json", catalog)
        state: list = []
        landed: dict[str, dict[tuple, dict]] = {}
        while rounds < args.max_rounds and time.monotonic() - started < args.minutes * 60:
            rounds += 1
            if rounds > 1:
                edit_buildops(data, rng, rounds)
                if not args.no_post:
                    created += add_invoices(data, rng, rounds, templates, args.new_invoices)
            command = [exe, "read", "--config", str(config_file), "--catalog", str(catalog_file)]
            if state:
                command += ["--state", str(it.write_json(work / "state.json", state))]
            run, peak = run_measured(command)
            rss.append(peak)
            if run.returncode != 0 or run.trace_errors:
                failures.append(f"round {rounds}: read failed: {run.output()[-1500:]}")
                break
            records_total += len(run.records)
            per_round_keys: dict[str, list[tuple]] = {}
            for record in run.records:
                stream, row = record["stream"], record["data"]
                key = it.key_of(row, keys.get(stream) or ["id"])
                landed.setdefault(stream, {})[key] = row
                per_round_keys.setdefault(stream, []).append(key)
            latest: dict[str, dict] = {}
            for message in run.states:
                if message.get("type") == "STREAM":
                    latest[json.dumps(message["stream"]["stream_descriptor"], sort_keys=True)] = message
            state = list(latest.values()) or state
            for stream in EDITED:
                if stream not in landed:
                    continue
                expected = expected_from_files(data, stream)
                got_ids = {row["id"] for row in landed[stream].values()}
                missing = set(expected) - got_ids
                if missing:
                    failures.append(f"round {rounds}: {stream}: {len(missing)} records never delivered")
                stale = [
                    rid
                    for rid, row in ((r["id"], r) for r in landed[stream].values())
                    if rid in expected and _updated_ms(row) < expected[rid]
                ]
                if stale:
                    failures.append(f"round {rounds}: {stream}: {len(stale)} changes not picked up")
            posted_line = ""
            if not args.no_post:
                posted, write_peak = post_round(run, sandbox, work, rounds, failures)
                postings_total = posted  # rows in the AR batch now (it only grows)
                write_rss.append(write_peak)
                ledger = [] if failures else ledger_rows(ledger_file(sandbox))
                if not templates and not failures:
                    templates = [
                        r["source_key"] for r in ledger if (r["state"], r["posting_mode"]) == ("posted", "detail")
                    ]
                    if not templates:
                        failures.append(f"round {rounds}: no invoice posted in detail to copy new invoices from")
                new_posted = check_created(created, ledger, sandbox, rounds, failures)
                posted_line = (
                    f", write peak RSS {write_peak / 1024:.0f} MiB, {new_posted}/{len(created)} new"
                    " invoices in the AR batch once"
                )
            if failures:
                break
            print(
                f"round {rounds:3d}: {len(run.records):6d} records, read peak RSS {peak / 1024:.0f} MiB"
                f"{posted_line}, {time.monotonic() - started:5.0f} s",
                flush=True,
            )
    duration = time.monotonic() - started
    third = max(1, len(rss) // 3)
    early, late = max(rss[:third] or [0]), max(rss[-third:] or [0])
    if len(rss) >= 6 and late > early * 1.2:
        failures.append(f"memory grew: first third peaked at {early / 1024:.0f} MiB, last third {late / 1024:.0f} MiB")
    write_third = max(1, len(write_rss) // 3)
    write_early, write_late = max(write_rss[:write_third] or [0]), max(write_rss[-write_third:] or [0])
    if len(write_rss) >= 6 and write_late > write_early * 1.2:
        failures.append(
            f"destination memory grew: first third peaked at {write_early / 1024:.0f} MiB, last third"
            f" {write_late / 1024:.0f} MiB"
        )
    figures = {
        "rounds": rounds,
        "duration_s": round(duration, 1),
        "records_synced": records_total,
        "records_landed_by_pk": sum(len(v) for v in landed.values()) if rounds else 0,
        "ar_batch_rows": postings_total,
        "new_invoices_created": len(created),
        "peak_rss_mib_first_third": round(early / 1024, 1),
        "peak_rss_mib_last_third": round(late / 1024, 1),
        "write_peak_rss_mib_first_third": round(write_early / 1024, 1),
        "write_peak_rss_mib_last_third": round(write_late / 1024, 1),
        "read_peak_rss_mib_per_round": [round(x / 1024, 1) for x in rss],
        "write_peak_rss_mib_per_round": [round(x / 1024, 1) for x in write_rss],
        "faults": args.faults,
        "failures": failures,
    }
    print(json.dumps(figures, indent=2))
    return 1 if failures else 0


def _updated_ms(row: dict) -> int:
    value = (row.get("audit") or {}).get("lastUpdatedDateTime")
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str):
        from datetime import datetime

        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)
    return 0


def post_round(run: it.Run, sandbox: it.Sandbox, work: Path, round_no: int, failures: list[str]) -> tuple[int, int]:
    """Posts what the round read through destination-spectrum; (rows in the AR batch, the write's peak RSS)."""
    sandbox_config = sandbox.config_file("destination-spectrum")
    if not sandbox_config.exists():
        failures.append(f"round {round_no}: {sandbox_config} is missing: serve wrote no destination config")
        return 0, 0
    # The sandbox's config as written (its ledger is DIR/tieout_ledger.duckdb), read back by ledger_file().
    config_file = sandbox_config
    exe = it.executable("destination-spectrum")
    wanted = {"invoices", "invoice_items", "jobs"}
    lines = [json.dumps({"type": "RECORD", "record": r}) for r in run.records if r["stream"] in wanted]
    if not lines:
        return 0, 0
    streams = sorted({json.loads(line)["record"]["stream"] for line in lines})
    catalog = {
        "streams": [
            {
                "stream": {"name": s, "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]},
                "sync_mode": "incremental",
                "destination_sync_mode": "append",
            }
            for s in streams
        ]
    }
    catalog_file = it.write_json(work / f"dest-catalog-{round_no}.json", catalog)
    # A Put that met a fault (5xx, reset) may or may not have landed: the destination stops rather than guess,
    # and its next run looks in Spectrum before posting again. A scheduler runs it again; so does the soak, and
    # exactly-once must hold across those reruns.
    peak = 0
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        result, attempt_peak = run_measured(
            [exe, "write", "--config", str(config_file), "--catalog", str(catalog_file)],
            stdin="\n".join(lines) + "\n",
        )
        peak = max(peak, attempt_peak)
        (work / f"destination-round-{round_no}-{attempt}.log").write_text(result.output())
        errors = [m["trace"]["error"]["message"] for m in result.of_type("TRACE") if m["trace"].get("type") == "ERROR"]
        if result.returncode == 0 and not errors:
            break
        if attempt < WRITE_ATTEMPTS and errors and "the next run checks" in errors[0]:
            print(f"round {round_no:3d}: write {attempt} stopped on a fault ({errors[0][:90]}...); running it again")
            continue
        failures.append(f"round {round_no}: destination write failed: {(errors or [result.output()[-1500:]])[0]}")
        return 0, peak
    counts = unposted_invoice_counts(sandbox.data_dir / "spectrum" / "spectrum.sqlite")
    doubled = {n: c for n, c in counts.items() if c > 1}
    if doubled:
        failures.append(f"round {round_no}: invoices posted more than once: {list(doubled)[:5]}")
    return sum(counts.values()), peak


def ledger_file(sandbox: it.Sandbox) -> Path:
    return Path(sandbox.config("destination-spectrum")["ledger_path"])


def check_created(
    created: list[str], ledger: list[dict], sandbox: it.Sandbox, round_no: int, failures: list[str]
) -> int:
    """Every invoice the soak added: one ledger verdict, `posted`, its document in the AR batch exactly once.
    Returns how many pass."""
    by_key: dict[str, list[dict]] = {}
    for row in ledger:
        by_key.setdefault(row["source_key"], []).append(row)
    counts = unposted_invoice_counts(sandbox.data_dir / "spectrum" / "spectrum.sqlite")
    lost, not_posted, wrong_count = [], [], []
    for invoice_id in created:
        rows = by_key.get(invoice_id, [])
        if len(rows) != 1:
            lost.append(invoice_id)
            continue
        row = rows[0]
        if row["state"] != "posted":
            not_posted.append(f"{invoice_id}: {row['state']} ({(row['reason'] or '')[:160]})")
            continue
        landed = counts.get(f"{row['company_code']}/{(row['spectrum_document'] or '').strip()}", 0)
        if landed != 1:
            wrong_count.append(f"{invoice_id} as {row['company_code']}/{row['spectrum_document']}: {landed} times")
    if lost:
        failures.append(f"round {round_no}: {len(lost)} new invoices have no ledger verdict: {lost[:3]}")
    if not_posted:
        failures.append(f"round {round_no}: {len(not_posted)} new invoices not posted: {not_posted[:3]}")
    if wrong_count:
        failures.append(f"round {round_no}: new invoices not in the AR batch exactly once: {wrong_count[:3]}")
    return len(created) - len(lost) - len(not_posted) - len(wrong_count)


if __name__ == "__main__":
    sys.exit(main())
