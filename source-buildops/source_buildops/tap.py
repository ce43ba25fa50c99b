"""`tap-buildops --about|--discover|--config|--catalog|--state` (singer-sdk)."""

from __future__ import annotations

from tieout_core import build_cli, build_tap_class

from source_buildops.source import CONNECTOR

TapBuildOps = build_tap_class(CONNECTOR)
cli = build_cli(TapBuildOps)

if __name__ == "__main__":
    cli()
