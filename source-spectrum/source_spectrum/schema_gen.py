"""Generate `schemas/<stream>.json` from catalog.py: `python -m source_spectrum.schema_gen`.

A test compares the committed files with what this would write, so a catalog change without regenerated
schemas fails in review rather than at a customer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .catalog import Column, all_stream_names, merged_columns

SCHEMA_DIR = Path(__file__).parent / "schemas"


def column_schema(column: Column) -> dict[str, Any]:
    if column.out == "company_code":
        return {"type": "string", "description": "Spectrum company (3 characters); on every record"}
    if column.kind in ("date", "tdate"):
        return {"type": ["null", "string"], "format": "date"}
    if column.kind.startswith("dec"):
        return {"type": ["null", "number"], "description": f"exact decimal, {column.kind[3:]} places"}
    if column.kind == "int":
        return {"type": ["null", "integer"]}
    if column.kind == "rowkey":
        return {"type": "string", "description": "digest of the row + occurrence number (the table has no key)"}
    if column.kind == "masked":
        return {"type": ["null", "string"], "description": "masked: only the last four characters are kept"}
    return {"type": ["null", "string"]}


def stream_schema(name: str) -> dict[str, Any]:
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "additionalProperties": True,
        "properties": {c.out: column_schema(c) for c in merged_columns(name)},
    }


def render(name: str) -> str:
    return json.dumps(stream_schema(name), indent=2) + "\n"


def stale_schemas() -> list[str]:
    """Streams whose committed schema file differs from the catalog."""
    return [
        n
        for n in all_stream_names()
        if not (SCHEMA_DIR / f"{n}.json").exists() or (SCHEMA_DIR / f"{n}.json").read_text() != render(n)
    ]


def main() -> None:
    SCHEMA_DIR.mkdir(exist_ok=True)
    for name in all_stream_names():
        (SCHEMA_DIR / f"{name}.json").write_text(render(name))
    print(f"wrote {len(all_stream_names())} schemas to {SCHEMA_DIR}")


if __name__ == "__main__":
    main()
