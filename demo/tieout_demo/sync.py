"""Syncs a connector into the DuckDB warehouse through PyAirbyte: a real Airbyte host, not a hand-written loader.

Each sync runs in a child process: PyAirbyte keeps its DuckDB engine (and so the file lock) open for the life of
the process, and dbt must be able to open the warehouse right after.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SyncResult:
    connector: str
    schema: str
    counts: dict[str, int]


def sync_source(
    connector: str, config_file: Path, warehouse: Path, schema: str, *, full_refresh: bool = True
) -> SyncResult:
    """Runs `python -m tieout_demo.sync` in a child process and returns its per-stream record counts.

    full_refresh=False reads incrementally from the state PyAirbyte keeps in the warehouse (a refresh after an
    earlier sync into the same warehouse): the counts are then the records this sync read, not the table sizes."""
    if not shutil.which(connector):
        raise RuntimeError(f"{connector} is not on PATH: run `make install` first")
    env = {**os.environ, "AIRBYTE_OFFLINE_MODE": "1", "DO_NOT_TRACK": "1"}
    # PyAirbyte's own logs go beside the warehouse, not into a shared /tmp folder.
    env.setdefault("PYTHONWARNINGS", "ignore::FutureWarning")  # google-cloud deps nag about Python 3.11
    env.setdefault("AIRBYTE_LOGGING_ROOT", str(warehouse.parent / "logs"))
    with tempfile.TemporaryDirectory() as tmp:
        counts_file = Path(tmp) / "counts.json"
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "tieout_demo.sync",
                connector,
                str(config_file),
                str(warehouse),
                schema,
                str(counts_file),
                "full" if full_refresh else "incremental",
            ],
            env=env,
            check=False,
        )
        if proc.returncode != 0 or not counts_file.exists():
            raise RuntimeError(
                f"syncing {connector} through PyAirbyte failed (exit {proc.returncode}); "
                f"see the messages above and the logs in {env['AIRBYTE_LOGGING_ROOT']}"
            )
        counts = json.loads(counts_file.read_text())
    return SyncResult(connector=connector, schema=schema, counts=counts)


def _sync_in_this_process(
    connector: str, config_file: Path, warehouse: Path, schema: str, *, full_refresh: bool = True
) -> dict[str, int]:
    import airbyte as ab  # slow to import; only the child process needs it
    from airbyte.caches import DuckDBCache

    config = json.loads(config_file.read_text())
    source = ab.get_source(connector, config=config, local_executable=shutil.which(connector), streams="*")
    source.check()
    cache = DuckDBCache(db_path=warehouse, schema_name=schema)
    result = source.read(cache=cache, force_full_refresh=full_refresh)
    if full_refresh:
        return {name: len(dataset) for name, dataset in result.streams.items()}
    return {"records read (all streams)": result.processed_records}


if __name__ == "__main__":
    name, config_path, warehouse_path, schema_name, out = sys.argv[1:6]
    mode = sys.argv[6] if len(sys.argv) > 6 else "full"
    synced = _sync_in_this_process(
        name, Path(config_path), Path(warehouse_path), schema_name, full_refresh=mode == "full"
    )
    Path(out).write_text(json.dumps(synced))
