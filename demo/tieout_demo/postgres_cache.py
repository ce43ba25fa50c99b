"""PyAirbyte's PostgreSQL cache with every text field landed exactly as the connector emitted it.

Why: PyAirbyte 0.71's PostgreSQL processor loads each batch with the generic
`SqlProcessorBase._write_files_to_new_table`, which reads the JSONL batch file with `pandas.read_json(path,
lines=True)`. Its default `dtype=True` re-infers every column, so a string column holding only digits becomes an
integer column: phase '010100' lands as '10100', a job number '0042' as '42', a right-justified Spectrum job
'     40006' as '40006', an amount string '1234.50' as '1234.5'. The table column is still varchar (it follows the
stream schema), so nothing fails; the text is just different, and every join of a phase code to the phase grid
or the mapping files misses. The DuckDB cache loads the same files with DuckDB's own JSON reader against the
declared columns and keeps the text, which is why only PostgreSQL showed it. Measured on the sandbox (scale
0.03) against the DuckDB landing, the stock cache changed 16 raw text columns: phase codes ('010100' -> '10100'
in phases, job_cost_transactions, phase_projections, payroll_time_cards), major/minor group codes ('01' -> '1'),
GL periods and tran numbers ('0000000001' -> '1'), progress billing items ('001' -> '1'), and a column with
nulls became float text: vendor invoice, check and employee numbers, BuildOps payment refs ('115187' ->
'115187.0').

The fix reads the batch with `dtype=False` (no re-inference: a JSON string stays a Python str, a JSON number a
number); everything else, dates included, is PyAirbyte's own code path. Use `postgres_cache(...)` wherever
`airbyte.caches.PostgresCache(...)` would be used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
from airbyte._processors.sql.postgres import PostgresSqlProcessor
from airbyte.caches import PostgresCache
from airbyte.exceptions import PyAirbyteInternalError
from airbyte.shared.sql_processor import SqlProcessorBase
from pandas import Index


class TextKeepingPostgresSqlProcessor(PostgresSqlProcessor):
    """PostgresSqlProcessor whose batch load does not turn digit strings into numbers."""

    def _write_files_to_new_table(self, files: list[Path], stream_name: str, batch_id: str) -> str:
        # Same steps as SqlProcessorBase._write_files_to_new_table (PyAirbyte 0.71) except `dtype=False`.
        temp_table_name = self._create_table_for_loading(stream_name, batch_id)
        if not self._table_exists(temp_table_name):
            raise PyAirbyteInternalError(
                message="Table does not exist after creation.", context={"temp_table_name": temp_table_name}
            )
        column_types = self._get_sql_column_definitions(stream_name)
        for file_path in files:
            dataframe = pd.read_json(file_path, lines=True, dtype=False)
            dataframe = dataframe.drop(columns=[c for c in dataframe.columns if c not in column_types])
            dataframe.columns = Index([self.normalizer.normalize(c) for c in dataframe.columns])
            dataframe.to_sql(
                temp_table_name,
                self.get_sql_alchemy_url(),
                schema=self.sql_config.schema_name,
                if_exists="append",
                index=False,
                dtype=column_types,  # type: ignore[arg-type]
            )
        return temp_table_name


class TextKeepingPostgresCache(PostgresCache):
    """airbyte.caches.PostgresCache with TextKeepingPostgresSqlProcessor."""

    _sql_processor_class: ClassVar[type[SqlProcessorBase]] = TextKeepingPostgresSqlProcessor


def postgres_cache(dsn: str, schema_name: str) -> TextKeepingPostgresCache:
    """The cache for one raw schema from a libpq keyword DSN ("host=... port=... dbname=... user=...")."""
    params: dict[str, Any] = dict(part.split("=", 1) for part in dsn.split())
    missing = [key for key in ("host", "port", "dbname", "user") if key not in params]
    if missing:
        raise ValueError(
            f"PostgreSQL DSN {dsn!r} lacks {', '.join(missing)}: write it as "
            "'host=HOST port=PORT dbname=DATABASE user=USER [password=PASSWORD]'"
        )
    return TextKeepingPostgresCache(
        host=params["host"],
        port=int(params["port"]),
        database=params["dbname"],
        username=params["user"],
        password=params.get("password", ""),
        schema_name=schema_name,
    )
