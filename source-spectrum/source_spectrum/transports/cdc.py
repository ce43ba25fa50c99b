"""SQL Server change data capture as an opt-in cursor for the history tables (`odbc.cdc_tables`).

No entry stamp exists on job cost, GL, payroll or payment history (spectrum-schema-evidence.md section 5), so
an incremental read otherwise re-reads every row dated in the open accounting periods and never sees a row
deleted. Where the DBA enabled capture on a table, SQL Server keeps a change table (`cdc.<instance>_CT`; the
instance seen on a hosted Spectrum was `<TABLE>_v1`) listing each insert, update and delete with the log
sequence number (LSN) of its commit. A sync then reads only the changes after the LSN it saved.

How a read is kept exact:
- The upper bound is the greatest LSN present when the read starts, and the read takes LSNs in
  (saved, upper]: a change committed during the read is left for the next sync, not half-read.
- Capture cleanup deletes the oldest changes (three days by default). If the oldest LSN still held is above
  the saved one, changes may have gone: that sync re-reads the date window instead (always correct, slower)
  and says why. So does a sync with no saved LSN, which first notes the greatest LSN, then re-reads, so a
  change committed during that read is read again by the next sync (a duplicate the primary key absorbs).
- Operation 1 (delete) becomes a record with `_ab_cdc_deleted_at` set, as Airbyte's own CDC sources emit
  it; 2 (insert) and 4 (update, after image) are records as usual; 3 (the before image) is skipped.
LSNs are opaque binary (SQL Server `binary(10)`); the state keeps them as hex. The twin models a change table
as a plain table filled by triggers (tieout_sandbox/spectrum/cdc.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from spectrum_client import QueryFailed, SpectrumOdbc
from spectrum_client.odbc import validate_identifier
from tieout_core import ConfigError

from source_spectrum.catalog import StreamSpec
from source_spectrum.names import InstallNames
from source_spectrum.normalize import RecordBuilder
from source_spectrum.transports.base import RowBatch
from source_spectrum.transports.columns import select_list

LOG = logging.getLogger("airbyte")  # the CDK's logger: its records reach an Airbyte host as LOG messages

# SQL Server's change-table columns (fixed names, not configurable; `$` is legal inside an identifier in SQL
# Server, PostgreSQL and SQLite).
LSN, SEQVAL, OPERATION = "__$start_lsn", "__$seqval", "__$operation"
DELETE, INSERT, UPDATE_AFTER = 1, 2, 4
# The fields a change adds to a record (Airbyte's CDC convention): the change's LSN, and when it was a delete,
# the time the sync read the deletion (SQL Server's commit time needs sys.fn_cdc_map_lsn_to_time, which no other
# database has).
CDC_FIELDS = ("_ab_cdc_lsn", "_ab_cdc_deleted_at")


def change_table(pattern: str, table: str) -> str:
    """The change table's name for `table` under `pattern` (`cdc.{table}_v1_CT`)."""
    return validate_identifier(pattern.replace("{table}", table))


@dataclass(frozen=True)
class LsnRange:
    """The oldest and newest LSN a change table holds (both None when it is empty)."""

    oldest: bytes | None
    newest: bytes | None

    def holds_everything_after(self, saved_hex: str) -> bool:
        """True when no change after `saved_hex` can have been cleaned up: the oldest change kept is at or
        below it. An empty table proves nothing (every change may have been cleaned), so it is False."""
        return self.oldest is not None and self.oldest.hex() <= saved_hex.lower()


def lsn_range(db: SpectrumOdbc, table: str, captured: str) -> LsnRange:
    """The LSNs `table` (the change table of `captured`) holds; an unreadable change table is a config error."""
    # The first row each way of the LSN order (the change table's clustered index), not MIN/MAX: an aggregate
    # loses the column's type on some drivers (SQLite's hands back the text X'...').
    try:
        oldest, newest = (db.scalar(f"SELECT {LSN} FROM {table} ORDER BY {LSN} {way}") for way in ("ASC", "DESC"))
    except QueryFailed as exc:
        raise ConfigError(
            f"The change table {table} of {captured} cannot be read ({' '.join(str(exc).split())[:300]}). Set"
            f" odbc.cdc_table_pattern to this install's change table name (SQL Server: SELECT capture_instance FROM"
            f" cdc.change_tables; the table is cdc.<capture_instance>_CT), grant the login SELECT on it, or remove"
            f" {captured} from odbc.cdc_tables"
        ) from exc
    return LsnRange(_lsn(oldest), _lsn(newest))


def _lsn(value: Any) -> bytes | None:
    if value is None or isinstance(value, bytes | bytearray | memoryview):
        return None if value is None else bytes(value)
    raise TypeError(f"a change table's {LSN} came back as {type(value).__name__}, expected binary")


def changes_sql(spec: StreamSpec, names: InstallNames, table: str, missing: frozenset[str]) -> str:
    """The stream's columns, then LSN and operation, of one company's changes in (saved, upper], in commit order."""
    assert spec.table is not None
    company = validate_identifier(names.column(spec.table, "Company_Code"))
    return (
        f"SELECT {select_list(spec, names, missing)}, {LSN}, {OPERATION} FROM {table}"
        f" WHERE {company} = ? AND {LSN} > ? AND {LSN} <= ? AND {OPERATION} IN ({DELETE}, {INSERT}, {UPDATE_AFTER})"
        f" ORDER BY {LSN}, {SEQVAL}"
    )


def missing_in_change_table(
    spec: StreamSpec, names: InstallNames, table: str, present: Iterable[str]
) -> frozenset[str]:
    """Stream columns the change table does not capture (a capture can list a subset): read as null, with a
    warning. A missing key column, LSN or operation column is an error naming the setting."""
    have = {name.casefold() for name in present}
    assert spec.table is not None
    needed = {names.column(spec.table, "Company_Code"), LSN, OPERATION, SEQVAL}
    needed |= {names.column(spec.table, c.name) for c in spec.columns if c.out in spec.primary_key}
    lacking = sorted(n for n in needed if n.casefold() not in have)
    if lacking:
        raise ConfigError(
            f"Stream {spec.name}: the change table {table} has no column {', '.join(lacking)}, so its changes cannot"
            f" be read. Check odbc.cdc_table_pattern names this install's capture instance for {spec.table}"
            f" (SQL Server: SELECT capture_instance FROM cdc.change_tables), or remove {spec.table} from"
            " odbc.cdc_tables."
        )
    missing = []
    for column in (c for c in spec.columns if c.kind != "rowkey"):
        if names.column(spec.table, column.name).casefold() not in have:
            missing.append(column.name)
            LOG.warning(
                "Stream %s: the change table %s does not capture column %s; changed rows arrive with %s null."
                " Add the column to the capture instance's captured_column_list to read it",
                spec.name,
                table,
                column.name,
                column.out,
            )
    return frozenset(missing)


def change_batches(
    db: SpectrumOdbc,
    spec: StreamSpec,
    builder: RecordBuilder,
    sql: str,
    company_code: str,
    after_hex: str,
    upper: bytes,
    read_at: str,
) -> Iterator[RowBatch]:
    """One batch of records per fetch: the stream's fields, then `_ab_cdc_lsn` and `_ab_cdc_deleted_at`."""
    names = (*builder.names, *CDC_FIELDS)
    build = builder.build_values
    for rows in db.batches(sql, [company_code, bytes.fromhex(after_hex), upper]):
        yield names, [_change(build, tuple(row), company_code, read_at) for row in rows]


def _change(build, row: tuple, company_code: str, read_at: str) -> tuple:
    *columns, lsn, operation = row
    deleted_at = read_at if int(operation) == DELETE else None
    return (*build(tuple(columns), company_code), bytes(lsn).hex(), deleted_at)
