"""Both real hosts end to end against the same sandbox: PyAirbyte (sources into its DuckDB cache) and Meltano
(the project's job: `meltano run tap-buildops target-duckdb tap-spectrum target-duckdb dbt-duckdb:build`), what
each lands compared by primary key, stream by stream, and the close exceptions dbt builds from Meltano's landing
compared with the generator's ground truth. Meltano runs from its own venv (scripts/install-meltano.sh).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from tieout_it import ROOT, discover, executable, files_text, primary_keys, scan_for_secrets

MELTANO = ROOT / ".venv-meltano" / "bin" / "meltano"
SOURCES = {
    "source-buildops": ("tap-buildops", "buildops_raw", "tap_buildops"),
    "source-spectrum": ("tap-spectrum", "spectrum_raw", "tap_spectrum"),
}
# PyAirbyte reads every record shape each source has ({items}, {departments}, detail fan-out, child streams
# with composite keys; SQL masters, history tables with incremental cursors, money-heavy lines); Meltano runs
# the whole job (every stream, then dbt), and the shapes are compared key by key.
HOST_STREAMS = {
    "source-buildops": [
        "customers",
        "jobs",
        "invoices",
        "invoice_items",
        "invoice_payments",
        "departments",
        "job_types",
        "timesheets",
    ],
    "source-spectrum": [
        "jobs",
        "phases",
        "customers",
        "ar_invoices",
        "ar_invoice_lines",
        "ar_payments",
        "vendors",
        "ap_invoices",
        "gl_detail",
    ],
}


def meltano_env(sandbox, warehouse) -> dict[str, str]:
    """The sandbox's ready configs as Meltano setting env vars (TAP_BUILDOPS_CLIENT_SECRET=...)."""
    env = {
        **os.environ,
        "TIEOUT_WAREHOUSE": str(warehouse),
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        "TIEOUT_MAPPING_DIR": str(sandbox.data_dir / "mapping"),
        "TIEOUT_POLICY_PATH": str(sandbox.data_dir / "policy.yml"),
    }
    # dbt states the close as of the day the data was generated and for its month, as the demo and the PyAirbyte
    # route do (the dbt_project.yml defaults are another day: the payroll cutoff of an earlier close would pass).
    as_of = json.loads((sandbox.data_dir / "truth.json").read_text())["spectrum"]["as_of"]
    env.update(TIEOUT_AS_OF_DATE=as_of, TIEOUT_CLOSE_PERIOD=as_of[:7])
    for connector, (tap, _, _) in SOURCES.items():
        env.update(setting_env(tap, sandbox.config(connector)))
    return env


def setting_env(plugin: str, config: dict) -> dict[str, str]:
    """Meltano's convention: setting `odbc.connection_string` of tap-spectrum is TAP_SPECTRUM_ODBC_CONNECTION_STRING."""
    env = {}
    prefix = plugin.upper().replace("-", "_")
    for key, value in config.items():
        if isinstance(value, dict):
            for sub, sub_value in value.items():
                name = f"{prefix}_{key}_{sub}".upper()
                env[name] = sub_value if isinstance(sub_value, str) else json.dumps(sub_value)
        else:
            env[f"{prefix}_{key}".upper()] = value if isinstance(value, str) else json.dumps(value)
    return env


@pytest.fixture(scope="session")
def meltano_started(clean_sandbox, tmp_path_factory):
    """Starts the project's job (every stream of both taps into target-duckdb, then `dbt-duckdb:build`) in the
    background, so the PyAirbyte syncs run while it does (both hosts are mostly waiting on subprocesses)."""
    subprocess.run([str(ROOT / "scripts" / "install-meltano.sh")], check=True, capture_output=True, timeout=600)
    folder = tmp_path_factory.mktemp("meltano")
    warehouse = folder / "warehouse.duckdb"
    log = open(folder / "meltano.log", "w+")  # noqa: SIM115 - closed by the landing fixture
    process = subprocess.Popen(
        [
            str(MELTANO),
            "--log-level=warning",
            "run",
            "--full-refresh",
            "--state-id-suffix",
            folder.name,
            "tap-buildops",
            "target-duckdb",
            "tap-spectrum",
            "target-duckdb",
            "dbt-duckdb:build",
        ],
        cwd=ROOT,
        env=meltano_env(clean_sandbox, warehouse),
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield warehouse, process, log
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def pyairbyte_landing(meltano_started, clean_sandbox):
    """{schema: PyAirbyte cache}: each source read into the DuckDB cache schema transforms expect."""
    import airbyte as ab
    from airbyte.caches import DuckDBCache

    warehouse = meltano_started[0].parent.parent / "pyairbyte.duckdb"
    caches = {}
    for connector, (_, schema, _) in SOURCES.items():
        source = ab.get_source(
            connector,
            config=clean_sandbox.config(connector),
            local_executable=executable(connector),
            streams=HOST_STREAMS[connector],
        )
        source.check()
        caches[schema] = DuckDBCache(db_path=warehouse, schema_name=schema)
        source.read(cache=caches[schema], force_full_refresh=True)
    return caches


@pytest.fixture(scope="session")
def meltano_landing(meltano_started):
    warehouse, process, log = meltano_started
    process.wait(timeout=900)
    log.seek(0)
    output = log.read()
    log.close()
    assert process.returncode == 0, output[-4000:]
    return warehouse, output


def airbyte_keys(cache, stream: str, key_fields: list[str]) -> set[tuple]:
    from sqlalchemy import text

    columns = ", ".join(f'CAST("{f.lower()}" AS VARCHAR)' for f in key_fields)
    with cache.get_sql_engine().connect() as connection:
        rows = connection.execute(text(f'SELECT {columns} FROM "{cache.schema_name}"."{stream}"'))
        return {tuple(row) for row in rows}


def landed_keys(warehouse, schema: str, stream: str, key_fields: list[str]) -> set[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = ", ".join(f'CAST("{f.lower()}" AS VARCHAR)' for f in key_fields)
        return set(con.execute(f'SELECT {columns} FROM "{schema}"."{stream}"').fetchall())


def tables(warehouse, schema: str) -> set[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = ?", [schema])
        return {name for (name,) in rows.fetchall()}


@pytest.mark.parametrize("connector", sorted(SOURCES))
def test_given_the_sandbox_when_meltano_runs_the_job_then_every_stream_lands_in_its_schema(
    connector, clean_sandbox, meltano_landing
):
    _, _, meltano_schema = SOURCES[connector]
    warehouse, _ = meltano_landing
    landed = tables(warehouse, meltano_schema)
    streams = set(primary_keys(discover(executable(connector), clean_sandbox.config_file(connector))))
    assert streams >= set(HOST_STREAMS[connector])
    assert streams <= landed, f"missing: {sorted(streams - landed)}"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for stream in HOST_STREAMS[connector]:
            columns = {
                c
                for (c,) in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
                    [meltano_schema, stream],
                ).fetchall()
            }
            assert "_sdc_extracted_at" in columns, f"{stream}: transforms need _sdc_extracted_at"
            assert con.execute(f'SELECT COUNT(*) FROM "{meltano_schema}"."{stream}"').fetchone()[0] > 0, stream


@pytest.mark.parametrize("connector", sorted(SOURCES))
def test_given_one_sandbox_when_pyairbyte_and_meltano_land_it_then_every_stream_has_the_same_primary_keys(
    connector, clean_sandbox, pyairbyte_landing, meltano_landing
):
    _, airbyte_schema, meltano_schema = SOURCES[connector]
    keys = primary_keys(discover(executable(connector), clean_sandbox.config_file(connector)))
    meltano_warehouse, _ = meltano_landing
    meltano_tables = tables(meltano_warehouse, meltano_schema)
    differences = {}
    for stream in HOST_STREAMS[connector]:
        fields = keys[stream]
        assert fields, f"{stream} has no primary key"
        assert stream in meltano_tables, f"{stream} did not land through Meltano"
        in_airbyte = airbyte_keys(pyairbyte_landing[airbyte_schema], stream, fields)
        in_meltano = landed_keys(meltano_warehouse, meltano_schema, stream, fields)
        assert in_airbyte, f"{stream} landed empty"
        if in_airbyte != in_meltano:
            differences[stream] = (len(in_airbyte), len(in_meltano))
    assert not differences, f"streams landing differently (pyairbyte rows, meltano rows): {differences}"


EXCEPTION_NOT_KEYS = frozenset(
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


def test_given_meltano_ran_the_job_when_dbt_built_on_its_landing_then_exceptions_equal_the_ground_truth(
    clean_sandbox, meltano_landing
):
    """The whole Meltano route (taps -> target-duckdb -> dbt-duckdb:build) finds every injected anomaly, with
    its keys and amount to the cent, and nothing else: a record lost or mistyped on the way would show here."""
    warehouse, _ = meltano_landing
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute("SELECT * FROM main.exceptions")
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    found = Counter(
        (
            row["exception_type"],
            tuple(sorted((k, str(v)) for k, v in row.items() if k not in EXCEPTION_NOT_KEYS and v is not None)),
            format(Decimal(row["amount_at_stake"]).quantize(Decimal("0.01")), "f"),
        )
        for row in rows
    )
    anomalies = json.loads((clean_sandbox.data_dir / "truth.json").read_text())["anomalies"]
    injected = Counter(
        (
            a["type"],
            tuple(sorted((k, str(v)) for k, v in a["keys"].items() if v is not None)),
            format(Decimal(a["amount"]).quantize(Decimal("0.01")), "f"),
        )
        for a in anomalies
    )
    assert anomalies, "the generator injected no anomaly: nothing to compare"
    assert injected - found == Counter(), f"missed: {sorted(injected - found)[:10]}"
    assert found - injected == Counter(), f"false alarms: {sorted(found - injected)[:10]}"


def test_given_both_hosts_ran_when_their_logs_are_scanned_then_no_sandbox_secret_appears(
    clean_sandbox, pyairbyte_landing, meltano_landing
):
    _, meltano_output = meltano_landing
    texts = {"meltano run output": meltano_output}
    texts.update(files_text(Path(os.environ["AIRBYTE_LOGGING_ROOT"])))
    texts.update(files_text(ROOT / ".meltano" / "logs"))
    texts.update(files_text(ROOT / ".meltano" / "run"))
    assert len(texts) > 1, "no PyAirbyte log files were written"
    assert scan_for_secrets(clean_sandbox.secrets(), texts) == []
