"""Regenerate spec.json, catalog/source-buildops/*.json (Airbyte catalogs, Singer streams) and the README settings
table from the code.

    .venv/bin/python source-buildops/scripts/write_catalogs.py

Tests fail when the committed files drift from the model and the declarations, so schema and setting
changes show up in review.
"""

from __future__ import annotations

import json
from pathlib import Path

from source_buildops.config import DOCUMENTATION_URL, BuildOpsConfig
from source_buildops.source import CONNECTOR, SPEC_PATH
from source_buildops.tap import TapBuildOps
from tieout_core.airbyte import DeclaredSource
from tieout_core.config import write_spec_file
from tieout_core.singer import singer_streams

CATALOG_DIR = Path(__file__).resolve().parents[2] / "catalog" / "source-buildops"
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


README = Path(__file__).resolve().parents[1] / "README.md"
TABLE_START, TABLE_END = "<!-- settings:start -->", "<!-- settings:end -->"


def settings_table() -> str:
    """The README's settings table, from the same model as spec.json."""
    schema = BuildOpsConfig.model_json_schema()
    required = set(schema.get("required", []))
    rows = ["| setting | default | description |", "|---|---|---|"]
    for name, prop in schema["properties"].items():
        default = "required" if name in required else f"`{json.dumps(prop.get('default', {}))}`"
        secret = " (secret)" if prop.get("writeOnly") else ""
        rows.append(f"| `{name}`{secret} | {default} | {prop.get('description', '')} |")
    return "\n".join(rows)


def readme_with_table(text: str) -> str:
    head, rest = text.split(TABLE_START, 1)
    _, tail = rest.split(TABLE_END, 1)
    return f"{head}{TABLE_START}\n{settings_table()}\n{TABLE_END}{tail}"


def render(obj: dict) -> str:
    return json.dumps(obj, indent=2) + "\n"


def main() -> None:
    write_spec_file(BuildOpsConfig, DOCUMENTATION_URL, SPEC_PATH)
    discovered = discover_catalog()
    CATALOG_DIR.mkdir(parents=True, exist_ok=True)
    (CATALOG_DIR / "discover.json").write_text(render(discovered))
    (CATALOG_DIR / "configured_catalog.json").write_text(render(configured_catalog(discovered)))
    (CATALOG_DIR / "singer_streams.json").write_text(render(singer_streams(TapBuildOps, OFFLINE_CONFIG)))
    README.write_text(readme_with_table(README.read_text()))
    print(f"wrote {SPEC_PATH} and {CATALOG_DIR}/{{discover,configured_catalog,singer_streams}}.json")


if __name__ == "__main__":
    main()
