"""source-buildops benchmark: full read of jobs + invoices + invoice_items against the twin with latency.

    .venv/bin/python benchmarks/source_buildops/bench.py [--scale 5] [--latency-ms 50] [--concurrency 8]

Runs, against one `tieout-sandbox serve --latency-ms L` (the same data, the same concurrency):
  source-buildops   this connector through its Airbyte CLI (`source-buildops read`)
  tap-buildops      the same through singer-sdk
  floor             a bare requests + orjson loop fetching the same pages (floor.py)
  peer              the same streams as a declarative manifest run by `source-declarative-manifest`
and prints records, wall time, records/s and peak RSS for each, with the targets (>= 2x the peer's
records/s, <= 1.5x the floor's wall time, peak RSS < 200 MB). Results go to benchmarks/results/.
Generated data is kept in benchmarks/results/data/ and reused for the same seed and scale.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
BIN = Path(sys.executable).parent
RESULTS = REPO / "benchmarks" / "results"
STREAMS = ("jobs", "invoices", "invoice_items")


def catalog(path: Path) -> Path:
    streams = [
        {
            "stream": {"name": s, "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
            "sync_mode": "full_refresh",
            "destination_sync_mode": "overwrite",
        }
        for s in STREAMS
    ]
    path.write_text(json.dumps({"streams": streams}))
    return path


def singer_catalog(config_path: Path, path: Path) -> Path:
    done = subprocess.run(
        [str(BIN / "tap-buildops"), "--config", str(config_path), "--discover"],
        capture_output=True,
        text=True,
        check=True,
    )
    discovered = json.loads(done.stdout)
    for entry in discovered["streams"]:
        selected = entry["tap_stream_id"] in STREAMS
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = selected
    path.write_text(json.dumps(discovered))
    return path


def measure(name: str, args: list[str], is_record) -> dict:
    """Run a command, count record lines on its stdout as they stream, and take its peak RSS."""
    started = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    records = 0
    stderr_tail: list[bytes] = []
    drain = threading.Thread(target=lambda: stderr_tail.extend(process.stderr.readlines()[-20:]), daemon=True)
    drain.start()
    for line in process.stdout:
        if is_record(line):
            records += 1
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    drain.join(timeout=5)
    if status != 0:
        sys.stderr.write(f"{name} exited with {status}:\n{b''.join(stderr_tail).decode(errors='replace')}\n")
    return {
        "name": name,
        "records": records,
        "wall_s": round(wall, 2),
        "records_per_s": round(records / wall, 1) if wall else 0.0,
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "exit_status": status,
    }


def ensure_data(seed: int, scale: float) -> Path:
    data = RESULTS / "data" / f"seed{seed}-scale{scale:g}"
    if not (data / "truth.json").exists():
        shutil.rmtree(data, ignore_errors=True)
        print(f"generating the sandbox contractor (seed {seed}, scale {scale:g}) into {data} ...", flush=True)
        subprocess.run(
            [str(BIN / "tieout-sandbox"), "generate", "--out", str(data), "--seed", str(seed), "--scale", str(scale)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return data


def start_sandbox(data: Path, latency_ms: int) -> tuple[subprocess.Popen, dict]:
    for stale in (data / "sandbox.json",):
        stale.unlink(missing_ok=True)
    process = subprocess.Popen(
        [
            str(BIN / "tieout-sandbox"),
            "serve",
            "--data",
            str(data),
            "--port",
            "0",
            "--spectrum-port",
            "0",
            "--latency-ms",
            str(latency_ms),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        config = data / "configs" / "source-buildops.json"
        if (data / "sandbox.json").exists() and config.exists():
            return process, json.loads(config.read_text())
        time.sleep(0.2)
    raise SystemExit("tieout-sandbox serve did not start")


def expected_records(data: Path) -> int:
    with open(data / "buildops" / "jobs.jsonl") as handle:
        count = sum(1 for _ in handle)
    with open(data / "buildops" / "invoices.jsonl") as handle:
        for line in handle:
            count += 1 + len(json.loads(line).get("invoiceItems") or [])
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--only", nargs="*", help="run only these (source-buildops tap-buildops floor peer)")
    args = parser.parse_args()

    data = ensure_data(args.seed, args.scale)
    expected = expected_records(data)
    sandbox, config = start_sandbox(data, args.latency_ms)
    work = Path(tempfile.mkdtemp(prefix="tieout-bench-"))
    try:
        config.update(max_concurrency=args.concurrency, page_size=100)
        config_path = work / "config.json"
        config_path.write_text(json.dumps(config))
        airbyte_catalog = catalog(work / "catalog.json")
        runs = {
            "source-buildops": lambda: measure(
                "source-buildops (airbyte-cdk)",
                [str(BIN / "source-buildops"), "read", "--config", str(config_path), "--catalog", str(airbyte_catalog)],
                lambda line: line.startswith(b'{"type":"RECORD"'),
            ),
            "tap-buildops": lambda: measure(
                "tap-buildops (singer-sdk)",
                [
                    str(BIN / "tap-buildops"),
                    "--config",
                    str(config_path),
                    "--catalog",
                    str(singer_catalog(config_path, work / "singer-catalog.json")),
                ],
                lambda line: line.startswith(b'{"type":"RECORD"') or line.startswith(b'{"type": "RECORD"'),
            ),
            "floor": lambda: measure(
                "floor (requests + orjson)",
                [sys.executable, str(HERE / "floor.py"), str(config_path), str(args.concurrency)],
                lambda line: True,
            ),
            "peer": lambda: measure(
                "peer (declarative manifest)",
                [
                    str(BIN / "source-declarative-manifest"),
                    "read",
                    "--config",
                    str(config_path),
                    "--catalog",
                    str(airbyte_catalog),
                    "--manifest-path",
                    str(HERE / "manifest.yaml"),
                ],
                lambda line: line.startswith(b'{"type":"RECORD"'),
            ),
        }
        results = []
        for key, run in runs.items():
            if args.only and key not in args.only:
                continue
            print(f"running {key} ...", flush=True)
            results.append(run())
    finally:
        os.killpg(sandbox.pid, signal.SIGTERM)
        sandbox.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)

    report(args, expected, results)


def report(args, expected: int, results: list[dict]) -> None:
    by = {r["name"].split(" ")[0]: r for r in results}
    ours, floor, peer = by.get("source-buildops"), by.get("floor"), by.get("peer")
    print()
    print(
        f"jobs + invoices + invoice_items, scale {args.scale:g}, --latency-ms {args.latency_ms}, "
        f"concurrency {args.concurrency}; expected records: {expected:,}"
    )
    print(f"{'run':34} {'records':>9} {'wall s':>8} {'records/s':>10} {'peak RSS MB':>12}")
    for r in results:
        flag = "" if r["records"] == expected else "  (record count differs!)"
        print(
            f"{r['name']:34} {r['records']:>9,} {r['wall_s']:>8.1f} {r['records_per_s']:>10,.0f} "
            f"{r['peak_rss_mb']:>12.1f}{flag}"
        )
    targets = {}
    if ours and peer:
        targets["records/s vs peer (target >= 2x)"] = round(ours["records_per_s"] / peer["records_per_s"], 2)
    if ours and floor:
        targets["wall time vs floor (target <= 1.5x)"] = round(ours["wall_s"] / floor["wall_s"], 2)
    if ours:
        targets["peak RSS MB (target < 200)"] = ours["peak_rss_mb"]
    for label, value in targets.items():
        print(f"  {label}: {value}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"source_buildops-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "args": vars(args),
                "expected_records": expected,
                "results": results,
                "ratios": targets,
                "cpus": os.cpu_count(),
            },
            indent=2,
        )
    )
    print(f"results: {out}")


if __name__ == "__main__":
    main()
