"""`tieout-sandbox generate`: the whole data directory (BuildOps files, Spectrum side, truth.json)."""

from __future__ import annotations

import time
from pathlib import Path

import orjson

from . import spectrum
from .buildops.billing import CANCELLED
from .buildops.common import AS_OF
from .buildops.generator import counts_by_resource, generate, no_gc, write_dataset
from .credentials import (
    MAIN_TENANT_ID,
    MAIN_TENANT_NAME,
    SECOND_TENANT_ID,
    SECOND_TENANT_NAME,
    SECOND_TENANT_SCALE,
)
from .withhold import withhold as withhold_rows


def tenant_dir(data_dir: Path, tenant_id: str) -> Path:
    """Main tenant: DIR/buildops/; every other tenant: DIR/buildops/tenants/<tenantId>/."""
    base = data_dir / "buildops"
    return base if tenant_id == MAIN_TENANT_ID else base / "tenants" / tenant_id


def generate_dataset(out_dir: Path, seed: int = 1, scale: float = 1.0, withhold: float = 0.0) -> dict:
    with no_gc():  # the Spectrum side builds millions of rows too
        return _generate_dataset(out_dir, seed, scale, withhold)


def _generate_dataset(out_dir: Path, seed: int, scale: float, withhold: float = 0.0) -> dict:
    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    data = generate(seed, scale, MAIN_TENANT_ID, MAIN_TENANT_NAME)
    second = generate(seed + 1, SECOND_TENANT_SCALE, SECOND_TENANT_ID, SECOND_TENANT_NAME)
    # The Spectrum side is derived from the in-memory BuildOps records and may inject anomalies into them,
    # so the BuildOps files are written after it.
    spectrum_truth = spectrum.generate(out_dir, data, seed, scale) or {}
    write_dataset(tenant_dir(out_dir, MAIN_TENANT_ID), data)
    write_dataset(tenant_dir(out_dir, SECOND_TENANT_ID), second)
    live_invoices = [i for i in data["invoices"] if i["status"] not in CANCELLED and not i["audit"]["deletedDateTime"]]
    truth: dict = {
        "generator": {"seed": seed, "scale": scale, "as_of": AS_OF},
        "buildops": {
            "counts": counts_by_resource(data),
            # What a full sync through the API can find: projects are read by id from the invoices that name them
            # (no list endpoint is known), so a project with no pay application yet is out of any client's reach.
            "api_counts": {
                **counts_by_resource(data),
                "projects": len({i["projectId"] for i in data["invoices"] if i.get("projectId")}),
            },
            "tenants": {
                MAIN_TENANT_ID: {"name": MAIN_TENANT_NAME, "counts": counts_by_resource(data)},
                SECOND_TENANT_ID: {"name": SECOND_TENANT_NAME, "counts": counts_by_resource(second)},
            },
            "soft_deleted": {
                name: sum(1 for r in recs if (r.get("audit") or {}).get("deletedDateTime"))
                for name, recs in data.items()
            },
            "sums": {
                "invoices_total_amount": round(sum(i["totalAmount"] for i in live_invoices), 2),
                "invoices_applied_amount": round(
                    sum(p["appliedAmount"] for i in live_invoices for p in i["payments"]), 2
                ),
            },
        },
        "anomalies": [],
    }
    for key, value in spectrum_truth.items():
        if key == "anomalies":
            truth["anomalies"].extend(value or [])
        elif isinstance(value, dict):
            truth.setdefault(key, {}).update(value)
        else:
            truth[key] = value
    if withhold > 0:
        truth.setdefault("mapping", {})["withhold"] = withhold
        truth["mapping"].update(withhold_rows(out_dir / "mapping", withhold, seed))
    (out_dir / "truth.json").write_bytes(orjson.dumps(truth, option=orjson.OPT_INDENT_2))
    truth["generator"]["seconds"] = round(time.perf_counter() - started, 2)
    return truth
