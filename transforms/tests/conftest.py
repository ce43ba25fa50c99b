"""Session fixtures for the dbt project's tests: one small sandbox, landed once, built once per warehouse.

dbt costs ~4 s to start plus ~0.15 s a model, so every test module shares the session's build and only
queries the marts. Scale 0.03 keeps a full generate + land + build under a minute.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
PROJECT = REPO / "transforms"
BIN = Path(sys.executable).parent
SCALE, SEED = "0.03", "1"


def dbt_env(warehouse: Path | None, mapping_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DO_NOT_TRACK": "1",
        "AIRBYTE_OFFLINE_MODE": "1",
        "TIEOUT_MAPPING_DIR": str(mapping_dir),
        **extra,
    }
    if warehouse is not None:
        env["TIEOUT_WAREHOUSE"] = str(warehouse)
    return env


def run_dbt(
    command: list[str], *, env: dict[str, str], workdir: Path, dbt_vars: dict | None = None, check: bool = True
) -> subprocess.CompletedProcess:
    """Run the dbt CLI against transforms/, with target and logs kept out of the repo."""
    args = [
        str(BIN / "dbt"),
        *command,
        "--project-dir",
        str(PROJECT),
        "--profiles-dir",
        str(PROJECT),
        "--target-path",
        str(workdir / "target"),
        "--log-path",
        str(workdir / "logs"),
    ]
    if dbt_vars is not None:
        args += ["--vars", json.dumps(dbt_vars)]
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"dbt {' '.join(command)} failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}")
    return result


def build_vars(data_dir: Path, truth: dict) -> dict:
    """What the demo passes dbt: the as-of date the data is stated at, its month, and policy.yml itself."""
    as_of = truth["spectrum"]["as_of"]
    return {
        "as_of_date": as_of,
        "close_period": as_of[:7],
        "policy": yaml.safe_load((data_dir / "policy.yml").read_text()),
    }


# How the DuckDB build gets its raw data: `hosts` (default) syncs source-buildops and source-spectrum through
# PyAirbyte from a running `tieout-sandbox serve`, as the demo does; `fixture` uses the development fixture
# (transforms/dev/land_sandbox_files.py), e.g. while a connector is being reworked.
RAW_MODE = os.environ.get("TIEOUT_TRANSFORMS_RAW", "hosts")

PYAIRBYTE_SYNC = """
import json, sys
from pathlib import Path
import airbyte as ab
from airbyte.caches import DuckDBCache
from tieout_demo.postgres_cache import postgres_cache
data_dir, warehouse, bin_dir = Path(sys.argv[1]), json.loads(sys.argv[2]), Path(sys.argv[3])
def cache(schema):
    if "postgres" in warehouse:  # PyAirbyte's PostgresCache would land phase '010100' as '10100'
        return postgres_cache(warehouse["postgres"], schema)
    return DuckDBCache(db_path=warehouse["duckdb"], schema_name=schema)
for name, config, schema in (("source-buildops", "source-buildops.json", "buildops_raw"),
                             ("source-spectrum", "source-spectrum.sql.json", "spectrum_raw")):
    source = ab.get_source(name, local_executable=str(bin_dir / name),
                           config=json.loads((data_dir / "configs" / config).read_text()))
    source.select_all_streams()
    source.read(cache=cache(schema))
"""


def land_raw_with_hosts(data_dir: Path, warehouse: Path | None = None, *, postgres_dsn: str | None = None) -> None:
    """Serve the sandbox on free ports and sync both sources through PyAirbyte into its DuckDB cache, or into
    its PostgreSQL cache when a DSN is given (the route a contractor takes when it outgrows one machine)."""
    target = {"postgres": postgres_dsn} if postgres_dsn else {"duckdb": str(warehouse)}
    env = {**os.environ, "DO_NOT_TRACK": "1", "AIRBYTE_OFFLINE_MODE": "1"}
    server = subprocess.Popen(
        [str(BIN / "tieout-sandbox"), "serve", "--data", str(data_dir), "--port", "0", "--spectrum-port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        info = data_dir / "sandbox.json"
        deadline = time.monotonic() + 60
        while not (info.is_file() and json.loads(info.read_text() or "{}").get("pid") == server.pid):
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"tieout-sandbox serve did not start: {server.stdout.read().decode()[-2000:]}")
            time.sleep(0.2)
        result = subprocess.run(
            [sys.executable, "-c", PYAIRBYTE_SYNC, str(data_dir), json.dumps(target), str(BIN)],
            capture_output=True,
            text=True,
            timeout=900,
            env=env,
        )
        if result.returncode != 0:
            raise AssertionError(f"PyAirbyte sync failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    finally:
        server.terminate()
        server.wait(timeout=20)


def land_raw_duckdb(data_dir: Path, warehouse: Path) -> None:
    """Land raw data in PyAirbyte's layout: through the real hosts, or the development fixture."""
    if RAW_MODE == "hosts":
        land_raw_with_hosts(data_dir, warehouse)
        return
    subprocess.run(
        [sys.executable, str(PROJECT / "dev" / "land_sandbox_files.py"), str(data_dir), str(warehouse)],
        check=True,
        capture_output=True,
        timeout=600,
        env={**os.environ, "DO_NOT_TRACK": "1", "AIRBYTE_OFFLINE_MODE": "1"},
    )


@dataclass
class Warehouse:
    path: Path
    data_dir: Path
    truth: dict
    workdir: Path

    def query(self, sql: str) -> list[dict]:
        import duckdb

        with duckdb.connect(str(self.path), read_only=True) as con:
            cursor = con.execute(sql)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


class Signatures:
    """Exceptions and truth anomalies reduced to (type, keys, amount) so they compare as multisets."""

    NOT_KEYS = frozenset(
        {
            "exception_id",
            "exception_type",
            "severity",
            "close_step",
            "occurred_on",
            "buildops_value",
            "spectrum_value",
            "amount_at_stake",
            "description",
        }
    )

    @classmethod
    def found(cls, rows: list[dict]) -> Counter:
        return Counter(
            (
                row["exception_type"],
                tuple(sorted((k, str(v)) for k, v in row.items() if k not in cls.NOT_KEYS and v is not None)),
                format(Decimal(row["amount_at_stake"]).quantize(Decimal("0.01")), "f"),
            )
            for row in rows
        )

    @staticmethod
    def injected(anomalies: list[dict]) -> Counter:
        return Counter(
            (
                a["type"],
                tuple(sorted((k, str(v)) for k, v in a["keys"].items() if v is not None)),
                format(Decimal(a["amount"]).quantize(Decimal("0.01")), "f"),
            )
            for a in anomalies
        )


def copy_to_meltano_layout(warehouse: Path) -> None:
    """Copy the PyAirbyte raw schemas into the schemas Meltano's loaders write (tap_buildops, tap_spectrum), with
    the Singer bookkeeping column `_sdc_extracted_at` in place of `_airbyte_extracted_at`."""
    import duckdb

    with duckdb.connect(str(warehouse)) as con:
        for raw, tap in (("buildops_raw", "tap_buildops"), ("spectrum_raw", "tap_spectrum")):
            con.execute(f"create schema {tap}")
            for (table,) in con.execute(
                f"select table_name from information_schema.tables where table_schema = '{raw}' "
                "and table_name not like '\\_airbyte%' escape '\\'"
            ).fetchall():
                con.execute(
                    f"create table {tap}.{table} as select * exclude (_airbyte_extracted_at), "
                    f"_airbyte_extracted_at as _sdc_extracted_at from {raw}.{table}"
                )


class DbtTools:
    """The helpers above as a fixture (test modules cannot import conftest under --import-mode=importlib)."""

    run = staticmethod(run_dbt)
    env = staticmethod(dbt_env)
    vars = staticmethod(build_vars)
    meltano_layout = staticmethod(copy_to_meltano_layout)
    land_with_hosts = staticmethod(land_raw_with_hosts)


@pytest.fixture(scope="session")
def dbt_tools() -> type[DbtTools]:
    return DbtTools


@pytest.fixture(scope="session")
def signatures() -> type[Signatures]:
    return Signatures


@pytest.fixture(scope="session")
def sandbox_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sandbox") / "data"
    subprocess.run(
        [str(BIN / "tieout-sandbox"), "generate", "--out", str(out), "--scale", SCALE, "--seed", SEED],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return out


@pytest.fixture(scope="session")
def truth(sandbox_dir) -> dict:
    return json.loads((sandbox_dir / "truth.json").read_text())


@pytest.fixture(scope="session")
def duckdb_build(sandbox_dir, truth, tmp_path_factory) -> Warehouse:
    workdir = tmp_path_factory.mktemp("dbt-duckdb")
    warehouse = workdir / "tieout.duckdb"
    land_raw_duckdb(sandbox_dir, warehouse)
    env = dbt_env(warehouse, sandbox_dir / "mapping")
    run_dbt(["build"], env=env, workdir=workdir, dbt_vars=build_vars(sandbox_dir, truth))
    return Warehouse(warehouse, sandbox_dir, truth, workdir)


@pytest.fixture()
def scratch_warehouse(duckdb_build, tmp_path) -> Path:
    """A private copy of the built warehouse for tests that rebuild part of the project."""
    # Same file name: DuckDB views name their catalog after the file.
    copy = tmp_path / duckdb_build.path.name
    shutil.copy(duckdb_build.path, copy)
    return copy


MAPPING_FILES = {
    "cost_code_mapping": ["company_code", "match_type", "match_value", "job_type", "phase_code", "cost_type", "note"],
    "customer_crosswalk": ["buildops_customer_id", "company_code", "customer_code"],
    "job_crosswalk": ["match_type", "match_value", "year", "company_code", "spectrum_job_number", "phase_code", "note"],
}


def load_mapping_postgres(dsn: str, mapping_dir: Path, schema: str = "tieout_mapping") -> None:
    """On PostgreSQL the mapping files are loaded before dbt runs (on DuckDB dbt reads them itself)."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute(f"create schema if not exists {schema}")
        for name, columns in MAPPING_FILES.items():
            con.execute(f"drop table if exists {schema}.{name}")
            con.execute(f"create table {schema}.{name} ({', '.join(c + ' text' for c in columns)})")
            with (mapping_dir / f"{name}.csv").open(newline="") as handle:
                rows = [[row.get(c) or None for c in columns] for row in csv.DictReader(handle)]
            with con.cursor() as cur, cur.copy(f"copy {schema}.{name} ({', '.join(columns)}) from stdin") as copy:
                for row in rows:
                    copy.write_row(row)


def postgres_env(dsn: str) -> dict[str, str]:
    params = dict(part.split("=", 1) for part in dsn.split())
    return {
        "TIEOUT_DBT_TARGET": "postgres",
        "TIEOUT_PG_HOST": params["host"],
        "TIEOUT_PG_PORT": params["port"],
        "TIEOUT_PG_DBNAME": params["dbname"],
        "TIEOUT_PG_USER": params["user"],
    }


@dataclass
class PostgresWarehouse:
    dsn: str
    data_dir: Path
    truth: dict

    def query(self, sql: str) -> list[dict]:
        import psycopg
        from psycopg.rows import dict_row

        with psycopg.connect(self.dsn, row_factory=dict_row) as con:
            return list(con.execute(sql).fetchall())


@pytest.fixture(scope="session")
def postgres_build(sandbox_dir, truth, tmp_path_factory) -> PostgresWarehouse:
    dsn = os.environ.get("TIEOUT_TEST_PG_DSN")
    if not dsn:
        pytest.skip("TIEOUT_TEST_PG_DSN is not set: run through `make test` (scripts/test.sh starts PostgreSQL)")
    workdir = tmp_path_factory.mktemp("dbt-postgres")
    if RAW_MODE == "hosts":
        land_raw_with_hosts(sandbox_dir, postgres_dsn=dsn)
    else:
        subprocess.run(
            [
                sys.executable,
                str(PROJECT / "dev" / "land_sandbox_files.py"),
                str(sandbox_dir),
                str(workdir / "unused.duckdb"),
                "--postgres",
                dsn,
            ],
            check=True,
            capture_output=True,
            timeout=600,
            env={**os.environ, "DO_NOT_TRACK": "1", "AIRBYTE_OFFLINE_MODE": "1"},
        )
    load_mapping_postgres(dsn, sandbox_dir / "mapping")
    env = dbt_env(None, sandbox_dir / "mapping", **postgres_env(dsn))
    run_dbt(["build"], env=env, workdir=workdir, dbt_vars=build_vars(sandbox_dir, truth))
    return PostgresWarehouse(dsn, sandbox_dir, truth)
