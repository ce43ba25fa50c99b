"""The connector definition both protocol adapters run."""

from __future__ import annotations

from pathlib import Path

from tieout_core import ConnectorDefinition

from .config import SpectrumConfig
from .streams import declarations
from .transports import DataExchangeTransport, SqlTransport, Transport
from .transports.base import translated

DOCS = "https://github.com/tieout/tieout/tree/main/source-spectrum"
SPEC_PATH = Path(__file__).parent / "spec.json"


def make_transport(config: SpectrumConfig) -> Transport:
    with translated():
        return SqlTransport(config) if config.transport == "sql" else DataExchangeTransport(config)


def build_streams(config: SpectrumConfig):
    return declarations(config, make_transport(config))


def check(config: SpectrumConfig) -> None:
    transport = make_transport(config)
    try:
        with translated():
            transport.check(config.company_codes)
    finally:
        transport.close()


CONNECTOR = ConnectorDefinition(
    name="source-spectrum",
    tap_name="tap-spectrum",
    config_model=SpectrumConfig,
    build_streams=build_streams,
    check=check,
    documentation_url=DOCS,
    spec_path=SPEC_PATH,
)
