"""`tieout-core new source-NAME`: a new connector folder from the template vendored in this package (copier).

The folder is in Airbyte's python-connector shape and its tests run both standard suites (airbyte-cdk and
singer-sdk) against a fake API, green before anything is changed: replace the fake API and the streams.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

TEMPLATE = Path(__file__).parent / "_template"
NAME = re.compile(r"^source-[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def new_connector(name: str, into: Path, title: str | None = None) -> Path:
    """Render the template into `into / name` and return that folder. ValueError for a bad name or a folder
    that is already there; ImportError (saying what to install) without copier."""
    if not NAME.match(name):
        raise ValueError(
            f"{name!r} is not a connector name: use source-<system> in lower case letters, digits and dashes"
            " (source-acme, source-acme-erp)"
        )
    target = into / name
    if target.exists() and any(target.iterdir()):
        raise ValueError(f"{target} already exists and is not empty: pick another name or another --into folder")
    try:
        from copier import run_copy
    except ImportError:
        raise ImportError("tieout-core new needs copier: pip install 'tieout-connector-core[template]'") from None
    data = {"name": name} | ({"title": title} if title else {})
    run_copy(str(TEMPLATE), str(target), data=data, defaults=True, quiet=True, unsafe=False)
    return target


def main(argv: list[str] | None = None) -> None:
    """The `tieout-core` console script."""
    parser = argparse.ArgumentParser(prog="tieout-core", description="tieout-connector-core tools")
    commands = parser.add_subparsers(dest="command", required=True)
    new = commands.add_parser("new", help="create a connector folder from the template")
    new.add_argument("name", help="the connector's Airbyte name, such as source-acme")
    new.add_argument("--into", type=Path, default=Path.cwd(), help="the parent folder (default: here)")
    new.add_argument("--title", help="the system's name as people write it (default: from the name)")
    args = parser.parse_args(argv)
    try:
        target = new_connector(args.name, args.into, args.title)
    except (ValueError, ImportError) as error:
        print(f"tieout-core: {error}", file=sys.stderr)
        sys.exit(2)
    print(f"created {target}: cd {target} && pip install -e '.[tests]' && pytest tests")
