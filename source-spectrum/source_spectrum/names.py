"""This install's Spectrum names, where they differ from the catalog's (`odbc.table_names`, `odbc.column_names`).

The catalog's names are the real ones wherever public evidence exists (docs/evidence/spectrum.csv). Where it
does not (catalog.GUESSED_STREAMS), or where an install differs, a user renames the table or column here; the
stream and its output columns keep their names, so nothing downstream changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class InstallNames:
    tables: Mapping[str, str] = field(default_factory=dict)  # catalog table -> this install's table
    columns: Mapping[str, str] = field(default_factory=dict)  # "CATALOG_TABLE.Column" -> this install's column

    def table(self, name: str) -> str:
        return self.tables.get(name, name)

    def column(self, table: str, name: str) -> str:
        return self.columns.get(f"{table}.{name}", name)
