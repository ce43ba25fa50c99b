"""ODBC transport: pyodbc through a real driver to SQL Server (production), PostgreSQL or SQLite.

The SQL this client runs must work on all three: `?` parameters only, `LTRIM(RTRIM())` for padded keys,
no TOP/LIMIT, no vendor functions. Rows stream with `fetchmany`, so memory stays flat however large the
table; the per-driver options below switch off the drivers' habit of buffering the whole result first.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator, Sequence
from typing import Any

import pyodbc

from .errors import (
    DatabaseUnreachable,
    SpectrumConfigError,
)
from .odbc_errors import translate_error
from .odbc_settings import OdbcSettings, connection_value, parse_connection_string


class SpectrumOdbc:
    """One ODBC connection to a Spectrum database, opened lazily."""

    def __init__(self, settings: OdbcSettings) -> None:
        self.settings = settings
        self._conn: pyodbc.Connection | None = None
        self._temp_tables = 0

    def connect(self) -> pyodbc.Connection:
        if self._conn is None:
            family = self.settings.family
            if family == "sqlite":
                database = connection_value(parse_connection_string(self.settings.build()), "Database")
                if database and not os.path.exists(database):
                    raise DatabaseUnreachable(
                        f"Spectrum database unreachable: the SQLite file {database!r} does not exist;"
                        " check `database` (the path of the SQLite file)."
                    )
            try:
                # Autocommit: this client only reads, and the SQLite driver streams only outside a transaction.
                self._conn = pyodbc.connect(self.settings.build(), timeout=self.settings.login_timeout, autocommit=True)
            except pyodbc.Error as exc:
                raise translate_error(exc, self.settings, during="connect") from None
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(pyodbc.Error):
                self._conn.close()
            self._conn = None

    def __enter__(self) -> SpectrumOdbc:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def stream(
        self,
        sql: str,
        params: Sequence[Any] = (),
        *,
        fetch_size: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield each row as a dict keyed by lower-cased column name, `fetch_size` rows at a time."""
        conn = self.connect()
        size = fetch_size or self.settings.fetch_size
        cursor = conn.cursor()
        temp = None
        try:
            try:
                temp = self._execute(cursor, sql, params)
                names = [d[0].lower() for d in cursor.description]
            except pyodbc.Error as exc:
                raise translate_error(exc, self.settings, during="query") from None
            while True:
                try:
                    rows = cursor.fetchmany(size)
                except pyodbc.Error as exc:
                    raise translate_error(exc, self.settings, during="query") from None
                if not rows:
                    break
                for row in rows:
                    yield dict(zip(names, row, strict=False))
        finally:
            with contextlib.suppress(pyodbc.Error):
                cursor.close()
            self._drop(temp)

    def batches(self, sql: str, params: Sequence[Any] = (), *, fetch_size: int | None = None) -> Iterator[list]:
        """The driver's rows, one `fetchmany` list at a time (bulk readers convert a whole list in one go)."""
        conn = self.connect()
        size = fetch_size or self.settings.fetch_size
        cursor = conn.cursor()
        temp = None
        try:
            try:
                temp = self._execute(cursor, sql, params)
            except pyodbc.Error as exc:
                raise translate_error(exc, self.settings, during="query") from None
            while True:
                try:
                    batch = cursor.fetchmany(size)
                except pyodbc.Error as exc:
                    raise translate_error(exc, self.settings, during="query") from None
                if not batch:
                    break
                yield batch
        finally:
            with contextlib.suppress(pyodbc.Error):
                cursor.close()
            self._drop(temp)

    def _execute(self, cursor: pyodbc.Cursor, sql: str, params: Sequence[Any]) -> str | None:
        """Run `sql`; returns the temp table to drop once the rows are read (SQLite only)."""
        if not params:
            cursor.execute(sql)
            return None
        if self.settings.family != "sqlite":
            cursor.execute(sql, *params)
            return None
        # The SQLite ODBC driver steps through rows (constant memory) only for statements without
        # parameters; with any parameter it copies the whole result into memory first (measured: 1.2 GB
        # for 1.8M rows). So the values go, still as bound parameters, into a one-row TEMP table, and each
        # `?` becomes a scalar subquery on it: the SELECT itself has no parameters and streams.
        self._temp_tables += 1
        table = f"temp.tieout_params_{self._temp_tables}"
        columns = ", ".join(f"p{i}" for i in range(len(params)))
        cursor.execute(f"CREATE TEMP TABLE {table.split('.')[1]} ({columns})")
        cursor.execute(
            f"INSERT INTO {table} VALUES ({', '.join('?' * len(params))})", *[_sqlite_value(v) for v in params]
        )
        cursor.execute(_subquery_placeholders(sql, len(params), table))
        return table

    def _drop(self, table: str | None) -> None:
        if table and self._conn is not None:
            with contextlib.suppress(pyodbc.Error):
                self._conn.cursor().execute(f"DROP TABLE IF EXISTS {table}").close()

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        for row in self.stream(sql, params, fetch_size=1):
            return next(iter(row.values()))
        return None

    def table_columns(self, table: str) -> list[str]:
        """The columns `table` has, as the database spells them: one catalog call (`SQLColumns`), no rows read.

        Catalog lookups match the stored spelling, which differs by database (PostgreSQL folds unquoted names
        to lower case), so the name is tried as given, lower-cased and upper-cased. A driver or login that
        the catalog answers nothing for gets the columns of an empty result instead.
        """
        validate_identifier(table)
        conn = self.connect()
        try:
            for name in dict.fromkeys((table, table.lower(), table.upper())):
                cursor = conn.cursor()
                try:
                    found = list(dict.fromkeys(row.column_name for row in cursor.columns(table=name)))
                finally:
                    with contextlib.suppress(pyodbc.Error):
                        cursor.close()
                if found:
                    return found
            cursor = conn.cursor()
            try:
                cursor.execute(f"SELECT * FROM {table} WHERE 1 = 0")
                return [d[0] for d in cursor.description]
            finally:
                with contextlib.suppress(pyodbc.Error):
                    cursor.close()
        except pyodbc.Error as exc:
            raise translate_error(exc, self.settings, during="query") from None

    def check_table(self, table: str) -> None:
        """Prove the table exists and the user may read it, without reading rows."""
        validate_identifier(table)
        list(self.stream(f"SELECT 1 AS ok FROM {table} WHERE 1 = 0"))


def _sqlite_value(value: Any) -> Any:
    # Dates are stored as ISO text by SQLite loaders; compare like with like.
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _subquery_placeholders(sql: str, count: int, table: str) -> str:
    """Replace each `?` outside string literals with `(SELECT p<i> FROM <table>)`, in order."""
    out: list[str] = []
    index = 0
    in_literal = False
    for char in sql:
        if char == "'":
            in_literal = not in_literal  # a doubled '' toggles twice: still correct
        if char == "?" and not in_literal:
            out.append(f"(SELECT p{index} FROM {table})")
            index += 1
        else:
            out.append(char)
    if index != count:
        raise SpectrumConfigError(f"the SQL has {index} `?` placeholders but {count} parameters were given")
    return "".join(out)


def validate_identifier(name: str) -> str:
    """Table and column names are spliced into SQL, so only plain identifiers pass."""
    stripped = name.replace("_", "").replace(".", "")
    if not name or not stripped.isalnum() or not stripped.isascii() or name[0].isdigit():
        raise SpectrumConfigError(f"not a plain SQL identifier: {name!r}")
    return name
