"""What source-buildops commits that its code generates (spec.json, catalogs, the README settings table and
meltano.yml's tap-buildops settings); written by `python -m tieout_core.artefacts` from the repository root."""

from __future__ import annotations

from tieout_core import DeclaredSource, singer_streams
from tieout_core.artefacts import Artefacts, render_json

from source_buildops.config import DOCUMENTATION_URL, BuildOpsConfig
from source_buildops.source import CONNECTOR
from source_buildops.tap import TapBuildOps

CATALOG_DIR = "catalog/source-buildops"
# Discovery needs a parsed config but makes no request.
OFFLINE_CONFIG = {
    "base_url": "http://127.0.0.1:8701",
    "client_id": "discover-only",
    "client_secret": "not-used",
    "tenant_ids": ["00000000-0000-4000-8000-000000000000"],
}


def discover_catalog() -> dict:
    catalog = DeclaredSource(CONNECTOR).discover(None, OFFLINE_CONFIG)
    streams = []
    for stream in catalog.streams:
        streams.append(
            {
                "name": stream.name,
                "json_schema": stream.json_schema,
                "supported_sync_modes": [m.value for m in stream.supported_sync_modes],
                "source_defined_cursor": stream.source_defined_cursor,
                "default_cursor_field": stream.default_cursor_field,
                "source_defined_primary_key": stream.source_defined_primary_key,
                "is_resumable": stream.is_resumable,
            }
        )
    return {"streams": streams}


def configured_catalog(discovered: dict) -> dict:
    """Every stream incremental, deduplicated on its primary key: what a warehouse sync wants."""
    return {
        "streams": [
            {
                "stream": {
                    "name": s["name"],
                    "json_schema": {},
                    "supported_sync_modes": s["supported_sync_modes"],
                    "source_defined_cursor": True,
                    "default_cursor_field": s["default_cursor_field"],
                    "source_defined_primary_key": s["source_defined_primary_key"],
                },
                "sync_mode": "incremental",
                "cursor_field": s["default_cursor_field"],
                "destination_sync_mode": "append_dedup",
                "primary_key": s["source_defined_primary_key"],
            }
            for s in discovered["streams"]
        ]
    }


def catalog_files() -> dict[str, str]:
    discovered = discover_catalog()
    return {
        f"{CATALOG_DIR}/discover.json": render_json(discovered),
        f"{CATALOG_DIR}/configured_catalog.json": render_json(configured_catalog(discovered)),
        f"{CATALOG_DIR}/singer_streams.json": render_json(singer_streams(TapBuildOps, OFFLINE_CONFIG)),
    }


ARTEFACTS = Artefacts(
    config_model=BuildOpsConfig,
    documentation_url=DOCUMENTATION_URL,
    spec_path="source-buildops/source_buildops/spec.json",
    meltano_plugin="tap-buildops",
    files=catalog_files,
    readme_path="source-buildops/README.md",
    meltano_extra={"start_date": {"kind": "date_iso8601"}},  # an ISO 8601 string in the model (a timestamp)
)
