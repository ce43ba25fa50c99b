"""`tieout-sandbox change`: a day of edits in the BuildOps files, for testing incremental syncs by hand.

Updates some jobs and invoices, adds new jobs and soft-deletes a customer, all stamped with the current time,
then rewrites the files atomically (a running `serve` picks them up on its next request) and keeps
truth.json counts true. Returns what changed, so a test or a demo can check the next incremental sync.
"""

from __future__ import annotations

import random
import time
import uuid
from pathlib import Path

import orjson

from .credentials import MAIN_TENANT_ID

EDITOR = {"username": "tieout-sandbox.change"}


def _read(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def _write(path: Path, records: list[dict]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    tmp.replace(path)


def _touch(record: dict, now_ms: int) -> None:
    record["version"] = int(record.get("version") or 0) + 1
    record["audit"] = dict(record["audit"], lastUpdatedDateTime=now_ms, lastUpdatedBy=EDITOR, lastUpdatedDate=None)


def apply_changes(data_dir: Path, count: int = 10, seed: int | None = None) -> dict:
    if count < 1:
        raise ValueError(f"--count must be at least 1 (got {count})")
    folder = data_dir / "buildops"
    if not (folder / "jobs.jsonl").is_file():
        raise FileNotFoundError(
            f"{folder / 'jobs.jsonl'} not found; run `tieout-sandbox generate --out {data_dir}` first"
        )
    rng = random.Random(seed)
    now_ms = int(time.time() * 1000)
    jobs, invoices, customers = (_read(folder / f"{name}.jsonl") for name in ("jobs", "invoices", "customers"))

    live_jobs = [j for j in jobs if not j["audit"]["deletedDateTime"]]
    updated_jobs = rng.sample(live_jobs, min(count, len(live_jobs)))
    for job in updated_jobs:
        job["status"] = {"Open": "In Progress", "In Progress": "Complete"}.get(job["status"], job["status"])
        job["isFlagged"] = not job.get("isFlagged")
        _touch(job, now_ms)
    next_number = max(int(j["jobNumber"]) for j in jobs if str(j["jobNumber"]).isdigit()) + 1
    created_jobs = []
    for i in range(count):
        job = orjson.loads(orjson.dumps(rng.choice(live_jobs)))
        job.update(
            id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            jobNumber=str(next_number + i),
            status="Open",
            completedDate=None,
            version=1,
            invoiceStatus="Not Invoiced",
            billingStatus="Not Billed",
            costAmount=None,
            visits=[],
            notes=[],
        )
        job["audit"] = dict(
            job["audit"],
            createdDateTime=now_ms,
            lastUpdatedDateTime=now_ms,
            deletedDateTime=None,
            createdBy=EDITOR,
            lastUpdatedBy=EDITOR,
            deletedBy=None,
            createdDate=None,
            lastUpdatedDate=None,
            deletedDate=None,
        )
        created_jobs.append(job)
    jobs.extend(created_jobs)

    open_invoices = [i for i in invoices if i["status"] in ("Posted", "Draft") and not i["audit"]["deletedDateTime"]]
    updated_invoices = rng.sample(open_invoices, min(count, len(open_invoices)))
    for invoice in updated_invoices:
        invoice["status"] = "Exported" if invoice["status"] == "Posted" else "Posted"
        _touch(invoice, now_ms)

    deletable = [c for c in customers if not c["audit"]["deletedDateTime"] and c["status"] == "inactive"] or [
        c for c in customers if not c["audit"]["deletedDateTime"]
    ]
    deleted = rng.choice(deletable)
    _touch(deleted, now_ms)
    deleted["audit"].update(deletedDateTime=now_ms, deletedBy=EDITOR)

    _write(folder / "jobs.jsonl", jobs)
    _write(folder / "invoices.jsonl", invoices)
    _write(folder / "customers.jsonl", customers)
    _bump_truth(data_dir, len(created_jobs))
    return {
        "changed_at_ms": now_ms,
        "jobs": {"updated": [j["id"] for j in updated_jobs], "created": [j["id"] for j in created_jobs]},
        "invoices": {"updated": [i["id"] for i in updated_invoices]},
        "customers": {"deleted": [deleted["id"]]},
    }


def _bump_truth(data_dir: Path, new_jobs: int) -> None:
    path = data_dir / "truth.json"
    if not path.is_file():
        return
    truth = orjson.loads(path.read_bytes())
    buildops = truth.get("buildops", {})
    main_tenant = buildops.get("tenants", {}).get(MAIN_TENANT_ID, {})
    for counts in (buildops.get("counts"), buildops.get("api_counts"), main_tenant.get("counts")):
        if counts is not None:
            counts["jobs"] = counts.get("jobs", 0) + new_jobs
    path.write_bytes(orjson.dumps(truth, option=orjson.OPT_INDENT_2))
