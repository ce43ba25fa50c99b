"""Projects: where BuildOps keeps progress (AIA) billing, and the invoices their pay applications became.

In the product (help.buildops.com, project pay applications) the schedule of values and retainage are set on
the project and each pay application becomes an invoice that carries `projectId`; the public API reads a
project by id (`/v1/projects/{id}`: name, address1, addressCity, addressState, addressPostal seen live). The
twin gives each progress-billed job a project and points that job's invoices at it. The schedule of values,
retainage and status fields are the twin's guess (docs/evidence/buildops.csv marks them unverified).
"""

from __future__ import annotations

from .common import AS_OF, Ctx, audit, money, new_id

RETAINAGE_PERCENT = 10
SOV_ITEMS = (
    "General conditions",
    "Equipment",
    "Piping and ductwork",
    "Controls",
    "Start-up and commissioning",
    "Closeout and documentation",
)
CANCELLED = ("Void", "Bypassed", "Deleted")


def projects(ctx: Ctx, job_list, invoices, props) -> list[dict]:
    """One project per progress-billed job; sets projectId/projectName on the job's invoices."""
    rng = ctx.rng("projects")  # its own stream: every other file of a seed stays byte-identical
    site_by_id = {p["id"]: p for p in props}
    invoices_by_job: dict[str, list[dict]] = {}
    for inv in invoices:
        invoices_by_job.setdefault(inv["jobId"], []).append(inv)
    out = []
    for job in job_list:
        if job.get("billingType") != "Progress Billing" or job["audit"]["deletedDateTime"]:
            continue
        contract_c = round((job.get("amountQuoted") or 0) * 100)
        billed = [inv for inv in invoices_by_job.get(job["id"], []) if inv["status"] not in CANCELLED]
        billed_c = sum(round(inv["totalAmount"] * 100) for inv in billed)
        name = f"{job['customerPropertyName']} - {job['jobTypeName']}"
        site = site_by_id.get(job["customerPropertyId"]) or {}
        where = (site.get("addresses") or [{}])[0]
        status = (
            "Work Complete"
            if job["status"] == "Complete"
            else ("Void" if job["status"] == "Canceled" else "Work in Progress")
        )
        updated = max([job["audit"]["lastUpdatedDateTime"]] + [inv["audit"]["lastUpdatedDateTime"] for inv in billed])
        record = {
            "id": new_id(rng),
            "name": name,
            "projectNumber": f"P-{job['jobNumber']}",
            "status": status,
            "jobId": job["id"],
            "customerId": job["customerId"],
            "billingCustomerId": job["billingCustomerId"],
            "address1": where.get("addressLine1"),
            "addressCity": where.get("city"),
            "addressState": where.get("state"),
            "addressPostal": where.get("zipcode"),
            "contractAmount": money(contract_c),
            "retainagePercent": RETAINAGE_PERCENT,
            "retainageHeld": money(round(billed_c * RETAINAGE_PERCENT / 100)),
            "scheduleOfValues": _schedule_of_values(rng, contract_c),
            "version": 1 + len(billed),
            "audit": audit(rng, job["audit"]["createdDateTime"] // 1000, min(AS_OF, updated // 1000)),
        }
        out.append(record)
        for inv in invoices_by_job.get(job["id"], []):
            inv["projectId"], inv["projectName"] = record["id"], name
    return out


def _schedule_of_values(rng, contract_c: int) -> list[dict]:
    count = rng.randint(3, len(SOV_ITEMS))
    weights = [rng.randint(5, 30) for _ in range(count)]
    shares = [contract_c * w // sum(weights) for w in weights]
    shares[-1] += contract_c - sum(shares)  # the lines add up to the contract to the cent
    return [
        {"id": new_id(rng), "lineNumber": n + 1, "description": SOV_ITEMS[n], "scheduledValue": money(c)}
        for n, c in enumerate(shares)
    ]
