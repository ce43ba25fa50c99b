"""Each stream's JSON schema (`schemas/<stream>.json`), from catalog.py's columns.

`python -m tieout_core.artefacts` writes the files (see artefacts.py); a test compares the committed files with
them, so a catalog change without regenerated schemas fails in review rather than at a customer.
"""

from __future__ import annotations

from typing import Any

from source_spectrum.catalog import SQL_STREAMS, Column, merged_columns


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


# Airbyte's change data capture fields, on the streams odbc.cdc_tables can opt in (transports/cdc.py): null
# unless the record was read from a change table.
CDC_PROPERTIES = {
    "_ab_cdc_lsn": {"type": ["null", "string"], "description": "hex LSN of the change, when read by change capture"},
    "_ab_cdc_deleted_at": {
        "type": ["null", "string"],
        "format": "date-time",
        "description": "set when the row was deleted in Spectrum (read by change capture)",
    },
}


def stream_schema(name: str) -> dict[str, Any]:
    properties = {c.out: column_schema(c) for c in merged_columns(name)}
    if any(s.name == name and s.cursor and not s.synthetic_key for s in SQL_STREAMS):
        properties.update(CDC_PROPERTIES)
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "additionalProperties": True,
        "properties": properties,
    }
