"""Operations: service agreements, jobs, visits, technician timesheets, quotes and purchase orders."""

from __future__ import annotations

import bisect
import math

from .common import AS_OF, DAY, YEAR_START, Ctx, audit, day_start, money, new_id
from .vocab import SERVICE_ISSUES

HOUR = 3600


def service_agreements(ctx: Ctx, custs, props, depts) -> list[dict]:
    rng = ctx.rng("service_agreements")
    n = ctx.count(400, minimum=2)
    live_custs = {c["id"]: c for c in custs if c["audit"]["deletedDateTime"] is None}
    sites = [p for p in props if p["audit"]["deletedDateTime"] is None and p["customerId"] in live_custs]
    by_customer: dict[str, list[dict]] = {}
    for p in sites:
        by_customer.setdefault(p["customerId"], []).append(p)
    pm_depts = [
        d
        for d in depts
        if d["tagName"] in ("HVAC Service", "Plumbing Service", "Fire Alarm & Inspection", "Fire Sprinkler Service")
    ]
    out = []
    for i in range(n):
        site = rng.choice(sites)
        cust = live_custs[site["customerId"]]
        covered = [site, *[p for p in by_customer[cust["id"]] if p is not site and rng.random() < 0.3][:2]]
        dept = rng.choices(pm_depts, (45, 15, 30, 10))[0]
        start = day_start(rng.randint(YEAR_START - 330 * DAY, AS_OF - 20 * DAY))
        end = start + 365 * DAY - DAY
        status = "Active" if end >= AS_OF else "Expired"
        roll = rng.random()
        if roll < 0.04:
            status = "Cancelled"
        elif roll < 0.06 and start > AS_OF - 60 * DAY:
            status = "Draft"
        is_fire = dept["accountingAttributes"]["accountingEntity"] == "FPR"
        freq = (
            rng.choice(("Quarterly", "Semi-Annual", "Annual"))
            if is_fire
            else rng.choice(("Monthly", "Quarterly", "Quarterly", "Semi-Annual"))
        )
        label = "Fire Inspection" if is_fire else "Planned Maintenance"
        value_c = rng.randint(12, 240) * 10000 * len(covered)
        out.append(
            {
                "id": new_id(rng),
                "agreementNumber": f"SA-{1001 + i}",
                "agreementName": f"{cust['name'].strip()} {freq} {label}",
                "status": status,
                "customerId": cust["id"],
                "customerName": cust["name"],
                "billingCustomerId": site["billingCustomerId"],
                "departmentId": dept["id"],
                "properties": [{"id": p["id"], "companyName": p["companyName"]} for p in covered],
                "startDate": start,
                "endDate": end,
                "termMonths": 12,
                "visitFrequency": freq,
                "billingFrequency": rng.choice(("Per Visit", "Per Visit", "Monthly", "Annual")),
                "contractValue": money(value_c),
                "autoRenew": rng.random() < 0.6,
                "version": rng.randint(1, 4),
                "audit": audit(rng, start - rng.randint(5, 40) * DAY, rng.randint(start, AS_OF)),
            }
        )
    return out


class _Picker:
    """Chooses live properties created before a given time, with a heavy-tailed preference."""

    def __init__(self, rng, props):
        live = sorted(
            (p for p in props if p["audit"]["deletedDateTime"] is None), key=lambda p: p["audit"]["createdDateTime"]
        )
        self.props = live
        self.created = [p["audit"]["createdDateTime"] // 1000 for p in live]
        weights = [rng.paretovariate(1.2) for _ in live]
        self.cum = []
        total = 0.0
        for w in weights:
            total += w
            self.cum.append(total)

    def pick(self, rng, before_s: int) -> dict:
        upto = max(1, bisect.bisect_right(self.created, before_s))
        x = rng.random() * self.cum[upto - 1]
        return self.props[min(bisect.bisect_left(self.cum, x), upto - 1)]


def jobs(ctx: Ctx, custs, props, depts, types, agreements, emps) -> list[dict]:
    rng = ctx.rng("jobs")
    n = ctx.count(10000, minimum=6)
    cust_by_id = {c["id"]: c for c in custs}
    prop_by_id = {p["id"]: p for p in props}
    dept_by_tag = {d["tagName"]: d for d in depts}
    picker = _Picker(rng, props)
    usable_types = [t for t in types if t["_share"] > 0]
    managers = [e for e in emps if not e["isTech"]] or emps
    starts = sorted(rng.randint(YEAR_START, AS_OF - 2 * HOUR) for _ in range(n))
    # Small scales still get every job type (projects are what AIA routing and WIP need).
    kinds = [usable_types[i] for i in range(len(usable_types))] if n >= 2 * len(usable_types) else []
    kinds += rng.choices(usable_types, [t["_share"] for t in usable_types], k=n - len(kinds))
    rng.shuffle(kinds)
    # Agreements run 364 days, so the ones live at t started in [t - 364 days, t]: bisect, don't scan.
    signed = sorted((a for a in agreements if a["status"] != "Draft"), key=lambda a: a["startDate"])
    signed_starts = [a["startDate"] for a in signed]
    out = []
    for i, (created, jtype) in enumerate(zip(starts, kinds, strict=False)):
        kind = jtype["_kind"]
        agreement = None
        if kind == "agreement":
            lo = bisect.bisect_left(signed_starts, created - 364 * DAY)
            hi = bisect.bisect_right(signed_starts, created)
            live = [a for a in signed[lo:hi] if a["endDate"] >= created]
            agreement = rng.choice(live) if live else None
            if agreement is None:
                jtype, kind = usable_types[0], "service"
        if agreement:
            site = prop_by_id[rng.choice(agreement["properties"])["id"]]
            dept = next(d for d in depts if d["id"] == agreement["departmentId"])
        else:
            site = picker.pick(rng, created)
            dept = _department_for(rng, kind, dept_by_tag)
        cust = cust_by_id[site["customerId"]]
        billing = cust_by_id.get(site["billingCustomerId"], cust)
        out.append(_job_record(rng, ctx, i, created, jtype, kind, dept, site, cust, billing, agreement, managers))
    return out


def assign_representatives(ctx: Ctx, job_list, reps) -> None:
    """customerRepName: the customer contact on most jobs (its own stream, so nothing else reshuffles)."""
    rng = ctx.rng("job_representatives")
    by_customer: dict[str, list[dict]] = {}
    for rep in reps:
        by_customer.setdefault(rep["customerId"], []).append(rep)
    for job in job_list:
        options = by_customer.get(job["customerId"])
        if options and rng.random() < 0.7:
            rep = rng.choice(options)
            job["customerRepName"] = f"{rep['firstName']} {rep['lastName']}"


def _department_for(rng, kind, dept_by_tag):
    if kind == "project":
        tag = rng.choices(("Mechanical Construction", "Fire Protection Construction"), (70, 30))[0]
    else:
        tag = rng.choices(("HVAC Service", "Plumbing Service", "Fire Sprinkler Service"), (45, 30, 25))[0]
    return dept_by_tag[tag]


def _job_record(rng, ctx, i, created, jtype, kind, dept, site, cust, billing, agreement, managers) -> dict:
    if kind == "project":
        duration = rng.randint(30, 120) if jtype["tagName"] == "TI" else rng.randint(90, 300)
        low, high = (3000, 30000) if jtype["tagName"] == "TI" else (20000, 180000)
        quoted = money(round(math.exp(rng.uniform(math.log(low), math.log(high)))) * 100)
    else:
        duration = rng.choice((0, 0, 0, 1, 1, 2, 3, 5, 8))
        quoted = None
    end = created + duration * DAY + rng.randint(2, 9) * HOUR
    canceled = rng.random() < 0.04
    if canceled:
        status = "Canceled"
    elif end < AS_OF:
        status = "Complete"
    else:
        status = rng.choices(("Open", "In Progress", "On Hold"), (35, 55, 10))[0]
    deleted = created + rng.randint(1, 10) * DAY if canceled and rng.random() < 0.25 else None
    updated = min(AS_OF, end + rng.randint(0, 20) * DAY) if status == "Complete" else rng.randint(created, AS_OF)
    issues = SERVICE_ISSUES[dept["tagName"]]
    owner = rng.choice(managers)
    priority = "Emergency" if jtype["tagName"] == "EMG" else rng.choice(("Low", "Medium", "Medium", "High"))
    return {
        "id": new_id(rng),
        "jobNumber": str(40001 + i),
        "status": status,
        "jobTypeId": jtype["id"],
        "jobTypeName": jtype["name"],
        "jobTypeInternal": "Maintenance" if kind == "agreement" else "Job",
        "priority": priority,
        "customerId": cust["id"],
        "customerName": cust["name"],
        "customerPropertyId": site["id"],
        "customerPropertyName": site["companyName"],
        "customerRepName": None,
        "billingCustomerId": billing["id"],
        "billingCustomerName": billing["name"],
        "billingStatus": None,
        "billingType": jtype["_billing"],
        "invoiceStatus": None,
        "reviewStatus": "Reviewed" if status == "Complete" and rng.random() < 0.8 else None,
        "amountQuoted": quoted,
        "costAmount": None,
        "issueDescription": rng.choice(issues),
        "dueDate": day_start(end) + DAY,
        "completedDate": end if status == "Complete" else None,
        "serviceAgreementId": agreement["id"] if agreement else None,
        "priceBookId": None,
        "isUseTaxable": False,
        "isFlagged": rng.random() < 0.02,
        "departments": [{"id": dept["id"], "name": dept["name"]}],
        "closeoutReport": None,
        "soldById": owner["id"] if kind == "project" else None,
        "accountManagerId": owner["id"],
        "ownerId": owner["id"],
        "version": rng.randint(1, 12),
        "tenantId": ctx.tenant_id,
        "audit": audit(rng, created, updated, deleted),
        "_start": created,
        "_end": end,
        "_kind": kind,
        "_dept": dept,
        "_company": dept["accountingAttributes"]["accountingEntity"],
    }


def visits_and_timesheets(ctx: Ctx, job_list, emps) -> tuple[list[dict], list[dict]]:
    rng = ctx.rng("visits")
    trng = ctx.rng("timesheets")
    techs_by_dept: dict[str, list[dict]] = {}
    for e in emps:
        if e["isTech"] and e["isActive"]:
            techs_by_dept.setdefault(e["departments"][0]["id"], []).append(e)
    all_techs = [e for e in emps if e["isTech"]] or emps
    approvers = [e for e in emps if e["userTitle"] in ("Service Manager", "Project Manager")] or emps
    visits, sheets = [], []
    for job in job_list:
        if job["status"] == "Canceled":
            continue
        kind, start, end = job["_kind"], job["_start"], job["_end"]
        if kind == "service":
            count = rng.choices((1, 2, 3), (75, 20, 5))[0]
        elif kind == "agreement":
            count = 1 if rng.random() < 0.9 else 2
        else:
            count = max(2, (end - start) // DAY // rng.randint(7, 12))
        crew_pool = techs_by_dept.get(job["_dept"]["id"]) or all_techs
        job["_visits"] = []
        for k in range(count):
            when = start + (end - start) * k // count + rng.randint(0, 3) * HOUR
            if kind == "project":
                crew = rng.sample(crew_pool, min(len(crew_pool), rng.randint(2, 4)))
                minutes = rng.randint(6, 10) * 60
            else:
                crew = rng.sample(crew_pool, min(len(crew_pool), 2 if rng.random() < 0.4 else 1))
                minutes = rng.randint(1, 8) * 30
            done = when + minutes * 60 < AS_OF and job["status"] != "Open"
            # The product's visit states (help centre): Scheduled, Traveling, Working, Break, Paused, Completed.
            status = "Completed" if done else "Scheduled" if when > AS_OF else rng.choice(("Traveling", "Working"))
            visit = {
                "id": new_id(rng),
                "visitNumber": k + 1,
                "jobId": job["id"],
                "jobNumber": job["jobNumber"],
                "customerPropertyId": job["customerPropertyId"],
                "departmentId": job["_dept"]["id"],
                "status": status,
                "description": job["issueDescription"],
                "scheduledFor": when,
                "actualStartTime": when if done else None,
                "actualEndTime": when + minutes * 60 if done else None,
                "actualDurationMins": minutes if done else None,
                "primaryTechId": crew[0]["id"],
                "primaryTechName": crew[0]["name"],
                "extraTechIds": [t["id"] for t in crew[1:]],
                "version": rng.randint(1, 6),
                "audit": audit(rng, min(when, start + HOUR), min(AS_OF, when + minutes * 60 + HOUR)),
            }
            visit["_minutes"] = minutes if done else 0
            visit["_crew"] = crew
            visits.append(visit)
            job["_visits"].append(visit)
            if done:
                sheets.extend(_timesheets_for(trng, job, visit, crew, when, minutes, approvers))
    for job in job_list:
        _embed_in_detail(rng, job)
    return visits, sheets


def _embed_in_detail(rng, job) -> None:
    """The job detail embeds its visits (visitNumber, scheduledFor, status) and notes, as a live client read
    them; the list leaves both out (store.py). Note fields are not public: the twin's guess."""
    job["visits"] = [
        {"id": v["id"], "visitNumber": v["visitNumber"], "scheduledFor": v["scheduledFor"], "status": v["status"]}
        for v in job.get("_visits", ())
    ]
    job["notes"] = (
        [{"id": new_id(rng), "note": job["issueDescription"], "createdDateTime": job["audit"]["createdDateTime"]}]
        if rng.random() < 0.3
        else []
    )


def _timesheets_for(rng, job, visit, crew, when, minutes, approvers) -> list[dict]:
    out = []
    for tech in crew:
        entries = [("Work", when, minutes)]
        if job["_kind"] != "project":
            travel = rng.randint(2, 6) * 10
            entries.insert(0, ("Travel", when - travel * 60, travel))
        for entry_type, begin, mins in entries:
            approved = begin < AS_OF - 7 * DAY
            hour_type = "Overtime" if (mins > 480 or rng.random() < 0.07) and entry_type == "Work" else "Regular"
            out.append(
                {
                    "id": new_id(rng),
                    "employeeId": tech["id"],
                    "employeeName": tech["name"],
                    "jobId": job["id"],
                    "jobNumber": job["jobNumber"],
                    "visitId": visit["id"],
                    "departmentId": visit["departmentId"],
                    "entryType": entry_type,
                    "payrollHourType": hour_type,
                    "workDate": day_start(begin),
                    "startTime": begin,
                    "endTime": begin + mins * 60,
                    "durationMinutes": mins,
                    "isBillable": entry_type == "Work",
                    # The product's timesheet states (help centre): Pending Approval, Disputed, Approved.
                    "status": "Approved" if approved else rng.choices(("Pending Approval", "Disputed"), (9, 1))[0],
                    "approvedById": rng.choice(approvers)["id"] if approved else None,
                    "version": rng.randint(1, 3),
                    "audit": audit(rng, begin + mins * 60, min(AS_OF, begin + mins * 60 + rng.randint(1, 96) * 3600)),
                }
            )
    return out


def quotes(ctx: Ctx, job_list, props, custs, emps) -> list[dict]:
    rng = ctx.rng("quotes")
    sales = [e for e in emps if not e["isTech"]] or emps
    out = []
    for job in job_list:
        if job["_kind"] == "project" and rng.random() < 0.85:
            out.append(
                _quote(
                    rng,
                    job["_start"] - rng.randint(10, 60) * DAY,
                    "Approved",
                    job["amountQuoted"],
                    job,
                    job["customerPropertyId"],
                    job["customerId"],
                    job["billingCustomerId"],
                    job["_dept"]["id"],
                    rng.choice(sales),
                )
            )
        elif job["_kind"] == "service" and job["status"] == "Complete" and rng.random() < 0.15:
            status = rng.choices(("Approved", "Sent", "Rejected", "Expired"), (45, 20, 20, 15))[0]
            issued = min(AS_OF - DAY, job["_end"] + rng.randint(0, 5) * DAY)
            out.append(
                _quote(
                    rng,
                    issued,
                    status,
                    money(rng.randint(800, 25000) * 100),
                    job,
                    job["customerPropertyId"],
                    job["customerId"],
                    job["billingCustomerId"],
                    job["_dept"]["id"],
                    rng.choice(sales),
                )
            )
    live_props = [p for p in props if p["audit"]["deletedDateTime"] is None]
    target = ctx.count(2500, minimum=len(out) + 1)
    for _ in range(max(1, target - len(out))):  # proposals that never became work
        site = rng.choice(live_props)
        status = rng.choices(("Draft", "Sent", "Rejected", "Expired"), (15, 30, 30, 25))[0]
        issued = rng.randint(YEAR_START, AS_OF - DAY)
        out.append(
            _quote(
                rng,
                issued,
                status,
                money(rng.randint(500, 90000) * 100),
                None,
                site["id"],
                site["customerId"],
                site["billingCustomerId"],
                None,
                rng.choice(sales),
            )
        )
    out.sort(key=lambda q: q["audit"]["createdDateTime"])
    for i, q in enumerate(out):
        q["quoteNumber"] = str(7001 + i)
    return out


def _quote(rng, issued, status, amount, job, property_id, customer_id, billing_id, dept_id, owner) -> dict:
    issued = max(YEAR_START - 60 * DAY, issued)
    return {
        "id": new_id(rng),
        "quoteNumber": None,
        "name": (job["issueDescription"] if job else "Proposal")
        + (" - repair" if job and job["_kind"] == "service" else ""),
        "status": status,
        "propertyId": property_id,
        "customerId": customer_id,
        "billingCustomerId": billing_id,
        "jobId": job["id"] if job and status == "Approved" else None,
        "departmentId": dept_id,
        "issuedDate": issued,
        "expirationDate": issued + 30 * DAY,
        "totalAmount": amount,
        "totalAmountQuoted": amount,
        "scopeOfWork": "Furnish and install per site walk; excludes after-hours work unless noted.",
        "ownerId": owner["id"],
        "version": rng.randint(1, 5),
        "audit": audit(rng, issued, min(AS_OF, issued + rng.randint(0, 30) * DAY)),
    }
