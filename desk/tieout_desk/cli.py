"""`tieout desk` serves the close desk; `tieout feed` drops ar_automation_feed for AR tools; `tieout notify`
sends what owners and AP must hear, once."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tieout_desk import feed, security
from tieout_desk.warehouse import Warehouse, WarehouseError

DEFAULT_WAREHOUSE = os.environ.get("TIEOUT_WAREHOUSE", "tieout.duckdb")


def _warehouse_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--warehouse",
        default=DEFAULT_WAREHOUSE,
        help="the DuckDB warehouse dbt built (env TIEOUT_WAREHOUSE; `make demo` writes .run/tieout.duckdb)",
    )
    parser.add_argument("--schema", default="main", help="the schema dbt built the marts in")
    parser.add_argument("--desk-schema", default="tieout_desk", help="where decisions live (dbt var desk_schema)")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="tieout", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    desk = commands.add_parser("desk", help="serve the close desk (loopback by default)")
    _warehouse_args(desk)
    desk.add_argument("--host", default="127.0.0.1", help="address to bind; beyond loopback a --token is required")
    desk.add_argument("--port", type=int, default=8765)
    desk.add_argument(
        "--token",
        default=os.environ.get("TIEOUT_DESK_TOKEN"),
        help="access token every request must carry (env TIEOUT_DESK_TOKEN; required beyond loopback)",
    )
    drop = commands.add_parser("feed", help="write ar_automation_feed as CSV + JSON Lines + manifest into a folder")
    _warehouse_args(drop)
    drop.add_argument("--out", required=True, help="the drop folder the AR tool polls; each run adds a subfolder")
    drop.add_argument("--run-id", default=None, help="the run's folder name (default: the UTC time)")
    tell = commands.add_parser("notify", help="email / webhook compliance holds, the daily digest and last blockers")
    _warehouse_args(tell)
    tell.add_argument(
        "--policy",
        default=os.environ.get("TIEOUT_POLICY_PATH"),
        help="policy.yml with the desk section (contacts, notify settings; env TIEOUT_POLICY_PATH)",
    )
    return root


def _notify(warehouse: Warehouse, policy_path: str | None) -> int:
    import yaml

    from tieout_desk import notify
    from tieout_desk.channels import ChannelError, Email, Webhook

    if not policy_path or not Path(policy_path).is_file():
        print(f"tieout notify: --policy {policy_path or '(not set)'} is not a file; pass policy.yml", file=sys.stderr)
        return 2
    desk = (yaml.safe_load(Path(policy_path).read_text()) or {}).get("desk") or {}
    settings = desk.get("notify") or {}
    try:
        email = Email.from_settings(settings["email"]) if settings.get("email") else None
        webhook = Webhook.from_settings(settings["webhook"]) if settings.get("webhook") else None
    except ChannelError as exc:
        print(f"tieout notify: {exc}", file=sys.stderr)
        return 2
    if email is None and webhook is None:
        print(
            "tieout notify: policy.yml desk.notify has neither email nor webhook; configure one (desk/README.md)",
            file=sys.stderr,
        )
        return 2
    outcome = notify.run(warehouse, desk, email=email, webhook=webhook)
    for channel, recipient, subject in outcome.sent:
        print(f"sent {channel} to {recipient}: {subject}")
    for failure in outcome.failed:
        print(f"FAILED {failure}", file=sys.stderr)
    print(f"{len(outcome.sent)} sent, {outcome.already_sent} already sent before, {len(outcome.failed)} failed")
    return 1 if outcome.failed else 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    warehouse = Warehouse(Path(args.warehouse), args.schema, args.desk_schema)
    try:
        if args.command == "notify":
            warehouse.check()
            return _notify(warehouse, args.policy)
        if args.command == "feed":
            folder = feed.write_drop(warehouse, Path(args.out), args.run_id)
            print(f"ar_automation_feed dropped in {folder}")
            return 0
        security.check_bind(args.host, args.token)
        warehouse.check()
    except (security.BindError, WarehouseError, feed.FeedError) as exc:
        print(f"tieout {args.command}: {exc}", file=sys.stderr)
        return 2

    import uvicorn

    from tieout_desk.app import create_app

    # The token is never printed: whoever started the desk already has it.
    print(f"tieout desk: serving {warehouse.path} on http://{args.host}:{args.port}/", flush=True)
    uvicorn.run(create_app(warehouse, token=args.token), host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
