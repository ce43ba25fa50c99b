"""One stream -> one DuckDB table. A batch goes through a text file DuckDB reads natively, then into the table.

Why not `COPY table FROM csv` as jwills' target-duckdb 0.8.0 does: from DuckDB 1.3 its CSV sniffer may take
the first row for a header (a record lost per batch), and an unquoted empty field reads as NULL, so a blank
part of a primary key ("" is a real value in Spectrum's Reference_2) breaks the load. Here every value is
quoted, NULL is an unquoted marker quoted values can never match (`allow_quoted_nulls=false`), nothing is
sniffed, and each column is cast from its exact text: a number is parsed once, by DuckDB, into DECIMAL.
"""

from __future__ import annotations

import datetime
import os
import tempfile
from collections.abc import Iterable, Sequence
from typing import Any

import simplejson
from singer_sdk.sinks import BatchSink

from tieout_target_duckdb.columns import Column, columns_for, quote, table_name

NULL = r"\N"


def _text(value: Any, column: Column) -> str | None:
    if value is None:
        return None
    if column.is_json:
        return simplejson.dumps(value, use_decimal=True, default=_json_default, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return simplejson.dumps(value, use_decimal=True, default=_json_default)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _json_default(value: Any) -> str:
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _csv_line(values: Iterable[str | None]) -> str:
    return ",".join(NULL if v is None else '"' + v.replace('"', '""') + '"' for v in values) + "\n"


class DuckDBSink(BatchSink):
    """Creates the table (and adds columns a later schema brings), then appends, upserts or overwrites."""

    def __init__(self, target: Any, stream_name: str, schema: dict, key_properties: Sequence[str] | None) -> None:
        super().__init__(target, stream_name, schema, key_properties)
        self.connection = target.connection
        self.schema_name = target.schema_for(stream_name)
        self.table = table_name(stream_name)
        try:
            self.columns = columns_for(self.schema)
        except ValueError as exc:
            raise ValueError(f"stream '{stream_name}': {exc}") from None
        self.key_columns = [c for c in self.columns if c.field in (key_properties or [])]
        self._overwritten = False
        self._ensure_table()

    @property
    def qualified(self) -> str:
        return f"{quote(self.schema_name)}.{quote(self.table)}"

    def _ensure_table(self) -> None:
        con = self.connection
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(self.schema_name)}")
        existing = {
            name: kind
            for name, kind in con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = ? AND table_name = ?",
                [self.schema_name, self.table],
            ).fetchall()
        }
        if not existing:
            body = ", ".join(f"{quote(c.name)} {c.sql_type}" for c in self.columns)
            con.execute(f"CREATE TABLE {self.qualified} ({body})")
            return
        for column in self.columns:
            if column.name not in existing:  # a new property in the tap's schema: add it, keep the old rows
                con.execute(f"ALTER TABLE {self.qualified} ADD COLUMN {quote(column.name)} {column.sql_type}")

    def process_batch(self, context: dict) -> None:
        records = context.get("records") or []
        if not records:
            return
        temp_dir = self.config.get("temp_dir")
        if temp_dir:
            os.makedirs(temp_dir, exist_ok=True)
        fd, path = tempfile.mkstemp(prefix=f"tieout-{self.table}-", suffix=".csv", dir=temp_dir)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                for record in records:
                    handle.write(_csv_line(_text(record.get(c.field), c) for c in self.columns))
            self._load(path, len(records))
        finally:
            os.unlink(path)

    def _load(self, path: str, count: int) -> None:
        con = self.connection
        read = (
            "read_csv(?, header = false, delim = ',', quote = '\"', escape = '\"', nullstr = '\\N', "
            "allow_quoted_nulls = false, auto_detect = false, columns = {"
            + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(self.columns)))
            + "})"
        )
        casts = ", ".join(f"CAST(c{i} AS {c.sql_type}) AS {quote(c.name)}" for i, c in enumerate(self.columns))
        names = ", ".join(quote(c.name) for c in self.columns)
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE tieout_batch AS SELECT {casts} FROM {read}", [path])
            loaded = con.execute("SELECT count(*) FROM tieout_batch").fetchone()[0]
            if loaded != count:  # never let a reader's quirk lose a row silently
                raise RuntimeError(f"{self.qualified}: {count} records in the batch, {loaded} read back")
            method = str(self.config.get("load_method") or "append-only")
            if method == "overwrite" and not self._overwritten:
                con.execute(f"DELETE FROM {self.qualified}")
                self._overwritten = True
            elif method == "upsert" and self.key_columns:
                same_key = " AND ".join(
                    f"t.{quote(c.name)} IS NOT DISTINCT FROM b.{quote(c.name)}" for c in self.key_columns
                )
                con.execute(
                    f"DELETE FROM {self.qualified} AS t WHERE EXISTS (SELECT 1 FROM tieout_batch AS b WHERE {same_key})"
                )
            con.execute(f"INSERT INTO {self.qualified} ({names}) SELECT {names} FROM tieout_batch")
            con.execute("DROP TABLE tieout_batch")
            con.execute("COMMIT")
        except Exception as exc:
            con.execute("ROLLBACK")
            raise RuntimeError(
                f"loading {count} records of stream '{self.stream_name}' into {self.qualified}: {exc}"
            ) from exc
        self.logger.info("Loaded %d records into %s", count, self.qualified)
