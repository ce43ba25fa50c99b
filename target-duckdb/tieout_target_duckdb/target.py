"""The Singer target `target-duckdb` (singer-sdk): Tieout's raw landing for Meltano.

Tables land where transforms/ expects them under `raw_layout: meltano` (docs/ARCHITECTURE.md): one schema per
extractor (`default_target_schema`, which meltano.yml sets to the extractor's namespace), one table per stream,
columns lower-cased, nested objects as JSON, `_sdc_extracted_at` when `add_record_metadata` is on. Loads
append by default; staging keeps the latest version of each key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
from singer_sdk import Target
from singer_sdk import typing as th

from tieout_target_duckdb.sink import DuckDBSink


class TargetDuckDB(Target):
    name = "target-duckdb"
    default_sink_class = DuckDBSink
    max_parallelism = 1  # one DuckDB file, one writer
    config_jsonschema = th.PropertiesList(
        th.Property(
            "path", th.StringType, required=True, description="DuckDB file the raw tables land in (created if missing)."
        ),
        th.Property(
            "default_target_schema",
            th.StringType,
            default="main",
            description="Schema every stream lands in (Meltano: the extractor's namespace).",
        ),
        th.Property(
            "temp_dir", th.StringType, description="Folder for batch files (default: the system temporary folder)."
        ),
    ).to_dict()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._connection: duckdb.DuckDBPyConnection | None = None

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        if self._connection is None:
            path = Path(str(self.config["path"])).expanduser()
            if not path.parent.is_dir():
                raise FileNotFoundError(
                    f"target-duckdb setting `path`: folder {path.parent} does not exist; create it or point "
                    "`path` (TARGET_DUCKDB_PATH, or TIEOUT_WAREHOUSE in meltano.yml) at an existing folder"
                )
            try:
                self._connection = duckdb.connect(str(path))
            except duckdb.IOException as exc:
                raise RuntimeError(
                    f"target-duckdb setting `path`: cannot open {path} for writing ({exc}); another process "
                    "(dbt, a notebook, PyAirbyte) may hold it: close it and rerun"
                ) from None
        return self._connection

    def schema_for(self, stream_name: str) -> str:
        return str(self.config.get("default_target_schema") or "main")

    def drain_all(self, *, is_endofpipe: bool = False) -> None:
        super().drain_all(is_endofpipe=is_endofpipe)
        if is_endofpipe and self._connection is not None:
            self._connection.execute("CHECKPOINT")
            self._connection.close()
            self._connection = None


cli = TargetDuckDB.cli
