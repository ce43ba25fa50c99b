"""Console entry point `destination-spectrum` (airbyte-cdk Destination CLI)."""

from __future__ import annotations

import sys

from destination_spectrum.destination import DestinationSpectrum


def run() -> None:
    DestinationSpectrum().run(sys.argv[1:])
