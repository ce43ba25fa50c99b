"""ar_automation_feed delivered (issue 16 §5): per run, a folder with the feed as CSV and as JSON Lines and a
manifest (row count, columns, sha256 of each file). The folder is written under a temporary name and renamed
into place, so an AR tool polling the drop never reads half a file; the desk serves the same bytes as a download.
Column meanings and the import mappings for HighRadius, Versapay and Bill.com: desk/FEEDS.md."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from tieout_desk.warehouse import Warehouse

FORMATS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}
MART = "ar_automation_feed"


class FeedError(ValueError):
    """The feed cannot be delivered as asked; the message names the setting and the fix."""


def _text(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"  # exact cents, no float rounding in any importer
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def rows(warehouse: Warehouse) -> tuple[list[str], list[dict[str, Any]]]:
    with warehouse.connect() as con:
        cursor = con.execute(f"select * from {warehouse.schema}.{MART} order by company_code, canonical_invoice_number")
        columns = [d[0] for d in cursor.description]
        return columns, [dict(zip(columns, map(_text, row), strict=True)) for row in cursor.fetchall()]


def _csv_cell(value: Any) -> Any:
    return "true" if value is True else "false" if value is False else value


def _csv(columns: list[str], records: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\r\n")  # RFC 4180, what spreadsheet importers expect
    writer.writeheader()
    writer.writerows(
        {k: ("true" if v is True else "false" if v is False else v) for k, v in r.items()} for r in records
    )
    return out.getvalue().encode("utf-8")


def _jsonl(records: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=False) + "\n" for r in records).encode("utf-8")


def _file_facts(body: bytes) -> dict[str, Any]:
    return {"bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}


def render(warehouse: Warehouse, fmt: str) -> tuple[bytes, str]:
    if fmt not in FORMATS:
        raise FeedError(f"format '{fmt}': use {' or '.join(FORMATS)}")
    columns, records = rows(warehouse)
    return (_csv(columns, records) if fmt == "csv" else _jsonl(records)), FORMATS[fmt]


def write_drop(warehouse: Warehouse, out_dir: Path, run_id: str | None = None) -> Path:
    """Write OUT_DIR/<run_id>/{ar_automation_feed.csv, ar_automation_feed.jsonl, manifest.json} atomically and
    return the folder. An existing run folder is never overwritten: each run is its own drop."""
    generated = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    run_id = run_id or generated.strftime("%Y%m%dT%H%M%SZ")
    if not run_id.replace("-", "").replace("_", "").isalnum():
        raise FeedError(f"run id '{run_id}': use letters, digits, - and _ only (it names a folder)")
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / run_id
    if final.exists():
        raise FeedError(f"{final} already exists: each run drops into a new folder; pass another --run-id")
    columns, records = rows(warehouse)
    files = {f"{MART}.csv": _csv(columns, records), f"{MART}.jsonl": _jsonl(records)}
    staging = Path(tempfile.mkdtemp(prefix=f".{run_id}.", dir=out_dir))
    try:
        for name, body in files.items():
            (staging / name).write_bytes(body)
        manifest = {
            "feed": MART,
            "run_id": run_id,
            "generated_at": generated.isoformat(),
            "row_count": len(records),
            "columns": columns,
            "files": {
                name: {"bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()} for name, body in files.items()
            },
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        os.chmod(staging, 0o755)  # noqa: S103 (mkdtemp makes it 0700; the AR tool's reader must list it)
        os.rename(staging, final)  # same filesystem: the folder appears whole or not at all
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final
