"""`source-buildops spec|check|discover|read` (airbyte-cdk entrypoint)."""

from __future__ import annotations

import sys

from tieout_core import launch

from source_buildops.source import CONNECTOR


def run() -> None:
    launch(CONNECTOR, sys.argv[1:])


if __name__ == "__main__":
    run()
