"""dbt build on DuckDB at scale 1 and scale 5: wall time and peak RSS, beside dbt's fixed overhead measured in
the same run two ways: a no-change rebuild of the same warehouse, and a build at a near-empty scale (0.01),
where almost all the time is dbt starting and compiling the models. Raw data is landed the way the demo lands
it (PyAirbyte)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

from tieout_demo import sandbox_process
from tieout_demo.dbt_runner import TRANSFORMS, close_vars
from tieout_demo.sync import sync_source


def timed_dbt_build(warehouse: Path, data_dir: Path) -> tuple[float, float, list[dict]]:
    """Returns (wall seconds, peak RSS MB, slowest nodes) of one `dbt build` process, measured with wait4.
    The slowest nodes come from dbt's own run_results.json (kept beside the warehouse), which says where the
    time went even when other work shares the machine and the wall clock is noisy."""
    env = {
        **os.environ,
        "TIEOUT_WAREHOUSE": str(warehouse),
        "TIEOUT_DATA_DIR": str(data_dir),
        "TIEOUT_MAPPING_DIR": str(data_dir / "mapping"),
        "DO_NOT_TRACK": "1",
    }
    target = warehouse.with_suffix(".dbt-target")
    cmd = [
        shutil.which("dbt"),
        "build",
        "--project-dir",
        str(TRANSFORMS),
        "--profiles-dir",
        str(TRANSFORMS),
        "--target",
        "duckdb",
        "--target-path",
        str(target.resolve()),
        "--vars",
        json.dumps(close_vars(data_dir)),
    ]
    log_file = warehouse.with_suffix(".dbt.log")
    t0 = time.monotonic()
    with open(log_file, "wb") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"dbt build failed; see {log_file}")
    return wall, usage.ru_maxrss / 1024, slowest_nodes(target / "run_results.json")


def slowest_nodes(run_results: Path, top: int = 5) -> list[dict]:
    results = json.loads(run_results.read_text())["results"]
    ranked = sorted(results, key=lambda r: r["execution_time"], reverse=True)[:top]
    # unique_id is "model.tieout.<name>" or "test.tieout.<name>.<hash>".
    return [{"node": ".".join(r["unique_id"].split(".")[::2][:2]), "s": round(r["execution_time"], 1)} for r in ranked]


def land(scale: float, work: Path, *, reuse: bool = False) -> tuple[Path, Path, dict]:
    data_dir, warehouse = work / f"sandbox-{scale}", work / f"warehouse-{scale}.duckdb"
    if not (data_dir / "truth.json").exists():
        sandbox_process.generate(data_dir, seed=7, scale=scale)
    truth = json.loads((data_dir / "truth.json").read_text())
    if reuse and warehouse.exists():  # the raw tables a previous run landed; dbt rebuilds every model on them
        return data_dir, warehouse, truth
    warehouse.unlink(missing_ok=True)
    with sandbox_process.serving(data_dir):
        configs = data_dir / "configs"
        sync_source("source-buildops", configs / "source-buildops.json", warehouse, "buildops_raw")
        sync_source("source-spectrum", configs / "source-spectrum.sql.json", warehouse, "spectrum_raw")
    return data_dir, warehouse, truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", default="0.01,1,5")
    parser.add_argument("--work", type=Path, default=Path(".run/bench-transforms"))
    parser.add_argument("--results", type=Path, default=Path("benchmarks/results/transforms.json"))
    parser.add_argument(
        "--reuse-landed",
        action="store_true",
        help="build on the raw tables an earlier run landed in --work (skips the PyAirbyte syncs)",
    )
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    rows = []
    for scale in [float(s) for s in args.scales.split(",")]:
        data_dir, warehouse, truth = land(scale, args.work, reuse=args.reuse_landed)
        cold_s, cold_mb, slowest = timed_dbt_build(warehouse, data_dir)
        again_s, again_mb, _ = timed_dbt_build(warehouse, data_dir)
        counts = truth.get("spectrum", {}).get("counts", {})
        rows.append(
            {
                "scale": scale,
                "invoice_items": truth["buildops"]["counts"].get("invoice_items"),
                "jc_transactions": counts.get("JC_TRANSACTION_HISTORY_MC"),
                "build_s": round(cold_s, 1),
                "build_peak_rss_mb": round(cold_mb),
                "rebuild_s": round(again_s, 1),
                "rebuild_peak_rss_mb": round(again_mb),
                "slowest_nodes": slowest,
            }
        )
    fixed = rows[0]["build_s"]  # the near-empty build: dbt's own cost per run
    print(f"{'scale':>5} {'items':>9} {'jc tx':>10} {'build s':>8} {'rss MB':>7} {'rebuild s':>9} {'above fixed':>11}")
    for r in rows:
        r["above_fixed_s"] = round(r["build_s"] - fixed, 1)
        print(
            f"{r['scale']:>5} {r['invoice_items'] or 0:>9,} {r['jc_transactions'] or 0:>10,} {r['build_s']:>8} "
            f"{r['build_peak_rss_mb']:>7} {r['rebuild_s']:>9} {r['above_fixed_s']:>11.1f}"
        )
    for r in rows:
        slowest = ", ".join(f"{n['node']} {n['s']} s" for n in r["slowest_nodes"])
        print(f"scale {r['scale']} slowest: {slowest}")
    if len(rows) == 3:
        growth = rows[2]["above_fixed_s"] / max(rows[1]["above_fixed_s"], 0.1)
        print(
            f"time above dbt's fixed cost grows {growth:.1f}x from scale {rows[1]['scale']} to {rows[2]['scale']} "
            f"(data grows {rows[2]['scale'] / rows[1]['scale']:.0f}x)"
        )
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
