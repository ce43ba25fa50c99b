"""A deterministic synthetic commercial MEP contractor, as the BuildOps public API would return it.

`generate(seed, scale)` returns every resource in memory (the Spectrum side is derived from it);
`write_dataset()` streams it to DIR/buildops/<resource>.jsonl with orjson.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from pathlib import Path

import orjson

from ..credentials import MAIN_TENANT_ID, MAIN_TENANT_NAME
from . import billing, lineage, parties, projects, purchasing, work
from .common import Ctx

# File names = stream names of source-buildops (docs/ARCHITECTURE.md).
RESOURCES = (
    "customers",
    "properties",
    "customer_representatives",
    "property_representatives",
    "jobs",
    "visits",
    "invoices",
    "payments",
    "quotes",
    "employees",
    "departments",
    "job_types",
    "pricebook_items",
    "vendors",
    "purchase_orders",
    "timesheets",
    "service_agreements",
    "projects",
)


def generate(
    seed: int, scale: float, tenant_id: str = MAIN_TENANT_ID, tenant_name: str = MAIN_TENANT_NAME
) -> dict[str, list[dict]]:
    """Every BuildOps resource of one tenant, records exactly as the API returns them (invoices in detail form)."""
    with no_gc():
        return _generate(Ctx(seed, scale, tenant_id, tenant_name))


@contextmanager
def no_gc():
    """Millions of small acyclic dicts: the cyclic collector would rescan them all, again and again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _generate(ctx: Ctx) -> dict[str, list[dict]]:
    tenant_name = ctx.tenant_name
    depts = parties.departments(ctx)
    types = parties.job_types(ctx)
    emps = parties.employees(ctx, depts)
    products = parties.pricebook(ctx)
    vends = parties.vendors(ctx)
    custs = parties.customers(ctx)
    props = parties.properties(ctx, custs)
    reps = parties.representatives(ctx, custs, props)
    site_reps = parties.property_representatives(ctx, custs, props)
    agreements = work.service_agreements(ctx, custs, props, depts)
    job_list = work.jobs(ctx, custs, props, depts, types, agreements, emps)
    work.assign_representatives(ctx, job_list, reps)
    visits, sheets = work.visits_and_timesheets(ctx, job_list, emps)
    quotes = work.quotes(ctx, job_list, props, custs, emps)
    lineage.link_projects(ctx, job_list, quotes)
    pos = purchasing.purchase_orders(ctx, job_list, vends, products, emps)
    invoices, payments = billing.invoices_and_payments(ctx, job_list, custs, props, products, agreements, tenant_name)
    project_list = projects.projects(ctx, job_list, invoices, props)
    _cost_jobs(job_list, products)
    data = {
        "customers": custs,
        "properties": props,
        "customer_representatives": reps,
        "property_representatives": site_reps,
        "jobs": job_list,
        "visits": visits,
        "invoices": invoices,
        "payments": payments,
        "quotes": quotes,
        "employees": emps,
        "departments": depts,
        "job_types": types,
        "pricebook_items": products,
        "vendors": vends,
        "purchase_orders": pos,
        "timesheets": sheets,
        "service_agreements": agreements,
        "projects": project_list,
    }
    for records in data.values():
        for record in records:
            for key in [k for k in record if k[0] == "_"]:  # generator bookkeeping, never served
                del record[key]
    return data


def _cost_jobs(job_list, products) -> None:
    """costAmount = technician labour at pricebook labour cost + purchase orders (what WIP reads)."""
    labor_cost_c = {p["code"]: round(p["unitCost"] * 100) for p in products if p["productType"] == "Labor"}
    for job in job_list:
        reg_code = billing.LABOR_CODES[job["_dept"]["tagName"]][0]
        minutes = sum(v["_minutes"] * len(v["_crew"]) for v in job.get("_visits", ()))
        cost_c = round(minutes * labor_cost_c[reg_code] / 60) + job.get("_po_cost_c", 0)
        job["costAmount"] = cost_c / 100 if cost_c else None
    for job in job_list:
        for visit in job.get("_visits", ()):
            visit.pop("_minutes", None)
            visit.pop("_crew", None)


def write_dataset(buildops_dir: Path, data: dict[str, list[dict]]) -> dict[str, int]:
    """Stream every resource to <dir>/<resource>.jsonl (one API record per line); return the counts."""
    buildops_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name in RESOURCES:
        records = data[name]
        tmp = buildops_dir / f".{name}.jsonl.tmp"
        with tmp.open("wb") as fh:
            for start in range(0, len(records), 2000):
                fh.write(b"".join(orjson.dumps(r) + b"\n" for r in records[start : start + 2000]))
        tmp.replace(buildops_dir / f"{name}.jsonl")  # a running server never sees a half-written file
        counts[name] = len(records)
    return counts


def counts_by_resource(data: dict[str, list[dict]]) -> dict[str, int]:
    counts = {name: len(data[name]) for name in RESOURCES}
    counts["invoice_items"] = sum(len(inv["invoiceItems"]) for inv in data["invoices"])
    counts["invoice_payments"] = sum(len(inv["payments"]) for inv in data["invoices"])
    counts["customer_contacts"] = counts["customer_representatives"]  # the same contacts, by the other path
    return counts
