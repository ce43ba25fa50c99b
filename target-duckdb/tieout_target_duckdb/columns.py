"""Stream schema -> DuckDB columns, typed the way PyAirbyte's DuckDB cache types them.

transforms/ reads both hosts' landings with one set of staging models, so a column must have the same type
whichever host landed it: strings VARCHAR, integers BIGINT, numbers DECIMAL(38,9) (exact: money never goes
through a float), date-time TIMESTAMPTZ, objects and arrays JSON. A union of several non-null types
(["string", "integer"]) has no one SQL type and lands as VARCHAR, or JSON when it can hold an object.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SCALAR_TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "number": "DECIMAL(38,9)",
    "boolean": "BOOLEAN",
}
STRING_FORMATS = {"date-time": "TIMESTAMPTZ", "date": "DATE", "time": "TIME"}
_UNSAFE = re.compile(r"[^a-z0-9_]")


@dataclass(frozen=True)
class Column:
    field: str  # the record's key, as the tap wrote it (invoiceNumber)
    name: str  # the column, lower-cased as every host lands it (invoicenumber)
    sql_type: str

    @property
    def is_json(self) -> bool:
        return self.sql_type == "JSON"


def sql_type(prop: Mapping[str, Any]) -> str:
    types = prop.get("type", "string")
    types = [types] if isinstance(types, str) else list(types)
    non_null = [t for t in types if t != "null"]
    if not non_null and ("anyOf" in prop or "oneOf" in prop):
        return "JSON"
    if len(non_null) != 1:
        return "JSON" if {"object", "array"} & set(non_null) else "VARCHAR"
    (kind,) = non_null
    if kind in ("object", "array"):
        return "JSON"
    if kind == "string" and prop.get("format") in STRING_FORMATS:
        return STRING_FORMATS[prop["format"]]
    return SCALAR_TYPES.get(kind, "VARCHAR")


def table_name(stream_name: str) -> str:
    """`jobs` -> `jobs`; `public-Weird.Name` -> `public_weird_name` (what a SQL user can type unquoted)."""
    return _UNSAFE.sub("_", stream_name.lower())


def columns_for(schema: Mapping[str, Any]) -> list[Column]:
    """One column per top-level property; two properties that lower-case alike would overwrite each other."""
    columns: dict[str, Column] = {}
    for field, prop in (schema.get("properties") or {}).items():
        name = field.lower()
        if name in columns:
            raise ValueError(
                f"properties '{columns[name].field}' and '{field}' both land as column '{name}': rename one in "
                "the tap's schema or with a stream map (meltano.yml `stream_maps`)"
            )
        columns[name] = Column(field, name, sql_type(prop if isinstance(prop, Mapping) else {}))
    return list(columns.values())


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
