"""What source-spectrum commits that its code generates (spec.json, `schemas/<stream>.json`, the catalogs and
meltano.yml's tap-spectrum settings); written by `python -m tieout_core.artefacts` from the repository root.

Discover connects to nothing, so any well-formed config gives the same catalog."""

from __future__ import annotations

import logging

from airbyte_cdk.models import AirbyteMessage, AirbyteMessageSerializer, Type
from tieout_core import DeclaredSource, singer_streams
from tieout_core.artefacts import Artefacts, render_json

from source_spectrum.catalog import all_stream_names
from source_spectrum.config import SpectrumConfig
from source_spectrum.schema_gen import stream_schema
from source_spectrum.source import CONNECTOR, DOCS
from source_spectrum.tap import TapSpectrum

CATALOG_DIR = "catalog/source-spectrum"
SCHEMA_DIR = "source-spectrum/source_spectrum/schemas"
CONFIGS = {
    "discover.json": {"transport": "sql", "companies": ["MEC"], "odbc": {"driver": "SQLite3", "database": "x"}},
    "discover_data_exchange.json": {
        "transport": "data_exchange",
        "companies": ["MEC"],
        "data_exchange": {"base_url": "https://spectrum:8482", "authorization_id": "X"},
    },
}


def discovered(config: dict) -> dict:
    catalog = DeclaredSource(CONNECTOR).discover(logging.getLogger("artefacts"), config)
    message = AirbyteMessageSerializer.dump(AirbyteMessage(type=Type.CATALOG, catalog=catalog))
    return message["catalog"]


def configured(catalog: dict) -> dict:
    streams = []
    for stream in catalog["streams"]:
        incremental = "incremental" in stream["supported_sync_modes"]
        streams.append(
            {
                "stream": stream,
                "sync_mode": "incremental" if incremental else "full_refresh",
                "cursor_field": stream.get("default_cursor_field", []) if incremental else [],
                "destination_sync_mode": "append_dedup" if incremental else "overwrite",
                "primary_key": stream.get("source_defined_primary_key", []),
            }
        )
    return {"streams": streams}


def catalog_files() -> dict[str, str]:
    files = {name: discovered(config) for name, config in CONFIGS.items()}
    files["configured_catalog.json"] = configured(files["discover.json"])
    files["singer_streams.json"] = singer_streams(TapSpectrum, CONFIGS["discover.json"])
    return {f"{CATALOG_DIR}/{name}": render_json(body, sort_keys=True) for name, body in files.items()}


def schema_files() -> dict[str, str]:
    return {f"{SCHEMA_DIR}/{name}.json": render_json(stream_schema(name)) for name in all_stream_names()}


ARTEFACTS = Artefacts(
    config_model=SpectrumConfig,
    documentation_url=DOCS,
    spec_path="source-spectrum/source_spectrum/spec.json",
    meltano_plugin="tap-spectrum",
    files=lambda: {**schema_files(), **catalog_files()},
    meltano_extra={
        "transport": {
            "options": [
                {"label": "ODBC / SQL (Info-Link user)", "value": "sql"},
                {"label": "Data Exchange web services", "value": "data_exchange"},
            ]
        }
    },
)
