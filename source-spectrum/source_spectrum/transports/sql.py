"""ODBC transport: one parameterised, dialect-neutral SELECT per stream and company, streamed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from spectrum_client import OdbcSettings, SpectrumOdbc
from spectrum_client.odbc import validate_identifier

from ..catalog import SQL_STREAMS, StreamSpec
from ..config import SpectrumConfig
from ..normalise import RecordBuilder, RowKeys


def odbc_settings(config: SpectrumConfig) -> OdbcSettings:
    odbc = config.odbc
    assert odbc is not None
    if odbc.connection_string is not None:
        return OdbcSettings(connection_string=odbc.connection_string.get_secret_value(),
                            options=odbc.options, fetch_size=odbc.fetch_size)
    return OdbcSettings(
        driver=odbc.driver, server=odbc.server, port=odbc.port, database=odbc.database,
        user=odbc.user, password=odbc.password.get_secret_value() if odbc.password else None,
        options=odbc.options, fetch_size=odbc.fetch_size,
    )


def select_sql(spec: StreamSpec, *, incremental: bool) -> str:
    """`SELECT LTRIM(RTRIM(key)) AS key, col, ... FROM table WHERE Company_Code = ? [AND cursor >= ?]`.

    Runs unchanged on SQL Server, PostgreSQL and SQLite. Identifiers are checked, values are parameters.
    """
    assert spec.table is not None
    parts = []
    for column in (c for c in spec.columns if c.kind != "rowkey"):
        name = validate_identifier(column.name)
        parts.append(f"LTRIM(RTRIM({name})) AS {name}" if column.kind == "key" else name)
    sql = f"SELECT {', '.join(parts)} FROM {validate_identifier(spec.table)} WHERE Company_Code = ?"
    if incremental and spec.cursor:
        sql += f" AND {validate_identifier(spec.cursor)} >= ?"
    return sql


def cursor_parameter(spec: StreamSpec, since: date) -> Any:
    """Text dates (`Tran_Date_Text`) compare as YYYYMMDD text; real DATE columns take a date parameter."""
    column = next(c for c in spec.columns if c.name == spec.cursor)
    return since.strftime("%Y%m%d") if column.kind == "tdate" else since


class SqlTransport:
    name = "sql"

    def __init__(self, config: SpectrumConfig) -> None:
        self.db = SpectrumOdbc(odbc_settings(config))
        self._builders: dict[str, RecordBuilder] = {}

    @property
    def streams(self) -> tuple[StreamSpec, ...]:
        return SQL_STREAMS

    def check(self, company_codes: list[str]) -> None:
        self.db.connect()
        for spec in SQL_STREAMS:
            assert spec.table is not None
            self.db.check_table(spec.table)

    def read(self, spec: StreamSpec, company_code: str, since: date | None) -> Iterator[dict[str, Any]]:
        builder = self._builders.setdefault(spec.name, RecordBuilder(spec.columns, spec.primary_key))
        params: list[Any] = [company_code]
        if since is not None and spec.cursor:
            params.append(cursor_parameter(spec, since))
        sql = select_sql(spec, incremental=since is not None)
        build = builder.build_row
        if spec.synthetic_key:
            keys = RowKeys()
            for row in self.db.rows(sql, params):
                yield keys.add(build(row, company_code))
            return
        for row in self.db.rows(sql, params):
            yield build(row, company_code)

    def close(self) -> None:
        self.db.close()
