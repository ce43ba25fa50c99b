"""The DuckDB warehouse the syncs land (PyAirbyte layout: schemas buildops_raw and spectrum_raw, one table a
stream, column names lower-cased), opened read-only so a running desk or demo keeps its own lock.

Only the raw tables are read, not the dbt models: the assistant is what a stand-up runs before the first dbt
build has a mapping to build with.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from .files import InputError

BUILDOPS_TABLES = ("pricebook_items", "invoices", "invoice_items", "customers", "departments")
SPECTRUM_TABLES = ("ar_invoices", "job_cost_transactions", "phases", "customers")


class Warehouse:
    def __init__(self, path: Path, buildops_schema: str = "buildops_raw", spectrum_schema: str = "spectrum_raw"):
        if not path.is_file():
            raise InputError(
                f"warehouse {path} does not exist; pass --warehouse with the DuckDB file the syncs land "
                f"(make demo writes demo-output/tieout.duckdb)"
            )
        try:
            self.con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as exc:
            raise InputError(
                f"warehouse {path} cannot be opened read-only ({exc}); close the process holding it"
            ) from None
        self.con.execute("set enable_progress_bar = false")  # a CLI's output, not a terminal animation
        self.bo, self.sp = buildops_schema, spectrum_schema
        present = {
            (schema, table)
            for schema, table in self.con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
        missing = [f"{self.bo}.{t}" for t in BUILDOPS_TABLES if (self.bo, t) not in present] + [
            f"{self.sp}.{t}" for t in SPECTRUM_TABLES if (self.sp, t) not in present
        ]
        if missing:
            raise InputError(
                f"warehouse {path} lacks {', '.join(missing)}; sync source-buildops into schema {self.bo} and "
                f"source-spectrum into schema {self.sp} first (or pass --buildops-schema / --spectrum-schema)"
            )
        self._present = present

    def has_column(self, schema: str, table: str, column: str) -> bool:
        return bool(
            self.con.execute(
                "select 1 from information_schema.columns where table_schema = ? and table_name = ? "
                "and column_name = ?",
                [schema, table, column],
            ).fetchone()
        )

    def has_table(self, schema: str, table: str) -> bool:
        return (schema, table) in self._present

    def close(self) -> None:
        self.con.close()
