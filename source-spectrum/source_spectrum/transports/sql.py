"""ODBC transport: one parameterised, dialect-neutral SELECT per stream and company, streamed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from itertools import repeat
from typing import Any

from spectrum_client import OdbcSettings, SpectrumOdbc
from spectrum_client.odbc import validate_identifier
from spectrum_client.odbc_child import batches_in_child, child_reads_available

from source_spectrum.catalog import SQL_STREAMS, StreamSpec
from source_spectrum.config import SpectrumConfig
from source_spectrum.names import InstallNames
from source_spectrum.normalize import RecordBuilder, RowKeys
from source_spectrum.transports.base import RowBatch
from source_spectrum.transports.cdc import (
    LsnRange,
    change_batches,
    change_table,
    changes_sql,
    lsn_range,
    missing_in_change_table,
)
from source_spectrum.transports.columns import missing_columns, select_list
from source_spectrum.transports.open_periods import open_period_starts


def odbc_settings(config: SpectrumConfig) -> OdbcSettings:
    odbc = config.odbc
    assert odbc is not None
    if odbc.connection_string is not None:
        return OdbcSettings(
            connection_string=odbc.connection_string.get_secret_value(),
            options=odbc.options,
            fetch_size=odbc.fetch_size,
            child_process_reads=odbc.child_process_reads,
            stall_timeout=odbc.stall_timeout_seconds or None,
        )
    return OdbcSettings(
        driver=odbc.driver,
        server=odbc.server,
        port=odbc.port,
        database=odbc.database,
        user=odbc.user,
        password=odbc.password.get_secret_value() if odbc.password else None,
        options=odbc.options,
        fetch_size=odbc.fetch_size,
        child_process_reads=odbc.child_process_reads,
        stall_timeout=odbc.stall_timeout_seconds or None,
    )


def select_sql(
    spec: StreamSpec, *, incremental: bool, names: InstallNames | None = None, missing: frozenset[str] = frozenset()
) -> str:
    """`SELECT LTRIM(RTRIM(key)) AS key, col, ... FROM table WHERE Company_Code = ? [AND cursor >= ?]`.

    Runs unchanged on SQL Server, PostgreSQL and SQLite. Identifiers are checked, values are parameters.
    A column this install names differently (`names`) is selected under the catalog's name; one its table
    lacks (`missing`, see columns.py) is selected as NULL, so the record keeps its shape.
    """
    assert spec.table is not None
    names = names or InstallNames()
    table = validate_identifier(names.table(spec.table))
    company = validate_identifier(names.column(spec.table, "Company_Code"))
    sql = f"SELECT {select_list(spec, names, missing)} FROM {table} WHERE {company} = ?"
    if incremental and spec.cursor:
        sql += f" AND {validate_identifier(names.column(spec.table, spec.cursor))} >= ?"
    return sql


def cursor_parameter(spec: StreamSpec, since: date) -> Any:
    """Text dates (`Tran_Date_Text`) compare as YYYYMMDD text; real DATE columns take a date parameter."""
    column = next(c for c in spec.columns if c.name == spec.cursor)
    return since.strftime("%Y%m%d") if column.kind == "tdate" else since


class SqlTransport:
    name = "sql"

    def __init__(self, config: SpectrumConfig) -> None:
        self.db = SpectrumOdbc(odbc_settings(config))
        assert config.odbc is not None
        self.names = InstallNames(config.odbc.table_names, config.odbc.column_names)
        self._builders: dict[str, RecordBuilder] = {}
        self._missing: dict[str, frozenset[str]] = {}  # stream -> catalog columns its table lacks
        self._open_periods = config.odbc.open_periods_table, config.odbc.open_periods_start_column
        self._open_from: dict[str, date] | None = None  # company -> earliest date open for posting
        self._open_from_read = False
        self._cdc_tables, self._cdc_pattern = frozenset(config.odbc.cdc_tables), config.odbc.cdc_table_pattern
        self._lsn_ranges: dict[str, LsnRange] = {}  # stream -> its change table's LSNs, read once per run

    @property
    def streams(self) -> tuple[StreamSpec, ...]:
        return SQL_STREAMS

    def check(self, company_codes: list[str]) -> None:
        self.db.connect()
        for spec in SQL_STREAMS:
            assert spec.table is not None
            self.db.check_table(self.names.table(spec.table))
            self.missing_columns(spec)  # a missing key column fails `check`, not the first sync

    def read_batches(self, spec: StreamSpec, company_code: str, since: date | None) -> Iterator[RowBatch]:
        builder = self._builders.get(spec.name)
        if builder is None:  # compiled once per stream
            builder = self._builders[spec.name] = RecordBuilder(spec.columns, spec.primary_key)
        params: list[Any] = [company_code]
        if since is not None and spec.cursor:
            params.append(cursor_parameter(spec, since))
        sql = select_sql(spec, incremental=since is not None, names=self.names, missing=self.missing_columns(spec))

        if not (self.db.settings.child_process_reads and child_reads_available()):
            return _value_batches(self.db, spec, builder, sql, params, company_code)

        def in_child() -> Iterator[RowBatch]:
            # Fetch and normalise in a forked child (its own connection), overlapping this process's
            # serialisation of the previous batch: see spectrum_client/odbc_child.py for why not a thread.
            with SpectrumOdbc(self.db.settings) as db:
                yield from _value_batches(db, spec, builder, sql, params, company_code)

        return batches_in_child(in_child, self.db.settings.stall_timeout)

    def missing_columns(self, spec: StreamSpec) -> frozenset[str]:
        """What the stream's table lacks, asked of the database once per stream per run (see columns.py)."""
        if spec.name not in self._missing:
            assert spec.table is not None
            present = self.db.table_columns(self.names.table(spec.table))
            self._missing[spec.name] = missing_columns(spec, self.names, present)
        return self._missing[spec.name]

    def open_from(self, company_code: str) -> date | None:
        """The earliest date still open for posting in the company, read once per run (see open_periods.py);
        None when there is no period table (or no row for the company)."""
        table, column = self._open_periods
        if not table:
            return None
        if not self._open_from_read:
            self._open_from = open_period_starts(self.db, table, column)
            self._open_from_read = True
        return (self._open_from or {}).get(company_code)

    def change_table(self, spec: StreamSpec) -> str | None:
        """The change table the stream reads, when `odbc.cdc_tables` opts its table in (see cdc.py)."""
        if spec.table not in self._cdc_tables:
            return None
        return change_table(self._cdc_pattern, self.names.table(spec.table))

    def lsn_range(self, spec: StreamSpec) -> LsnRange:
        """The oldest and newest change the stream's change table holds, read once per run, before any read."""
        if spec.name not in self._lsn_ranges:
            table = self.change_table(spec)
            assert table is not None
            self._lsn_ranges[spec.name] = lsn_range(self.db, table, self.names.table(spec.table))
        return self._lsn_ranges[spec.name]

    def read_changes(
        self, spec: StreamSpec, company_code: str, after_hex: str, upper: bytes, read_at: str
    ) -> Iterator[RowBatch]:
        """One company's changes with an LSN in (after, upper], in commit order (see cdc.py)."""
        table = self.change_table(spec)
        assert table is not None
        builder = self._builders.get(spec.name)
        if builder is None:
            builder = self._builders[spec.name] = RecordBuilder(spec.columns, spec.primary_key)
        missing = missing_in_change_table(spec, self.names, table, self.db.table_columns(table))
        sql = changes_sql(spec, self.names, table, missing)
        return change_batches(self.db, spec, builder, sql, company_code, after_hex, upper, read_at)

    def close(self) -> None:
        self.db.close()


def _value_batches(
    db: SpectrumOdbc, spec: StreamSpec, builder: RecordBuilder, sql: str, params: list[Any], company_code: str
) -> Iterator[RowBatch]:
    """One batch of normalised value tuples per `fetchmany`, on connection `db`."""
    if spec.synthetic_key:
        add, build = RowKeys().add, builder.build_row
        names = (*builder.names, "row_key")
        for rows in db.batches(sql, params):
            yield names, [tuple(add(build(row, company_code)).values()) for row in rows]
        return
    build_values, names = builder.build_values, builder.names
    for rows in db.batches(sql, params):
        yield names, list(map(build_values, rows, repeat(company_code)))
