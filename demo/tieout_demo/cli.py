"""`tieout-demo`: the main job, end to end, on the embedded defaults.

sandbox contractor -> `tieout-sandbox serve` -> PyAirbyte syncs both sources into DuckDB -> `dbt build`
-> a self-contained HTML close report and a short terminal summary.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

from tieout_demo import dbt_runner, sandbox_process
from tieout_demo.sync import SyncResult, sync_source


class Progress:
    """Numbered steps with elapsed time, so a long run never looks stuck."""

    def __init__(self, total: int) -> None:
        self.total, self.n, self.t0 = total, 0, time.monotonic()

    def step(self, text: str) -> None:
        self.n += 1
        print(f"[{self.n}/{self.total}] {text} (t+{time.monotonic() - self.t0:.0f}s)", flush=True)


def _count_table(title: str, result: SyncResult, expected: dict[str, int]) -> tuple[str, bool]:
    lines = [title, f"  {'stream':28} {'synced':>9} {'generated':>10}"]
    all_equal = True
    for stream in sorted(result.counts):
        got, want = result.counts[stream], expected.get(stream)
        mark = "" if want is None else ("ok" if got == want else "MISMATCH")
        all_equal &= want is None or got == want
        lines.append(f"  {stream:28} {got:>9,} {'' if want is None else f'{want:,}':>10} {mark}")
    return "\n".join(lines), all_equal


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, e.g. 2026-11-13; got {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tieout-demo", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="use an already generated sandbox directory")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="sandbox scale when generating (1 = a year of a $20M contractor)"
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=Path("demo-output"))
    parser.add_argument(
        "--as-of",
        type=_iso_date,
        help="close the books as of this day (YYYY-MM-DD; default: the generated truth.json's, else today)",
    )
    args = parser.parse_args(argv)

    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    data_dir = (args.data or out / "sandbox").resolve()
    warehouse = out / "tieout.duckdb"
    progress = Progress(total=6)

    if args.data:
        progress.step(f"Using the sandbox contractor in {data_dir}")
    else:
        progress.step(f"Generating the sandbox contractor (seed {args.seed}, scale {args.scale}) into {data_dir}")
        sandbox_process.generate(data_dir, seed=args.seed, scale=args.scale)
    # A hand-written dataset has no truth.json: nothing to compare counts with, and the as-of day is --as-of.
    truth_file = data_dir / "truth.json"
    truth = json.loads(truth_file.read_text()) if truth_file.exists() else {}
    as_of, as_of_source = dbt_runner.as_of_date(data_dir, args.as_of)
    for stale in (warehouse, warehouse.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)  # every run lands a fresh, full picture

    progress.step("Serving the BuildOps and Spectrum twins on loopback")
    ok = True
    with sandbox_process.serving(data_dir) as info:
        configs = data_dir / "configs"
        progress.step("Syncing BuildOps through PyAirbyte (source-buildops -> DuckDB buildops_raw)")
        buildops = sync_source("source-buildops", configs / "source-buildops.json", warehouse, "buildops_raw")
        # api_counts: what a full sync can reach (projects only through the invoices that name them).
        expected = truth.get("buildops", {}).get("api_counts") or truth.get("buildops", {}).get("counts", {})
        table, equal = _count_table("BuildOps streams", buildops, expected)
        print(table, flush=True)
        ok &= equal

        progress.step("Syncing Spectrum through PyAirbyte (source-spectrum over ODBC -> DuckDB spectrum_raw)")
        spectrum = sync_source("source-spectrum", configs / "source-spectrum.sql.json", warehouse, "spectrum_raw")
        print(_count_table("Spectrum streams", spectrum, {})[0], flush=True)
        del info

    progress.step(f"Building the unified layer (dbt build on DuckDB), as of {as_of} from {as_of_source}")
    dbt_runner.dbt_build(warehouse, data_dir, log_file=out / "dbt.log", as_of=as_of)

    progress.step("Rendering the close report")
    from tieout_demo.report import render_report

    summary = render_report(warehouse, out / "close-report.html", data_dir)
    print()
    print(f"Close report : {out / 'close-report.html'}")
    print(f"Warehouse    : {warehouse}")
    print(f"Close desk   : tieout desk --warehouse {warehouse}   (decide exceptions, sign steps off; loopback)")
    print(summary)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
