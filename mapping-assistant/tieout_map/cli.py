"""`tieout-map`: the cost code mapping and the customer crosswalk suggested from history, approved by a person.

tieout-map suggest --warehouse W --mapping-dir DIR/mapping [--policy DIR/policy.yml] [--out suggestions.json]
tieout-map review suggestions.json [--out review.csv] [--min-band low]
tieout-map apply review.csv --by NAME --mapping-dir DIR/mapping
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from .files import CROSSWALKS, MAPPING_FILE, InputError, load_policy, read_csv
from .suggestions import BANDS, KINDS, read_suggestions, write_suggestions


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tieout-map", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)

    sug = sub.add_parser("suggest", help="suggest mapping and crosswalk rows from the warehouse the syncs land")
    sug.add_argument(
        "--warehouse", type=Path, required=True, help="the DuckDB file (make demo: demo-output/tieout.duckdb)"
    )
    sug.add_argument("--mapping-dir", type=Path, required=True, help="the mapping/ folder destination-spectrum reads")
    sug.add_argument("--policy", type=Path, default=None, help="policy.yml (default: beside the mapping folder)")
    sug.add_argument("--out", type=Path, default=Path("suggestions.json"), help="where to write (suggestions.json)")
    sug.add_argument("--buildops-schema", default="buildops_raw", help="schema source-buildops landed (buildops_raw)")
    sug.add_argument("--spectrum-schema", default="spectrum_raw", help="schema source-spectrum landed (spectrum_raw)")

    rev = sub.add_parser("review", help="write the suggestions to a CSV a person decides in Excel")
    rev.add_argument("suggestions", type=Path, help="the file `suggest` wrote")
    rev.add_argument("--out", type=Path, default=Path("review.csv"), help="the CSV to write (review.csv)")
    rev.add_argument(
        "--min-band", choices=BANDS, default="none", help="leave out rows below this band (none: keep all)"
    )

    app = sub.add_parser(
        "apply", help="merge the accepted and changed rows into the mapping files, with an audit line each"
    )
    app.add_argument("review", type=Path, help="the review CSV with its decision column filled in")
    app.add_argument("--by", required=True, help="who decided (goes into mapping_audit.csv)")
    app.add_argument("--mapping-dir", type=Path, required=True, help="the mapping/ folder to merge into")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "suggest":
            return _suggest(args)
        if args.command == "review":
            return _review(args)
        return _apply(args)
    except InputError as exc:
        print(f"tieout-map {args.command}: error: {exc}", file=sys.stderr)
        return 2


def _suggest(args: argparse.Namespace) -> int:
    from .costcodes import CostCodeSuggester, load_pricebook
    from .customers import suggest_customers
    from .history import load_history
    from .vendors import suggest_vendors
    from .warehouse import Warehouse

    started = time.perf_counter()
    if not args.mapping_dir.is_dir():
        raise InputError(
            f"--mapping-dir {args.mapping_dir} is not a folder; pass the mapping/ folder (it may be empty)"
        )
    policy = load_policy(args.policy or args.mapping_dir.parent / "policy.yml")
    wh = Warehouse(args.warehouse, args.buildops_schema, args.spectrum_schema)
    try:
        history = load_history(wh)
        mapping_rows = read_csv(args.mapping_dir / MAPPING_FILE)
        found = CostCodeSuggester(history, load_pricebook(wh), mapping_rows, policy).suggest()
        found += suggest_customers(wh, history, read_csv(args.mapping_dir / CROSSWALKS["customer"][0]))
        found += suggest_vendors(wh, read_csv(args.mapping_dir / CROSSWALKS["vendor"][0]))
    finally:
        wh.close()
    seconds = round(time.perf_counter() - started, 2)
    write_suggestions(args.out, found, {"warehouse": str(args.warehouse), "seconds": seconds})
    counts = Counter((s.kind, s.band) for s in found)
    print(f"{len(found)} suggestions in {seconds} s -> {args.out}")
    for kind in KINDS:
        print(f"  {kind:<10}" + "".join(f" {band} {counts[(kind, band)]:>5}" for band in BANDS))
    if not found:
        print("  nothing to suggest: every billed item and posted customer is mapped already")
    return 0


def _review(args: argparse.Namespace) -> int:
    from .review import review_rows, write_review

    found, _ = read_suggestions(args.suggestions)
    rows = review_rows(found, args.min_band)
    write_review(args.out, rows)
    print(f"{len(rows)} rows to decide -> {args.out} (decision: accept, change with change_to, or reject)")
    return 0


def _apply(args: argparse.Namespace) -> int:
    from .apply import apply_review

    summary = apply_review(args.review, args.by, args.mapping_dir)
    print(
        f"applied {summary.applied} row(s) by {args.by.strip()} into {args.mapping_dir} "
        f"(already there {summary.already}, rejected {summary.rejected}, undecided and left out {summary.undecided}); "
        f"audit: {args.mapping_dir / 'mapping_audit.csv'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
