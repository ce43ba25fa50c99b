"""The PostgreSQL cache keeps every text code exactly as the connector emitted it (phase '010100', job '0042')."""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timezone

import pytest
from tieout_demo.postgres_cache import postgres_cache

# Text codes the way Spectrum and BuildOps write them: digits only, leading zeros or padding that matter.
RECORDS = [
    {"phase_code": "010100", "cost_type": "01", "job_number": "0042", "customer_code": "000123", "amount": 1234.5},
    {"phase_code": "000100", "cost_type": "L", "job_number": "     40006", "customer_code": "CBRE01", "amount": 7.25},
    {"phase_code": "150100", "cost_type": "007", "job_number": "25-1001", "customer_code": "0", "amount": 0.1},
]
SCHEMA = {
    "type": "object",
    "properties": {
        "phase_code": {"type": ["null", "string"]},
        "cost_type": {"type": ["null", "string"]},
        "job_number": {"type": ["null", "string"]},
        "customer_code": {"type": ["null", "string"]},
        "amount": {"type": ["null", "number"]},
    },
}
TEXT_COLUMNS = ("phase_code", "cost_type", "job_number", "customer_code")


def _land(cache, stream: str) -> None:
    """Write RECORDS through the cache's own processor, the path `source.read(cache=...)` takes."""
    from airbyte.progress import ProgressTracker
    from airbyte.shared.catalog_providers import CatalogProvider
    from airbyte.strategies import WriteStrategy
    from airbyte_protocol.models import (
        AirbyteMessage,
        AirbyteRecordMessage,
        AirbyteStream,
        ConfiguredAirbyteCatalog,
        ConfiguredAirbyteStream,
        DestinationSyncMode,
        SyncMode,
        Type,
    )

    catalog = ConfiguredAirbyteCatalog(
        streams=[
            ConfiguredAirbyteStream(
                stream=AirbyteStream(name=stream, json_schema=SCHEMA, supported_sync_modes=[SyncMode.full_refresh]),
                sync_mode=SyncMode.full_refresh,
                destination_sync_mode=DestinationSyncMode.overwrite,
            )
        ]
    )
    emitted_at = int(datetime.now(tz=timezone.utc).timestamp() * 1000)
    messages = (
        AirbyteMessage(type=Type.RECORD, record=AirbyteRecordMessage(stream=stream, data=r, emitted_at=emitted_at))
        for r in RECORDS
    )
    cache._write_airbyte_message_stream(
        messages,
        catalog_provider=CatalogProvider(catalog),
        write_strategy=WriteStrategy.REPLACE,
        progress_tracker=ProgressTracker(source=None, cache=cache, destination=None),
    )


def _read_back(dsn: str, schema: str, stream: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(dsn) as con:
        return con.execute(f"select {', '.join(TEXT_COLUMNS)}, amount from {schema}.{stream} order by 1").fetchall()


@pytest.fixture()
def dsn() -> str:
    value = os.environ.get("TIEOUT_TEST_PG_DSN")
    if not value:
        pytest.fail(
            "TIEOUT_TEST_PG_DSN is not set: run through scripts/test.sh (make test), or start one with "
            '`eval "$(scripts/pg-throwaway.sh start /tmp/pg)" && export TIEOUT_TEST_PG_DSN`'
        )
    return value


@pytest.mark.postgres
def test_given_digit_only_codes_when_landed_in_postgres_then_every_text_code_keeps_its_exact_text(dsn, tmp_path):
    schema = f"codes_{uuid.uuid4().hex[:8]}"
    cache = postgres_cache(dsn, schema)
    cache.cache_dir = tmp_path / "cache"

    _land(cache, "codes")

    expected = sorted(
        (r["phase_code"], r["cost_type"], r["job_number"], r["customer_code"], r["amount"]) for r in RECORDS
    )
    assert [(*row[:4], float(row[4])) for row in _read_back(dsn, schema, "codes")] == expected


@pytest.mark.postgres
def test_given_pyairbytes_own_postgres_cache_when_landing_digit_codes_then_it_still_drops_their_zeros(dsn, tmp_path):
    """Why postgres_cache exists. When this fails, PyAirbyte keeps the text itself: drop TextKeepingPostgresCache."""
    from airbyte.caches import PostgresCache

    stock = postgres_cache(dsn, f"codes_{uuid.uuid4().hex[:8]}")
    cache = PostgresCache(**stock.model_dump(include={"host", "port", "database", "username", "password"}))
    cache.schema_name = stock.schema_name
    cache.cache_dir = tmp_path / "cache"

    _land(cache, "codes")

    phases = {row[0] for row in _read_back(dsn, stock.schema_name, "codes")}
    assert "10100" in phases and "010100" not in phases


def test_given_a_dsn_without_port_when_building_the_cache_then_the_error_names_the_missing_keys_and_the_form():
    with pytest.raises(ValueError) as error:
        postgres_cache("host=127.0.0.1 user=tieout", "spectrum_raw")

    assert "lacks port, dbname" in str(error.value)
    assert "'host=HOST port=PORT dbname=DATABASE user=USER [password=PASSWORD]'" in str(error.value)
