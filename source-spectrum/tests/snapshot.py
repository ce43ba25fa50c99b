"""Write (or, with --check, compare) catalog/source-spectrum/*.json from what `discover` says (Airbyte catalogs and
the Singer streams' replication keys).

    .venv/bin/python source-spectrum/tests/snapshot.py          # regenerate after a stream change
Discover connects to nothing, so any well-formed config gives the same catalog.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

from airbyte_cdk.models import AirbyteMessage, AirbyteMessageSerializer, Type
from source_spectrum.run import source
from source_spectrum.tap import TapSpectrum
from tieout_core.singer import singer_streams

CATALOG_DIR = Path(__file__).resolve().parents[2] / "catalog" / "source-spectrum"
CONFIGS = {
    "discover.json": {"transport": "sql", "companies": ["MEC"], "odbc": {"driver": "SQLite3", "database": "x"}},
    "discover_data_exchange.json": {
        "transport": "data_exchange",
        "companies": ["MEC"],
        "data_exchange": {"base_url": "https://spectrum:8482", "authorization_id": "X"},
    },
}


def discovered(config: dict) -> dict:
    catalog = source().discover(logging.getLogger("snapshot"), config)
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


def render() -> dict[str, str]:
    files = {name: discovered(config) for name, config in CONFIGS.items()}
    files["configured_catalog.json"] = configured(files["discover.json"])
    files["singer_streams.json"] = singer_streams(TapSpectrum, CONFIGS["discover.json"])
    return {name: json.dumps(body, indent=2, sort_keys=True) + "\n" for name, body in files.items()}


def stale() -> list[str]:
    return [
        name
        for name, text in render().items()
        if not (CATALOG_DIR / name).exists() or (CATALOG_DIR / name).read_text() != text
    ]


def main() -> None:
    CATALOG_DIR.mkdir(parents=True, exist_ok=True)
    for name, text in render().items():
        (CATALOG_DIR / name).write_text(text)
    print(f"wrote {CATALOG_DIR}")


if __name__ == "__main__":
    sys.exit(main())
