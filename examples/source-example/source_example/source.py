"""The connector: config model, streams and connection check, for both adapters."""

from pathlib import Path

from tieout_core import ConnectorDefinition

from source_example.config import Config
from source_example.streams import build_streams

HERE = Path(__file__).parent
DOCS = "https://example.invalid/docs/source-example"


def check(config):
    next(iter(build_streams(config)[0].read({})), None)  # a token and the first page of projects


CONNECTOR = ConnectorDefinition("source-example", "tap-example", Config, build_streams, check, DOCS, HERE / "spec.json")
