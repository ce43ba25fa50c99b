"""Soak: a bounded loop of incremental syncs (and postings) against the sandbox with faults on.

    .venv/bin/python integration_tests/soak.py --minutes 10 [--scale 0.02] [--faults SPEC] [--no-post]

Each round edits the twin's BuildOps files the way users do (new jobs, changed jobs and customers), runs
`source-buildops read` from the previous round's STATE under injected faults (429, 5xx, resets, early token
expiry, slow pages), merges what it emits by primary key (what an append_dedup destination keeps) and checks
it against the files: no record lost, none doubled within a run beyond the at-least-once allowance, every
change picked up. With posting on, each round's new invoices go through `destination-spectrum write` and the
twin's unposted AR tables are read (sqlite3, read-only) to check every invoice is posted exactly once.
Peak RSS of every connector process is taken from wait4(); memory is "flat" when the last third of the rounds
peaks no higher than the first third plus 20%. Not collected by pytest (the name does not start with test_).
Exits non-zero on any violation and prints the figures either way.
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
SOAK_STREAMS = ["customers", "jobs", "invoices", "invoice_items", "payments"]
EDITED = {"jobs": "jobs.jsonl", "customers": "customers.jsonl"}


def run_measured(args: list[str], *, stdin: str | None = None, timeout: float = 900) -> tuple[it.Run, int]:
    """Runs a connector and returns its output and its own peak RSS in KiB (wait4, not the whole tree)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(args, stdin=subprocess.PIPE if stdin is not None else None, stdout=out,
                                   stderr=err, text=True)
        if stdin is not None:
            process.stdin.write(stdin)
            process.stdin.close()
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
    """Invoice number -> rows in the twin's unposted AR batches, read-only (reading the twin's files)."""
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
            if key:
                for (number, n) in con.execute(f'SELECT TRIM("{key}"), COUNT(*) FROM "{table}" GROUP BY 1'):
                    counts[number] = counts.get(number, 0) + n
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
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="tieout-soak-"))
    os.environ["TMPDIR"] = str(work / "tmp")
    (work / "tmp").mkdir()
    rng = random.Random(4242)
    data = it.generate(work / "data", scale=args.scale)
    failures: list[str] = []
    rss: list[int] = []
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
                    rid for rid, row in ((r["id"], r) for r in landed[stream].values())
                    if rid in expected and _updated_ms(row) < expected[rid]
                ]
                if stale:
                    failures.append(f"round {rounds}: {stream}: {len(stale)} changes not picked up")
            if not args.no_post:
                postings_total += post_round(run, sandbox, work, rounds, failures)
            if failures:
                break
            print(f"round {rounds:3d}: {len(run.records):6d} records, peak RSS {peak / 1024:.0f} MiB,"
                  f" {time.monotonic() - started:5.0f} s", flush=True)
    duration = time.monotonic() - started
    third = max(1, len(rss) // 3)
    early, late = max(rss[:third] or [0]), max(rss[-third:] or [0])
    if len(rss) >= 6 and late > early * 1.2:
        failures.append(f"memory grew: first third peaked at {early / 1024:.0f} MiB, last third {late / 1024:.0f} MiB")
    figures = {
        "rounds": rounds,
        "duration_s": round(duration, 1),
        "records_synced": records_total,
        "records_landed_by_pk": sum(len(v) for v in landed.values()) if rounds else 0,
        "postings": postings_total,
        "peak_rss_mib_first_third": round(early / 1024, 1),
        "peak_rss_mib_last_third": round(late / 1024, 1),
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


def post_round(run: it.Run, sandbox: it.Sandbox, work: Path, round_no: int, failures: list[str]) -> int:
    """Posts the round's invoices through destination-spectrum and checks each lands exactly once."""
    config_file = sandbox.config_file("destination-spectrum")
    if not config_file.exists():
        return 0
    exe = it.executable("destination-spectrum")
    wanted = {"invoices", "invoice_items", "jobs"}
    lines = [json.dumps({"type": "RECORD", "record": r}) for r in run.records if r["stream"] in wanted]
    if not lines:
        return 0
    streams = sorted({json.loads(line)["record"]["stream"] for line in lines})
    catalog = {"streams": [{"stream": {"name": s, "json_schema": {}, "supported_sync_modes": ["full_refresh",
               "incremental"]}, "sync_mode": "incremental", "destination_sync_mode": "append"} for s in streams]}
    catalog_file = it.write_json(work / f"dest-catalog-{round_no}.json", catalog)
    result, _ = run_measured([exe, "write", "--config", str(config_file), "--catalog", str(catalog_file)],
                             stdin="\n".join(lines) + "\n")
    if result.returncode != 0:
        failures.append(f"round {round_no}: destination write failed: {result.output()[-1500:]}")
        return 0
    counts = unposted_invoice_counts(sandbox.data_dir / "spectrum" / "spectrum.sqlite")
    doubled = {n: c for n, c in counts.items() if c > 1}
    if doubled:
        failures.append(f"round {round_no}: invoices posted more than once: {list(doubled)[:5]}")
    return sum(counts.values())


if __name__ == "__main__":
    sys.exit(main())
