"""Console entry point `destination-spectrum` (airbyte-cdk Destination CLI)."""

from __future__ import annotations

import logging
import sys

from destination_spectrum.destination import DestinationSpectrum


def run() -> None:
    # airbyte-cdk sends the root logger to stdout as LOG messages at WARNING; this package's INFO lines (which
    # encoding a mapping file was read in, documents recovered from an interrupted run) belong there too.
    logging.getLogger("destination_spectrum").setLevel(logging.INFO)
    DestinationSpectrum().run(sys.argv[1:])
