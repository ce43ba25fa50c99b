"""`source-spectrum spec|check|discover|read` (airbyte-cdk entrypoint)."""

from __future__ import annotations

from tieout_core import DeclaredSource, launch

from source_spectrum.source import CONNECTOR


def source() -> DeclaredSource:
    return DeclaredSource(CONNECTOR)


def run() -> None:
    launch(CONNECTOR)


if __name__ == "__main__":
    run()
