"""Where projects come from: a service job's quote sold into a project, or a technician's recommendation on a visit
that the customer later turned into a project on the same site.

The twin records the lineage the way an office would: the project job carries `quoteId`, the quote it was sold
from (a quote on a service job for a conversion; the project's own proposal otherwise), and a visit carries a
`recommendation` (free text) when the technician recommended work. Both field names are the twin's guess
(docs/evidence/buildops.csv marks them unverified). A few recommendations lead nowhere, or lead to a project
long after: whether a project counts as converted is the CFO's rule (policy.yml cfo.conversion), applied to
these records, not a label the twin hands out.
"""

from __future__ import annotations

from .common import AS_OF, DAY, Ctx, audit, new_id

QUOTE_SHARE = 0.35  # projects sold from a service job's quote
VISIT_SHARE = 0.30  # projects that followed a recommendation on a visit to the same site
STRAY_SHARE = 0.03  # completed service visits with a recommendation nobody acted on (yet)


def link_projects(ctx: Ctx, job_list: list[dict], quotes: list[dict]) -> None:
    rng = ctx.rng("lineage")  # its own stream: every other record of a seed keeps its values
    live = [j for j in job_list if not j["audit"]["deletedDateTime"]]
    service = [j for j in live if j["_kind"] != "project"]
    by_customer: dict[str, list[dict]] = {}
    by_site: dict[str, list[dict]] = {}
    for job in service:
        by_customer.setdefault(job["customerId"], []).append(job)
        by_site.setdefault(job["customerPropertyId"], []).append(job)
    own_quote = {q["jobId"]: q["id"] for q in quotes if q["jobId"]}
    next_number = 7001 + len(quotes)
    for job in job_list:
        job["quoteId"] = own_quote.get(job["id"]) if job["_kind"] == "project" else None
    for project in sorted((j for j in live if j["_kind"] == "project"), key=lambda j: j["_start"]):
        start = project["_start"]
        draw = rng.random()
        done = [
            s
            for s in by_site.get(project["customerPropertyId"], []) or by_customer.get(project["customerId"], [])
            if s["status"] == "Complete" and s["_end"] and s["_end"] < start - 3 * DAY
        ]
        visits = [
            v
            for s in by_site.get(project["customerPropertyId"], [])
            for v in s.get("_visits", ())
            if start - 150 * DAY < v["scheduledFor"] < start
        ]
        if draw < QUOTE_SHARE and done:
            source = max(done, key=lambda s: s["_end"])
            issued = min(start - DAY, source["_end"] + rng.randint(0, 5) * DAY)
            quote = {
                "id": new_id(rng),
                "quoteNumber": str(next_number),
                "name": f"{project['issueDescription']} - proposal",
                "status": "Approved",
                "propertyId": source["customerPropertyId"],
                "customerId": source["customerId"],
                "billingCustomerId": source["billingCustomerId"],
                "jobId": source["id"],
                "departmentId": source["_dept"]["id"],
                "issuedDate": issued,
                "expirationDate": issued + 30 * DAY,
                "totalAmount": project["amountQuoted"],
                "totalAmountQuoted": project["amountQuoted"],
                "scopeOfWork": "Furnish and install per site walk; excludes after-hours work unless noted.",
                "ownerId": project["ownerId"],
                "version": rng.randint(1, 5),
                "audit": audit(rng, issued, min(AS_OF, issued + rng.randint(0, 10) * DAY)),
            }
            next_number += 1
            quotes.append(quote)
            project["quoteId"] = quote["id"]
        elif draw < QUOTE_SHARE + VISIT_SHARE and visits:
            visit = max(visits, key=lambda v: v["scheduledFor"])
            visit["recommendation"] = f"Recommend {project['issueDescription'].lower()}; customer to review proposal"
    for job in service:
        for visit in job.get("_visits", ()):
            if visit["status"] == "Completed" and "recommendation" not in visit and rng.random() < STRAY_SHARE:
                visit["recommendation"] = "Unit near end of life; recommend replacement budget next year"
