"""The served records: DIR/buildops/<resource>.jsonl per tenant, pre-serialised, reloaded when edited."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from ..credentials import MAIN_TENANT_ID

# Child resources served per parent (`/v1/<parents>/{id}/...`): the field naming the parent on each record.
PARENT_FIELDS = {"customer_representatives": "customerId", "property_representatives": "propertyId"}


class DataFileError(Exception):
    """A data file a user edited cannot be read; the message names the file and line."""


@dataclass
class Snapshot:
    """One version of one resource file. List slices join these byte strings; nothing is re-encoded."""

    stamp: tuple[int, int]
    lines: list[bytes]  # list form, file order
    detail: dict[str, bytes]  # id -> detail form
    active: list[bytes] | None = None  # without isActive == false (include_inactive not set)
    with_addresses: list[bytes] | None = None  # properties with include_addresses=true
    updated_ms: list[int] = field(default_factory=list)
    facets: list[dict] = field(default_factory=list)  # invoices: what the list filters compare, per line
    by_parent: dict[str, list[bytes]] = field(default_factory=dict)
    filtered: dict[object, list[bytes]] = field(default_factory=dict)


def _exact(encoded: bytes) -> bytes:
    # orjson hands back bytes with a generous allocation behind them; kept by the hundred thousand, those
    # tails fragment the heap (3x the data at scale 5). An exact-size copy lets the allocator reuse them.
    return bytes(memoryview(encoded))


def _read_lines(path: Path, stamp: tuple[int, int]):
    if stamp == (0, 0):
        return
    with path.open("rb") as fh:
        for raw in fh:
            yield raw.rstrip(b"\r\n")


def _load(path: Path, resource: str, stamp: tuple[int, int]) -> Snapshot:
    snap = Snapshot(stamp=stamp, lines=[], detail={})
    if resource in ("customers", "employees"):
        snap.active = []
    if resource == "properties":
        snap.with_addresses = []
    for number, raw in enumerate(_read_lines(path, stamp), start=1):
        if not raw.strip():
            continue
        try:
            record = orjson.loads(raw)
            record_id = record["id"]
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise DataFileError(
                f"{path} line {number}: not a JSON object with an 'id' ({exc}); fix or "
                f"regenerate the file with `tieout-sandbox generate`"
            ) from None
        listed = raw
        if resource == "invoices":  # the list returns headers; items and payments come with the detail
            listed = _exact(orjson.dumps({k: v for k, v in record.items() if k not in ("invoiceItems", "payments")}))
        elif resource == "jobs":  # the detail embeds visits and notes; the list leaves them out
            listed = _exact(orjson.dumps({k: v for k, v in record.items() if k not in ("visits", "notes")}))
        elif resource == "properties":
            snap.with_addresses.append(raw)
            listed = _exact(orjson.dumps({k: v for k, v in record.items() if k != "addresses"}))
        snap.lines.append(listed)
        snap.detail[record_id] = raw
        if snap.active is not None and record.get("isActive") is not False:
            snap.active.append(listed)
        if resource == "jobs":
            snap.updated_ms.append(int(((record.get("audit") or {}).get("lastUpdatedDateTime")) or 0))
        elif resource == "invoices":
            snap.facets.append(_invoice_facet(record))
        parent_field = PARENT_FIELDS.get(resource)
        if parent_field is not None:
            snap.by_parent.setdefault(record.get(parent_field), []).append(raw)
    return snap


def _epoch_ms(value) -> int | None:
    """Business dates are epoch seconds (sometimes digit strings); audit stamps are epoch milliseconds."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    return value if abs(value) >= 10**11 else value * 1000


def _invoice_facet(record: dict) -> dict:
    audit = record.get("audit") or {}
    return {
        "status": str(record.get("status") or "").lower(),
        "invoiceNumber": str(record.get("invoiceNumber") or ""),
        "issuedDate": _epoch_ms(record.get("issuedDate")),
        "dueDate": _epoch_ms(record.get("dueDate")),
        "createdDateTime": _epoch_ms(audit.get("createdDateTime")),
        "lastUpdatedDateTime": _epoch_ms(audit.get("lastUpdatedDateTime")),
    }


class Store:
    """Snapshots per (tenant, resource); a request stats the file and reloads it when mtime or size moved."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._snaps: dict[tuple[str, str], Snapshot] = {}
        self._lock = threading.Lock()

    def tenant_dir(self, tenant_id: str) -> Path:
        base = self.data_dir / "buildops"
        return base if tenant_id == MAIN_TENANT_ID else base / "tenants" / tenant_id

    def tenants(self) -> list[str]:
        others = self.data_dir / "buildops" / "tenants"
        found = sorted(p.name for p in others.iterdir() if p.is_dir()) if others.is_dir() else []
        return [MAIN_TENANT_ID, *found]

    def get(self, tenant_id: str, resource: str) -> Snapshot:
        path = self.tenant_dir(tenant_id) / f"{resource}.jsonl"
        try:
            st = os.stat(path)
            stamp = (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            stamp = (0, 0)
        snap = self._snaps.get((tenant_id, resource))
        if snap is not None and snap.stamp == stamp:
            return snap
        with self._lock:  # one reload at a time; others wait and then reuse it
            snap = self._snaps.get((tenant_id, resource))
            if snap is None or snap.stamp != stamp:
                snap = _load(path, resource, stamp)
                self._snaps[(tenant_id, resource)] = snap
            return snap
