"""The warehouse as the desk reads it: one short DuckDB connection per request, so a dbt build (a single
writer) can run between two page views. All reads go through the marts dbt builds; writes go through store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from tieout_desk import store


class WarehouseError(RuntimeError):
    """The warehouse cannot be read as the desk needs it; the message says what to run."""


@dataclass(frozen=True)
class Warehouse:
    path: Path
    schema: str = "main"
    desk_schema: str = "tieout_desk"

    @contextmanager
    def connect(self, write: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        if not self.path.is_file():
            raise WarehouseError(f"warehouse {self.path} does not exist: run `make demo` (or dbt build) first")
        try:
            con = duckdb.connect(str(self.path), read_only=not write)
        except duckdb.IOException as exc:
            raise WarehouseError(
                f"warehouse {self.path} is busy (a build holds it: {exc}); reload in a moment"
            ) from exc
        try:
            yield con
        finally:
            con.close()

    def check(self) -> None:
        """Fail early, naming the fix, when the warehouse was never built with the desk's models."""
        with self.connect() as con:
            found = {
                row[0]
                for row in con.execute(
                    "select table_name from information_schema.tables where table_schema = ?", [self.schema]
                ).fetchall()
            }
        missing = [name for name in ("close_checklist", "exception_queue") if name not in found]
        if missing:
            raise WarehouseError(
                f"warehouse {self.path} has no {', '.join(missing)} in schema {self.schema}: "
                "build it with the dbt project (transforms/) first, e.g. `make demo`"
            )

    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        with self.connect() as con:
            return _rows(con, sql, params)

    def table_exists(self, name: str, schema: str | None = None) -> bool:
        return bool(
            self.rows(
                "select 1 from information_schema.tables where table_schema = ? and table_name = ?",
                [schema or self.schema, name],
            )
        )

    # -- reads -------------------------------------------------------------------------------------------

    def checklist(self) -> list[dict[str, Any]]:
        return self.rows(f"select * from {self.schema}.close_checklist order by step_order")

    def step(self, close_step: str) -> dict[str, Any] | None:
        found = self.rows(f"select * from {self.schema}.close_checklist where close_step = ?", [close_step])
        return found[0] if found else None

    def queue(self, filters: dict[str, str]) -> list[dict[str, Any]]:
        where, params = [], []
        for column in ("exception_type", "company_code", "owner", "status", "close_step"):
            if filters.get(column):
                where.append(f"{column} = ?")
                params.append(filters[column])
        if filters.get("blocking") == "yes":
            where.append("blocks_close")
        clause = f"where {' and '.join(where)}" if where else ""
        return self.rows(
            f"select * from {self.schema}.exception_queue {clause} "
            "order by blocks_close desc, amount_at_stake desc nulls first, exception_id",
            params,
        )

    def facets(self) -> dict[str, list[str]]:
        """The values each queue filter can take, from the queue itself."""
        out = {}
        for column in ("exception_type", "company_code", "owner", "status", "close_step"):
            out[column] = [
                r["v"]
                for r in self.rows(
                    f"select distinct {column} as v from {self.schema}.exception_queue where {column} is not null "
                    "order by 1"
                )
            ]
        return out

    def exception(self, exception_id: str) -> dict[str, Any] | None:
        found = self.rows(f"select * from {self.schema}.exception_queue where exception_id = ?", [exception_id])
        return found[0] if found else None

    def history(self, kind: str, subject_id: str) -> list[dict[str, Any]]:
        return self.rows(
            f"select decided_at, decided_by, status, reason, note from {self.desk_schema}.decisions "
            "where subject_kind = ? and subject_id = ? order by decided_at desc, decision_id desc",
            [kind, subject_id],
        )

    # -- writes ------------------------------------------------------------------------------------------

    def decide_exception(self, exception_id: str, status: str, who: str, reason: str, note: str = "") -> str:
        if self.exception(exception_id) is None:
            raise store.DecisionError(
                f"exception '{exception_id}' is not in the data any more (a build closed it): reload the queue"
            )
        return self._record(store.Decision("exception", exception_id, status, who, reason, note))

    def sign_off(self, close_step: str, role: str, who: str, note: str = "") -> str:
        step = self.step(close_step)
        if step is None:
            raise store.DecisionError(f"close step '{close_step}' is not on the checklist")
        if step["status"] != "ready":
            raise store.DecisionError(
                f"{step['step_name']} is blocked by {step['open_exception_count']} exception(s): "
                "clear them (resolve or waive) before signing it off"
            )
        if role == "reviewed":
            if not step["prepared_by"]:
                raise store.DecisionError(f"{step['step_name']} has no preparer sign-off yet: it is prepared first")
            if " ".join(who.split()).casefold() == step["prepared_by"].casefold():
                raise store.DecisionError(
                    f"name: {step['prepared_by']} prepared {step['step_name']}; a different person reviews it"
                )
        subject = f"{step['close_period']}|{close_step}"
        return self._record(store.Decision("close_step", subject, role, who, "", note))

    def _record(self, decision: store.Decision) -> str:
        decision.validated()  # refuse before taking the write lock
        with self.connect(write=True) as con:
            store.ensure_tables(con, self.desk_schema)
            return store.record(con, self.desk_schema, decision, dt.datetime.now(dt.timezone.utc))


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
