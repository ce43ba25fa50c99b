"""`tap-spectrum` (singer-sdk): `--about`, `--discover`, `--config`, `--catalog`, `--state`."""

from __future__ import annotations

from tieout_core import build_cli, build_tap_class

from source_spectrum.source import CONNECTOR

TapSpectrum = build_tap_class(CONNECTOR)
cli = build_cli(TapSpectrum)

if __name__ == "__main__":
    cli()
