"""The connector definition both protocol adapters run."""

from __future__ import annotations

from pathlib import Path

from tieout_core import ConnectorDefinition

from source_spectrum.config import SpectrumConfig
from source_spectrum.streams import build_streams
from source_spectrum.transports import make_transport
from source_spectrum.transports.base import translated

DOCS = "https://github.com/tieout/tieout/tree/main/source-spectrum"
SPEC_PATH = Path(__file__).parent / "spec.json"


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
