"""Syncs a connector into the DuckDB warehouse through PyAirbyte: a real Airbyte host, not a hand-written loader."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

# PyAirbyte looks up the connector registry unless told it is offline; the demo needs no network.
os.environ.setdefault("AIRBYTE_OFFLINE_MODE", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")


@dataclass(frozen=True)
class SyncResult:
    connector: str
    schema: str
    counts: dict[str, int]


def sync_source(connector: str, config_file: Path, warehouse: Path, schema: str) -> SyncResult:
    import airbyte as ab  # imported late: it is slow to import and only this step needs it
    from airbyte.caches import DuckDBCache

    executable = shutil.which(connector)
    if not executable:
        raise RuntimeError(f"{connector} is not on PATH: run `make install` first")
    config = json.loads(config_file.read_text())
    source = ab.get_source(connector, config=config, local_executable=executable, streams="*")
    source.check()
    cache = DuckDBCache(db_path=warehouse, schema_name=schema)
    result = source.read(cache=cache, force_full_refresh=True)
    counts = {name: len(dataset) for name, dataset in result.streams.items()}
    return SyncResult(connector=connector, schema=schema, counts=counts)
