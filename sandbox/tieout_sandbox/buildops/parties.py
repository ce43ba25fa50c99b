"""Reference data and parties: departments, job types, employees, pricebook, vendors, customers, properties."""

from __future__ import annotations

import math

from .common import AS_OF, DAY, YEAR_START, Ctx, address, audit, money, new_id, phone
from .vocab import (
    COMPANY_KINDS,
    COMPANY_WORDS,
    DEPARTMENTS,
    DISCOUNT_PRODUCTS,
    FEE_PRODUCTS,
    FIRST_NAMES,
    JOB_TYPES,
    LABOR_PRODUCTS,
    LAST_NAMES,
    PART_WORDS,
    PRICEBOOK_CATEGORIES,
    PROPERTY_MANAGERS,
    PROPERTY_NAMES,
    PROPERTY_TYPES,
    SUB_TRADES,
    VENDOR_SUPPLIERS,
)

LONG_AGO = YEAR_START - 6 * 365 * DAY
PAYMENT_TERMS = ("Net 30", "Net 30", "Net 30", "Net 45", "Due on Receipt", "Net 60")


def departments(ctx: Ctx) -> list[dict]:
    rng = ctx.rng("departments")
    out = []
    for code, company, name, kind in DEPARTMENTS:
        out.append(
            {
                "id": new_id(rng),
                "name": f"{company} - {name}",
                "tagName": name,
                "accountingAttributes": {
                    "accountingRefId": f"{company}-{code}",
                    "accountingEntity": company,
                    "syncStatus": "InSync",
                },
                "isActive": True,
                "version": 1,
                "audit": audit(rng, LONG_AGO),
                "_kind": kind,
            }
        )
    return out


def job_types(ctx: Ctx) -> list[dict]:
    rng = ctx.rng("job_types")
    out = [
        {
            "id": new_id(rng),
            "name": name,
            "tagName": tag,
            "isActive": True,
            "version": 1,
            "audit": audit(rng, LONG_AGO),
            "_kind": kind,
            "_billing": billing,
            "_share": share,
        }
        for name, tag, kind, billing, share in JOB_TYPES
    ]
    # Tenants accumulate retired job types; nothing uses this one any more.
    out.append(
        {
            "id": new_id(rng),
            "name": "Warranty (legacy)",
            "tagName": "WAR",
            "isActive": False,
            "version": 3,
            "audit": audit(rng, LONG_AGO, LONG_AGO + 400 * DAY),
            "_kind": "service",
            "_billing": "Time & Material",
            "_share": 0.0,
        }
    )
    return out


def _person(rng) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def employees(ctx: Ctx, depts: list[dict]) -> list[dict]:
    rng = ctx.rng("employees")
    n = ctx.count(130, minimum=len(depts) + 4)
    n_tech = max(len(depts), round(n * 0.65))
    out = []
    for i in range(n):
        first, last = _person(rng)
        is_tech = i < n_tech
        dept = depts[i % len(depts)] if is_tech else rng.choice(depts)
        if is_tech:
            title = "Project Foreman" if dept["_kind"] == "project" and rng.random() < 0.2 else "Technician"
        else:
            title = rng.choice(
                (
                    "Project Manager",
                    "Service Sales",
                    "Dispatcher",
                    "Billing Specialist",
                    "Account Manager",
                    "Controller",
                    "Service Manager",
                )
            )
        active = rng.random() > 0.06
        created = rng.randint(LONG_AGO, AS_OF - 30 * DAY)
        out.append(
            {
                "id": new_id(rng),
                "employeeNumber": str(1001 + i),
                "name": f"{first} {last}",
                "firstName": first,
                "lastName": last,
                "middleName": None,
                "email": f"{first[0].lower()}{last.lower()}{i}@lonestarmf.com",
                "cellPhone": phone(rng),
                "landlinePhone": None,
                "userTitle": title,
                "isTech": is_tech,
                "isSales": title in ("Service Sales", "Account Manager"),
                "isActive": active,
                "status": "active" if active else "inactive",
                "departments": [{"id": dept["id"], "name": dept["name"]}],
                "version": rng.randint(1, 6),
                "audit": audit(rng, created, rng.randint(created, AS_OF)),
            }
        )
    return out


def pricebook(ctx: Ctx) -> list[dict]:
    rng = ctx.rng("pricebook")
    out = []

    def product(code, name, ptype, category, uom, cost_c, price_c, taxable, company):
        created = rng.randint(LONG_AGO, YEAR_START + 200 * DAY)
        out.append(
            {
                "id": new_id(rng),
                "code": code,
                "name": name,
                "description": f"{name} ({category})",
                "productType": ptype,
                "category": category,
                "unitOfMeasure": uom,
                "unitCost": money(cost_c),
                "unitPrice": money(price_c),
                "markup": round((price_c - cost_c) / cost_c * 100, 2) if cost_c else None,
                "taxable": taxable,
                "isActive": rng.random() > 0.03,
                "version": rng.randint(1, 4),
                "audit": audit(rng, created, rng.randint(created, AS_OF)),
                "_company": company,
            }
        )

    for code, name, company, cost, price in LABOR_PRODUCTS:
        product(code, name, "Labor", "Labor", "HR", round(cost * 100), round(price * 100), False, company)
    for code, name, cost, price in FEE_PRODUCTS:
        product(code, name, "Fee", "Fees", "EA", cost * 100, price * 100, False, "*")
    for code, name, _, _ in DISCOUNT_PRODUCTS:
        product(code, name, "Discount", "Discounts", "EA", 0, 0, False, "*")
    for prefix, category, ptype, company, (lo, hi), uom, base in PRICEBOOK_CATEGORIES:
        for j in range(ctx.count(base, minimum=2)):
            cost_c = round(math.exp(rng.uniform(math.log(lo), math.log(hi))) * 100)
            price_c = round(cost_c * rng.uniform(1.35, 1.8))
            name = f"{rng.choice(PART_WORDS)} {category.rstrip('s')} {rng.randint(10, 99)}{rng.choice('ABCDEFGH')}"
            product(f"{prefix}-{1000 + 7 * j}", name, ptype, category, uom, cost_c, price_c, True, company)
    return out


def vendors(ctx: Ctx) -> list[dict]:
    rng = ctx.rng("vendors")
    n = ctx.count(150, minimum=6)
    out = []
    for i in range(n):
        is_sub = i % 20 >= 11  # ~45% subcontractors, interleaved so small scales get both kinds
        if is_sub:
            trade = rng.choice(SUB_TRADES)
            name = f"{rng.choice(COMPANY_WORDS).replace('-', ' ')} {trade} {rng.choice(('LLC', 'Inc.', 'Co.'))}"
        else:
            trade = None
            base = VENDOR_SUPPLIERS[i % len(VENDOR_SUPPLIERS)]
            name = base if i < len(VENDOR_SUPPLIERS) else f"{base} #{i // len(VENDOR_SUPPLIERS) + 1}"
        active = rng.random() > 0.05
        created = rng.randint(LONG_AGO, AS_OF - 60 * DAY)
        out.append(
            {
                "id": new_id(rng),
                "vendorNumber": f"V{10001 + i}",
                "name": name,
                "vendorType": "Subcontractor" if is_sub else "Supplier",
                "trade": trade,
                "email": f"ap{i}@{name.split()[0].lower()}.example.com",
                "phonePrimary": phone(rng),
                "status": "active" if active else "inactive",
                "isActive": active,
                "is1099": is_sub,
                "paymentTermName": rng.choice(PAYMENT_TERMS[:4]),
                "addresses": [address(rng, "billingAddress", created, bill_to=name)],
                "accountingAttributes": {"accountingRefId": None, "accountingVersion": None, "syncStatus": None},
                "version": rng.randint(1, 5),
                "audit": audit(rng, created, rng.randint(created, AS_OF)),
            }
        )
    return out


def _customer_created(rng) -> int:
    # Most customers predate the generated year; about one in ten is new this year.
    if rng.random() < 0.1:
        return rng.randint(YEAR_START, AS_OF - 45 * DAY)
    return rng.randint(LONG_AGO, YEAR_START)


def customers(ctx: Ctx) -> list[dict]:
    """Customers; about 3% are property managers / national accounts that others bill through."""
    rng = ctx.rng("customers")
    n = ctx.count(1000, minimum=3)
    n_parents = max(1, round(n * 0.03))
    out = []
    parent_ids: list[str] = []
    for i in range(n):
        created = _customer_created(rng)
        if i < n_parents:
            kind = "Property Management"
            name = PROPERTY_MANAGERS[i % len(PROPERTY_MANAGERS)]
            if i >= len(PROPERTY_MANAGERS):
                name += f" - Region {i // len(PROPERTY_MANAGERS) + 1}"
        else:
            kind = rng.choice(tuple(COMPANY_KINDS))
            name = f"{rng.choice(COMPANY_WORDS).replace('-', ' ')} {rng.choice(COMPANY_KINDS[kind])}"
        status = rng.choices(("active", "inactive", "creditHold", "collections", "suspended"), (88, 6, 3, 2, 1))[0]
        cid = new_id(rng)
        billing_parent = rng.choice(parent_ids) if parent_ids and i >= n_parents and rng.random() < 0.12 else None
        if i < n_parents:
            parent_ids.append(cid)
        out.append(_customer_record(rng, ctx, cid, i, name, kind, status, created, billing_parent))
    # Duplicates keyed in by mistake and soft-deleted later: they come back in lists, with no activity.
    for j in range(max(1, round(n * 0.01))):
        orig = out[rng.randrange(len(out))]
        created = rng.randint(YEAR_START, AS_OF - 20 * DAY)
        dup = _customer_record(
            rng,
            ctx,
            new_id(rng),
            n + j,
            orig["name"] + " ",
            orig["customerType"],
            "inactive",
            created,
            None,
            deleted_s=created + rng.randint(1, 15) * DAY,
        )
        out.append(dup)
    return out


def _customer_record(rng, ctx, cid, i, name, kind, status, created, billing_parent, deleted_s=None) -> dict:
    tax_exempt = kind in ("Government", "Education")
    return {
        "id": cid,
        "name": name,
        "customerNumber": str(10001 + i),
        "accountNumber": f"AR-{20001 + i}",
        "customerType": kind,
        "status": status,
        "isActive": status != "inactive",
        "prospectiveStatus": None,
        "email": f"ap@{name.split()[0].lower().strip('&')}{i}.example.com",
        "phonePrimary": phone(rng),
        "phoneAlternate": phone(rng) if rng.random() < 0.2 else None,
        "receiveSMS": False,
        "websiteUrl": None,
        "logoUrl": None,
        "creditLimit": money(rng.choice((0, 2500000, 5000000, 10000000))) or None,
        "amountNotToExceed": money(rng.choice((150000, 250000, 500000))) if rng.random() < 0.15 else None,
        "isTaxable": not tax_exempt,
        "taxRateId": None,
        "taxRateValue": None if tax_exempt else 8.25,
        "taxCodeId": None,
        "taxExemptIdValue": f"EX-{rng.randint(100000, 999999)}" if tax_exempt else None,
        "paymentTermId": None,
        "invoicePresetId": None,
        "invoiceDeliveryPref": rng.choice(("email", "email", "mail", "portal")),
        "priceBookId": None,
        "sameAddress": True,
        "billingCustomerId": billing_parent,
        "tenantId": ctx.tenant_id,
        "tenantCompanyId": ctx.tenant_company_id,
        "version": rng.randint(1, 8),
        "addresses": {"items": [address(rng, "billingAddress", created, bill_to=name)], "totalCount": 1},
        "audit": audit(rng, created, rng.randint(created, AS_OF), deleted_s),
        "accountingAttributes": {
            "accountingRefId": None,
            "accountingVersion": None,
            "syncStatus": rng.choice(("InSync", "InSync", "NotSynced")),
        },
    }


def properties(ctx: Ctx, custs: list[dict]) -> list[dict]:
    rng = ctx.rng("properties")
    live = [c for c in custs if c["audit"]["deletedDateTime"] is None]
    owners = [c for c in live if c["customerType"] != "Property Management"] or live
    n = ctx.count(2000, minimum=len(owners))
    weights = [rng.paretovariate(1.5) for _ in owners]
    chosen = list(owners) + rng.choices(owners, weights, k=max(0, n - len(owners)))
    out = []
    for i, cust in enumerate(chosen):
        created = max(cust["audit"]["createdDateTime"] // 1000, rng.randint(LONG_AGO, AS_OF - 60 * DAY))
        if created > AS_OF - 30 * DAY:
            created = cust["audit"]["createdDateTime"] // 1000
        out.append(_property_record(rng, ctx, i, cust, created))
    for j in range(max(1, round(n * 0.01))):  # duplicate sites, soft-deleted
        cust = rng.choice(owners)
        created = rng.randint(YEAR_START, AS_OF - 20 * DAY)
        out.append(_property_record(rng, ctx, n + j, cust, created, deleted_s=created + rng.randint(1, 9) * DAY))
    return out


def _property_record(rng, ctx, i, cust, created, deleted_s=None) -> dict:
    ptype = rng.choice(PROPERTY_TYPES)
    name = f"{rng.choice(COMPANY_WORDS).replace('-', ' ')} {rng.choice(PROPERTY_NAMES)}"
    tax_exempt = not cust["isTaxable"]
    return {
        "id": new_id(rng),
        "companyName": name,
        "customerId": cust["id"],
        "billingCustomerId": cust["billingCustomerId"] or cust["id"],
        "accountNumber": f"P-{30001 + i}",
        "customerPropertyTypeValue": ptype,
        "status": "active",
        "email": None,
        "phonePrimary": phone(rng) if rng.random() < 0.5 else None,
        "phoneAlternate": None,
        "priceBookId": None,
        "isTaxable": not tax_exempt,
        "taxRateId": None,
        "taxRateName": None if tax_exempt else "Texas Local 8.25%",
        "taxRateValue": None if tax_exempt else 8.25,
        "amountNotToExceed": None,
        "receiveSMS": False,
        "sameAddress": True,
        "version": rng.randint(1, 5),
        "tenantId": ctx.tenant_id,
        "tenantCompanyId": ctx.tenant_company_id,
        "addresses": [address(rng, "propertyAddress", created)],
        "audit": audit(rng, created, rng.randint(created, AS_OF), deleted_s),
    }


def representatives(ctx: Ctx, custs: list[dict], props: list[dict]) -> list[dict]:
    rng = ctx.rng("customer_representatives")
    props_by_customer: dict[str, list[dict]] = {}
    for p in props:
        props_by_customer.setdefault(p["customerId"], []).append(p)
    out = []
    for cust in custs:
        if cust["audit"]["deletedDateTime"] is not None:
            continue
        for _ in range(rng.choices((0, 1, 2, 3), (15, 40, 30, 15))[0]):
            first, last = _person(rng)
            created = cust["audit"]["createdDateTime"] // 1000 + rng.randint(0, 60) * DAY
            site = props_by_customer.get(cust["id"])
            out.append(
                {
                    "id": new_id(rng),
                    "customerId": cust["id"],
                    "firstName": first,
                    "lastName": last,
                    "email": f"{first.lower()}.{last.lower()}@{cust['email'].split('@')[1]}",
                    "cellPhone": phone(rng),
                    "landlinePhone": phone(rng) if rng.random() < 0.3 else None,
                    "isActive": rng.random() > 0.08,
                    "isDoNotCall": rng.random() < 0.03,
                    "isEmailOptOut": rng.random() < 0.05,
                    "isSmsOptOut": rng.random() < 0.1,
                    "propertyId": rng.choice(site)["id"] if site and rng.random() < 0.4 else None,
                    "companyId": ctx.tenant_company_id,
                    "version": rng.randint(1, 3),
                    "audit": audit(rng, min(created, AS_OF - DAY), rng.randint(min(created, AS_OF - DAY), AS_OF)),
                }
            )
    return out


def property_representatives(ctx: Ctx, custs: list[dict], props: list[dict]) -> list[dict]:
    """Site contacts (`/v1/properties/{id}/representatives`): BuildOps attaches contacts at property level too.

    Their own random stream, so adding them reshuffles no other resource (same seed, same other files).
    """
    rng = ctx.rng("property_representatives")
    cust_by_id = {c["id"]: c for c in custs}
    out = []
    for prop in props:
        if prop["audit"]["deletedDateTime"] is not None:
            continue
        cust = cust_by_id[prop["customerId"]]
        domain = cust["email"].split("@")[1]
        for _ in range(rng.choices((0, 1, 2), (45, 40, 15))[0]):
            first, last = _person(rng)
            created = min(prop["audit"]["createdDateTime"] // 1000 + rng.randint(0, 90) * DAY, AS_OF - DAY)
            out.append(
                {
                    "id": new_id(rng),
                    "propertyId": prop["id"],
                    "customerId": prop["customerId"],
                    "firstName": first,
                    "lastName": last,
                    "email": f"{first.lower()}.{last.lower()}@{domain}" if rng.random() < 0.8 else None,
                    "cellPhone": phone(rng),
                    "landlinePhone": phone(rng) if rng.random() < 0.4 else None,
                    "isActive": rng.random() > 0.1,
                    "isDoNotCall": rng.random() < 0.03,
                    "isEmailOptOut": rng.random() < 0.05,
                    "isSmsOptOut": rng.random() < 0.1,
                    "companyId": ctx.tenant_company_id,
                    "version": rng.randint(1, 3),
                    "audit": audit(rng, created, rng.randint(created, AS_OF)),
                }
            )
    return out
