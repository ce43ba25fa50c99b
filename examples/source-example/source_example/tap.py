"""`tap-example`: the Singer entry point."""

from tieout_core import build_cli, build_tap_class

from source_example.source import CONNECTOR

TapExample = build_tap_class(CONNECTOR)
cli = build_cli(TapExample)
