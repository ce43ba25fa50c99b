"""DEVELOPMENT FIXTURE, not the demo path: land sandbox files in PyAirbyte's raw layout without the sources.

The demo lands raw data through a real host (PyAirbyte running source-buildops and source-spectrum against
`tieout-sandbox serve`). This script writes the same tables straight from `tieout-sandbox generate` output,
through PyAirbyte's own cache processor and with the connectors' committed stream schemas
(`<connector>/<package>/schemas/<stream>.json`), so table names, column names and column types are the ones
a real sync creates (one table per stream, lower-cased column names, nested objects as JSON,
`_airbyte_raw_id` / `_airbyte_extracted_at` / `_airbyte_meta`):

    python transforms/dev/land_sandbox_files.py DIR WAREHOUSE.duckdb [--postgres "host=... dbname=..."]

Records follow the sources' documented conventions (docs/ARCHITECTURE.md): BuildOps records as the API
returns them plus `tenantId`, epoch business dates (fields ending Date/DateTime/Time, `scheduledFor`, `date`)
as ISO 8601 UTC; Spectrum columns lower-cased, text trimmed (blank -> null), dates ISO 8601, money exact.
It exists so the transforms can be developed and tested while the connectors and twins are in flux; the
end-to-end path through the real hosts is the demo's.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

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

REPO = Path(__file__).resolve().parents[2]
BUILDOPS_SCHEMAS = REPO / "source-buildops" / "source_buildops" / "schemas"
SPECTRUM_SCHEMAS = REPO / "source-spectrum" / "source_spectrum" / "schemas"

# source-spectrum's stream for each Spectrum table (source-spectrum/README.md, "Streams").
SPECTRUM_STREAMS = {
    "JC_JOB_MASTER_MC": "jobs",
    "JC_PHASE_MASTER_MC": "phases",
    "JC_COST_TYPE_MASTER_MC": "cost_types",
    "JC_PROJ_COST_HISTORY_MC": "phase_projections",
    "JC_JOB_PROGRESS_MC": "job_progress",
    "JC_TRANSACTION_HISTORY_MC": "job_cost_transactions",
    "CR_CUSTOMER_MASTER_MC": "customers",
    "CR_CONTRACT_MASTER_MC": "ar_contracts",
    "CR_INVOICE_HEADER_MC": "ar_invoices",
    "CR_INVOICE_DETAIL_MC": "ar_invoice_lines",
    "CR_OPEN_ITEM_MC": "ar_open_items",
    "CR_PAY_ADJUST_HISTORY_MC": "ar_payments",
    "CR_BILLING_HEADER_MC": "progress_billings",
    "CR_BILL_DETAIL_MC": "progress_billing_items",
    "VN_VENDOR_MASTER_MC": "vendors",
    "VN_DOC_TRACKING_MC": "vendor_compliance",
    "VN_SUBCONTRACT_MC": "subcontracts",
    "VN_SUBCONTRACT_PHASE_MC": "subcontract_phases",
    "JC_JOB_COMPLIANCE_MC": "job_compliance",
    "VN_GL_DISTRIBUTION_HEADER_MC": "ap_invoices",
    "VN_GL_DISTRIBUTION_DETAIL_MC": "ap_invoice_lines",
    "VN_OPEN_ITEMS_MC": "ap_open_items",
    "VN_PAYMENT_HISTORY_MC": "ap_payments",
    "PR_TIME_CARD_HISTORY_MC": "payroll_time_cards",
    "GL_DETAIL_MC": "gl_detail",
    "PR_EMPLOYEE_MASTER_1_MC": "employees",
    "PR_EMPLOYEE_MASTER_3_MC": "employee_emails",
    "EC_EQUIPMENT_MASTER_MC": "equipment",
}
# Child streams source-buildops derives from invoice detail (each carries its parent invoiceId).
INVOICE_CHILDREN = {"invoice_items": "invoiceItems", "invoice_payments": "payments"}
BUILDOPS_TIME = re.compile(r"(Date|DateTime|Time)$|^(scheduledFor|date)$")


def _iso_from_epoch(value: int) -> str:
    millis = value if abs(value) >= 10**11 else value * 1000
    moment = datetime.fromtimestamp(millis / 1000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis % 1000:03d}Z"


def _buildops_times(value, key: str = ""):
    if isinstance(value, dict):
        return {k: _buildops_times(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_buildops_times(v, key) for v in value]
    if (
        BUILDOPS_TIME.search(key)
        and not isinstance(value, bool)
        and (isinstance(value, int) or (isinstance(value, str) and value.isdigit()))
    ):
        return _iso_from_epoch(int(value))
    return value


def _main_tenant_id(data_dir: Path) -> str | None:
    """The tenant whose files sit at the top of DIR/buildops (other tenants live under buildops/tenants/)."""
    tenants = json.loads((data_dir / "truth.json").read_text())["buildops"].get("tenants", {})
    others = {p.name for p in (data_dir / "buildops" / "tenants").glob("*")}
    return next((tenant for tenant in tenants if tenant not in others), None)


def buildops_records(data_dir: Path) -> dict[str, list[dict]]:
    tenant_id = _main_tenant_id(data_dir)
    streams: dict[str, list[dict]] = {}
    for path in sorted((data_dir / "buildops").glob("*.jsonl")):
        with path.open() as handle:
            streams[path.stem] = [
                {**_buildops_times(json.loads(line)), "tenantId": tenant_id} for line in handle if line.strip()
            ]
    for child, field in INVOICE_CHILDREN.items():
        streams[child] = [
            {**item, "invoiceId": invoice["id"], "tenantId": tenant_id}
            for invoice in streams.get("invoices", [])
            for item in invoice.get(field) or []
        ]
    return streams


def _spectrum_value(text: str, kind: str | list | None, fmt: str | None):
    text = text.strip()
    if text == "":
        return None
    kinds = kind if isinstance(kind, list) else [kind]
    if "number" in kinds:
        return Decimal(text)
    if "integer" in kinds:
        return int(Decimal(text))
    if fmt == "date" and re.fullmatch(r"\d{8}", text):  # Tran_Date_Text is YYYYMMDD
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return text


def spectrum_records(data_dir: Path) -> dict[str, list[dict]]:
    streams: dict[str, list[dict]] = {}
    for path in sorted((data_dir / "spectrum").glob("*.csv")):
        stream = SPECTRUM_STREAMS.get(path.stem)
        schema_file = SPECTRUM_SCHEMAS / f"{stream}.json"
        if stream is None or not schema_file.is_file():
            continue
        properties = json.loads(schema_file.read_text())["properties"]
        with path.open(newline="") as handle:
            streams[stream] = [
                {
                    key.lower(): _spectrum_value(
                        value or "",
                        properties.get(key.lower(), {}).get("type"),
                        properties.get(key.lower(), {}).get("format"),
                    )
                    for key, value in row.items()
                    if key.lower() in properties
                }
                for row in csv.DictReader(handle)
            ]
        if "row_key" in properties:
            # Tables without a unique key get a synthetic row_key from source-spectrum (normalise.RowKeys); any
            # value unique per row serves here, and without one the staging grain test fails the whole build.
            for number, record in enumerate(streams[stream], start=1):
                record.setdefault("row_key", f"{path.stem}-{number}")
    return streams


def _messages(streams: dict[str, list[dict]]) -> Iterator[AirbyteMessage]:
    emitted_at = int(datetime.now(tz=timezone.utc).timestamp() * 1000)
    for name, records in streams.items():
        for record in records:
            # Decimal -> float: its shortest repr is the exact cents text the sources emit.
            data = {k: float(v) if isinstance(v, Decimal) else v for k, v in record.items()}
            yield AirbyteMessage(
                type=Type.RECORD, record=AirbyteRecordMessage(stream=name, data=data, emitted_at=emitted_at)
            )


def land(streams: dict[str, list[dict]], schemas: Path, cache) -> None:
    from airbyte.progress import ProgressTracker
    from airbyte.shared.catalog_providers import CatalogProvider
    from airbyte.strategies import WriteStrategy

    # PyAirbyte creates a table for every stream in the catalog, records or not.
    streams = {name: rows for name, rows in streams.items() if (schemas / f"{name}.json").is_file()}
    catalog = ConfiguredAirbyteCatalog(
        streams=[
            ConfiguredAirbyteStream(
                stream=AirbyteStream(
                    name=name,
                    json_schema=json.loads((schemas / f"{name}.json").read_text()),
                    supported_sync_modes=[SyncMode.full_refresh],
                ),
                sync_mode=SyncMode.full_refresh,
                destination_sync_mode=DestinationSyncMode.overwrite,
            )
            for name in streams
        ]
    )
    cache._write_airbyte_message_stream(  # the processor PyAirbyte itself uses for a sync
        _messages(streams),
        catalog_provider=CatalogProvider(catalog),
        write_strategy=WriteStrategy.REPLACE,
        progress_tracker=ProgressTracker(source=None, cache=cache, destination=None),
    )


def caches(warehouse: Path, postgres_dsn: str | None):
    """The PyAirbyte cache for each raw schema: DuckDB file, or PostgreSQL from a libpq keyword DSN."""
    if postgres_dsn is None:
        from airbyte.caches import DuckDBCache

        return (
            DuckDBCache(db_path=warehouse, schema_name="buildops_raw"),
            DuckDBCache(db_path=warehouse, schema_name="spectrum_raw"),
        )
    # Not airbyte.caches.PostgresCache: it lands digit-only text ('010100') as a number ('10100').
    from tieout_demo.postgres_cache import postgres_cache

    return postgres_cache(postgres_dsn, "buildops_raw"), postgres_cache(postgres_dsn, "spectrum_raw")


def main(argv: list[str]) -> None:
    data_dir, warehouse = Path(argv[1]), Path(argv[2])
    postgres_dsn = argv[argv.index("--postgres") + 1] if "--postgres" in argv else None
    buildops_cache, spectrum_cache = caches(warehouse, postgres_dsn)
    land(buildops_records(data_dir), BUILDOPS_SCHEMAS, buildops_cache)
    land(spectrum_records(data_dir), SPECTRUM_SCHEMAS, spectrum_cache)


if __name__ == "__main__":
    main(sys.argv)
