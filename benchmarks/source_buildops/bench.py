"""source-buildops benchmark: full read of jobs + invoices + invoice_items against the twin with latency.

    .venv/bin/python benchmarks/source_buildops/bench.py [--scale 5] [--latency-ms 50] [--concurrency 8]

Runs, against one `tieout-sandbox serve --latency-ms L` (the same data, the same concurrency):
  source-buildops   this connector through its Airbyte CLI (`source-buildops read`)
  tap-buildops      the same through singer-sdk
  floor             a bare requests + orjson loop fetching the same pages (floor.py)
  fair-peer         the same streams as a declarative manifest making the same requests (manifest_fair.yaml:
                    invoices from the list pages, one detail request per invoice), run by
                    `source-declarative-manifest`
  peer              the naive manifest (manifest.yaml: each invoice stream requests every detail, twice in all)
and prints records, wall time, records/s and peak RSS for each, with the physical floor (requests x latency /
concurrency: the least wall time any client can take) and the targets (wall time <= 1.15x the physical floor,
ahead of the fair peer, peak RSS < 200 MB). Results go to benchmarks/results/.

    --commands    start the twin, print each run's command line (for an external timer) and wait
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


def page_requests(rows: int, page_size: int = 100) -> int:
    """Pages a page-number walk requests: full pages, then the short (possibly empty) one that ends it."""
    return rows // page_size + 1


def request_count(data: Path) -> int:
    """What reading jobs + invoices + invoice_items needs at least: a token, every list page, one detail each."""
    with open(data / "buildops" / "jobs.jsonl") as handle:
        jobs = sum(1 for _ in handle)
    with open(data / "buildops" / "invoices.jsonl") as handle:
        invoices = sum(1 for _ in handle)
    return 1 + page_requests(jobs) + page_requests(invoices) + invoices


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
    parser.add_argument("--only", nargs="*", help="run only these (source-buildops tap-buildops floor fair-peer peer)")
    parser.add_argument("--commands", action="store_true", help="print the command lines and serve until killed")
    args = parser.parse_args()

    data = ensure_data(args.seed, args.scale)
    expected = expected_records(data)
    requests = request_count(data)
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
            "fair-peer": lambda: measure(
                "fair-peer (declarative manifest, same requests)",
                manifest_command(config_path, airbyte_catalog, "manifest_fair.yaml"),
                lambda line: line.startswith(b'{"type":"RECORD"'),
            ),
            "peer": lambda: measure(
                "peer (declarative manifest, every detail twice)",
                manifest_command(config_path, airbyte_catalog, "manifest.yaml"),
                lambda line: line.startswith(b'{"type":"RECORD"'),
            ),
        }
        if args.commands:
            print_commands(config_path, airbyte_catalog, args, requests)
            while True:
                time.sleep(3600)
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

    report(args, expected, requests, results)


def manifest_command(config_path: Path, catalog_path: Path, manifest: str) -> list[str]:
    return [
        str(BIN / "source-declarative-manifest"),
        "read",
        "--config",
        str(config_path),
        "--catalog",
        str(catalog_path),
        "--manifest-path",
        str(HERE / manifest),
    ]


def physical_floor_s(requests: int, latency_ms: int, concurrency: int) -> float:
    """requests x latency / concurrency: no client can be faster (every request waits out the latency)."""
    return requests * latency_ms / 1000 / concurrency


def print_commands(config_path: Path, catalog_path: Path, args, requests: int) -> None:
    ours = [str(BIN / "source-buildops"), "read", "--config", str(config_path), "--catalog", str(catalog_path)]
    floor_s = physical_floor_s(requests, args.latency_ms, args.concurrency)
    print(f"requests {requests:,}; physical floor {floor_s:.1f} s", flush=True)
    print("source-buildops: " + " ".join(ours), flush=True)
    print("fair-peer: " + " ".join(manifest_command(config_path, catalog_path, "manifest_fair.yaml")), flush=True)
    print("peer: " + " ".join(manifest_command(config_path, catalog_path, "manifest.yaml")), flush=True)
    floor = [sys.executable, str(HERE / "floor.py"), str(config_path), str(args.concurrency)]
    print("floor: " + " ".join(floor), flush=True)


def report(args, expected: int, requests: int, results: list[dict]) -> None:
    by = {r["name"].split(" ")[0]: r for r in results}
    ours, floor, peer, fair = by.get("source-buildops"), by.get("floor"), by.get("peer"), by.get("fair-peer")
    floor_s = physical_floor_s(requests, args.latency_ms, args.concurrency)
    print()
    print(
        f"jobs + invoices + invoice_items, scale {args.scale:g}, --latency-ms {args.latency_ms}, "
        f"concurrency {args.concurrency}; expected records: {expected:,}; requests: {requests:,}; "
        f"physical floor (requests x latency / concurrency): {floor_s:.1f} s"
    )
    print(f"{'run':34} {'records':>9} {'wall s':>8} {'records/s':>10} {'peak RSS MB':>12}")
    for r in results:
        flag = "" if r["records"] == expected else "  (record count differs!)"
        print(
            f"{r['name']:34} {r['records']:>9,} {r['wall_s']:>8.1f} {r['records_per_s']:>10,.0f} "
            f"{r['peak_rss_mb']:>12.1f}{flag}"
        )
    targets = {}
    if ours:
        targets["wall time vs physical floor (target <= 1.15x)"] = round(ours["wall_s"] / floor_s, 2)
    if ours and fair:
        targets["wall time vs fair peer (target < 1)"] = round(ours["wall_s"] / fair["wall_s"], 2)
    if ours and peer:
        targets["records/s vs naive peer"] = round(ours["records_per_s"] / peer["records_per_s"], 2)
    if ours and floor:
        targets["wall time vs bare requests loop"] = round(ours["wall_s"] / floor["wall_s"], 2)
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
                "requests": requests,
                "physical_floor_s": round(floor_s, 2),
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
