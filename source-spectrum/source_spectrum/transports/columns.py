"""Which of a stream's columns this install's table really has, read from the database once per table per run.

Real Spectrum installs differ: a column the catalog lists may be missing (an older release, a column the
Info-Link view leaves out) or spelled differently. Selecting a fixed column list would fail the whole stream on
the first such column. Instead the SQL transport asks the database for the table's columns (pyodbc
`cursor.columns()`) and:

- a missing column that is not a key arrives as null on every record, with ONE warning naming the table and
  the column (and the setting that maps a different spelling, `odbc.column_names`);
- a missing key column (part of the primary key, the company, or the incremental cursor) fails the stream
  naming the table and the column: records without their key cannot be deduplicated, and a read without its
  cursor cannot be incremental, so guessing would lose or double rows.

Column names compare case-insensitively, as unquoted SQL names do on SQL Server, PostgreSQL and SQLite.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from spectrum_client.odbc import validate_identifier
from tieout_core import ConfigError

from source_spectrum.catalog import StreamSpec
from source_spectrum.names import InstallNames

LOG = logging.getLogger("airbyte")  # the CDK's logger: its records reach an Airbyte host as LOG messages
SHOW_AT_MOST = 60  # columns listed in an error (a Spectrum table can have a few hundred)


def key_columns(spec: StreamSpec) -> dict[str, str]:
    """Catalog column -> why the stream cannot do without it."""
    keys = {c.name: "part of the stream's primary key" for c in spec.columns if c.out in spec.primary_key}
    keys.setdefault("Company_Code", "the company every query filters on")
    if spec.cursor:
        keys[spec.cursor] = "the stream's incremental cursor"
    return keys


def missing_columns(spec: StreamSpec, names: InstallNames, present: Iterable[str]) -> frozenset[str]:
    """The catalog columns of `spec` that its table lacks (to be selected as NULL). Warns once for each;
    raises ConfigError for a missing key column. `present` is what the database reported for the table."""
    assert spec.table is not None
    present = list(present)
    have = {name.casefold() for name in present}
    table = names.table(spec.table)
    keys = key_columns(spec)
    missing = []
    for column in (c for c in spec.columns if c.kind != "rowkey"):
        source = names.column(spec.table, column.name)
        if source.casefold() in have:
            continue
        if column.name in keys:
            raise ConfigError(
                f"Stream {spec.name}: table {table} has no column {_described(spec, column.name, source)}, which is "
                f"{keys[column.name]}, so the stream cannot be read. {_fix(spec, column.name)} The table's columns: "
                f"{_listed(present)}."
            )
        missing.append(column.name)
        LOG.warning(
            "Stream %s: table %s has no column %s; the stream's field %s arrives as null on every record. %s",
            spec.name,
            table,
            _described(spec, column.name, source),
            column.out,
            _fix(spec, column.name),
        )
    company = names.column(spec.table, "Company_Code")
    if company.casefold() not in have:  # not listed as a column of every spec, but every query filters on it
        raise ConfigError(
            f"Stream {spec.name}: table {table} has no column {_described(spec, 'Company_Code', company)}, which is "
            f"{keys['Company_Code']}, so the stream cannot be read. {_fix(spec, 'Company_Code')} The table's "
            f"columns: {_listed(present)}."
        )
    return frozenset(missing)


def _described(spec: StreamSpec, catalog_name: str, source: str) -> str:
    if source == catalog_name:
        return catalog_name
    return f"{source} (odbc.column_names maps {spec.table}.{catalog_name} to it)"


def _fix(spec: StreamSpec, catalog_name: str) -> str:
    return (
        "If this install names it differently, map it in odbc.column_names, e.g. "
        f'{{"{spec.table}.{catalog_name}": "<its name here>"}}.'
    )


def _listed(columns: list[str]) -> str:
    shown = ", ".join(columns[:SHOW_AT_MOST])
    return shown + (f" and {len(columns) - SHOW_AT_MOST} more" if len(columns) > SHOW_AT_MOST else "") or "none"


def select_list(spec: StreamSpec, names: InstallNames, missing: frozenset[str]) -> str:
    """The SELECT list of a stream: keys trimmed (`LTRIM(RTRIM(key)) AS key`: Spectrum pads codes), a column this
    install names differently selected under the catalog's name, one the table lacks selected as NULL."""
    assert spec.table is not None
    parts = []
    for column in (c for c in spec.columns if c.kind != "rowkey"):
        name = validate_identifier(column.name)
        source = validate_identifier(names.column(spec.table, column.name))
        if column.name in missing:
            parts.append(f"NULL AS {name}")
        elif column.kind == "key":
            parts.append(f"LTRIM(RTRIM({source})) AS {name}")
        else:
            parts.append(source if source == name else f"{source} AS {name}")
    return ", ".join(parts)
