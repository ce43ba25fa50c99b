"""`source-example`: the Airbyte entry point."""

from tieout_core import launch

from source_example.source import CONNECTOR


def run():
    launch(CONNECTOR)
