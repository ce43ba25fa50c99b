"""`tieout-sandbox`: generate the synthetic contractor, or serve it as the BuildOps + Spectrum twin."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import orjson

from .credentials import DEFAULT_BUILDOPS_PORT, DEFAULT_SPECTRUM_PORT, DEFAULT_TOKEN_TTL_S


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number such as 1 or 0.05, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0 (got {text}); try 1 or 0.05")
    return value


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a fraction such as 1.0 or 0.1, got {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (got {text}); 1.0 withholds every row")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 0 and 65535 (got {value}); 0 picks a free port")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tieout-sandbox", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write a deterministic synthetic contractor to DIR")
    gen.add_argument("--out", type=Path, required=True, help="data directory to (re)write")
    gen.add_argument("--seed", type=int, default=1, help="same seed, same bytes (default 1)")
    gen.add_argument(
        "--scale",
        type=_positive_float,
        default=1.0,
        help="1 = one year of a $20M contractor; fractions allowed (default 1)",
    )
    gen.add_argument(
        "--withhold",
        type=_fraction,
        default=0.0,
        help="leave this fraction of mapping and crosswalk rows out of DIR/mapping (kept in truth.json under "
        "`mapping`), to measure tieout-map on a stand-up (1.0) or on drift (0.1); default 0",
    )

    chg = sub.add_parser("change", help="edit DIR/buildops like a day of work, to test incremental syncs")
    chg.add_argument("--data", type=Path, required=True, help="a directory written by `generate`")
    chg.add_argument("--count", type=int, default=10, help="jobs and invoices to update, jobs to add (10)")
    chg.add_argument("--seed", type=int, default=None, help="pick the same records every time")

    srv = sub.add_parser("serve", help="serve DIR as the BuildOps API and Spectrum Data Exchange twins")
    srv.add_argument("--data", type=Path, required=True, help="a directory written by `generate`")
    srv.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_BUILDOPS_PORT,
        help=f"BuildOps API port (default {DEFAULT_BUILDOPS_PORT}; 0 = any free port)",
    )
    srv.add_argument(
        "--spectrum-port",
        type=_port,
        default=DEFAULT_SPECTRUM_PORT,
        help=f"Spectrum Data Exchange port (default {DEFAULT_SPECTRUM_PORT}; 0 = any free port)",
    )
    srv.add_argument("--latency-ms", type=int, default=0, help="added to every data request (default 0)")
    srv.add_argument(
        "--faults",
        default=None,
        help="e.g. '429:0.05,5xx:0.05,reset:0.02,slow:0.05,expire:0.01,seed=7' (sandbox/README.md)",
    )
    srv.add_argument(
        "--token-ttl",
        type=int,
        default=DEFAULT_TOKEN_TTL_S,
        help=f"bearer token lifetime in seconds (default {DEFAULT_TOKEN_TTL_S})",
    )
    srv.add_argument(
        "--postgres-dsn", default=None, help="also load the Spectrum SQL database into this PostgreSQL database"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "generate":
        from .dataset import generate_dataset

        if args.out.exists() and not args.out.is_dir():
            print(
                f"tieout-sandbox generate: error: --out {args.out} is a file; pass a directory (it is created "
                f"if missing)",
                file=sys.stderr,
            )
            return 2
        truth = generate_dataset(args.out, seed=args.seed, scale=args.scale, withhold=args.withhold)
        counts = truth["buildops"]["counts"]
        print(f"Generated seed={args.seed} scale={args.scale} into {args.out} in {truth['generator']['seconds']} s")
        for name in sorted(counts):
            print(f"  buildops/{name:<26} {counts[name]:>9,}")
        print(f"Ground truth: {args.out / 'truth.json'}")
        return 0
    if args.command == "change":
        from .changes import apply_changes

        try:
            summary = apply_changes(args.data, count=args.count, seed=args.seed)
        except (ValueError, FileNotFoundError) as exc:
            print(f"tieout-sandbox change: error: {exc}", file=sys.stderr)
            return 2
        print(orjson.dumps(summary, option=orjson.OPT_INDENT_2).decode())
        return 0
    from .server import serve_forever

    return serve_forever(args)


if __name__ == "__main__":
    sys.exit(main())
