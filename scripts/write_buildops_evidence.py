"""Write docs/evidence/buildops.csv: every BuildOps path, parameter, envelope and field the twin serves or
source-buildops reads, with its verdict (confirmed / contradicted / unverified) and public source.

The verdicts transcribe ../shared/reference/buildops-api-evidence.md (the "row N" notes are its fidelity
table's rows). Run it after the twin serves something new, then review the diff:

    .venv/bin/python scripts/write_buildops_evidence.py docs/evidence/buildops.csv

sandbox/tests/test_buildops_twin_evidence.py and source-buildops/tests/test_buildops_evidence.py check the file.
"""

# ruff: noqa: SIM905 - the field lists read best as the reference prints them, space-separated

from __future__ import annotations

import collections
import csv
import sys

from tieout_sandbox.buildops import api
from tieout_sandbox.buildops.generator import RESOURCES, generate

RESOURCE_PATHS = {route.resource: path for path, route in api.ROUTES.items()}
CHILD_PATHS = {
    "customer_representatives": "/v1/customers/{id}/our-representatives",
    "property_representatives": "/v1/properties/{id}/representatives",
}


def field_names(resource, node, prefix=""):
    out = set()
    if isinstance(node, dict):
        for key, value in node.items():
            name = f"{prefix}.{key}" if prefix else key
            out.add(name)
            out |= field_names(resource, value, name)
    elif isinstance(node, list):
        for item in node:
            out |= field_names(resource, item, prefix + "[]")
    return out


def twin_names(data):
    names = {("/v1/auth/token", "path"), ("/v1/auth/scope", "path")}
    routes = [(path, route) for path, route in api.ROUTES.items()]
    routes += [(pattern.pattern.strip("^$").replace("([^/]+)", "{id}"), route) for pattern, route in api.CHILD_ROUTES]
    names |= {(f"{path}/{{id}}", "path") for path in api.DETAIL_ONLY}
    for path, route in routes:
        names.add((path, "path"))
        for param in ("page", *route.size_params, *route.extra):
            names.add((f"{path}?{param}", "param"))
        envelope = "items,totalCount" if route.envelope == "items" else route.envelope
        names.add((f"{path} {{{envelope}}}", "envelope"))
        if route.envelope == "items" and route.parent is None:
            names.add((f"{path}/{{id}}", "path"))
    for resource in RESOURCES:
        for record in data[resource]:
            for name in field_names(resource, record):
                names.add((f"{resource}.{name}", "field"))
    return names


GL = "L getlisa/crm-appointment-scheduler"
WK = "L wakagashira/BuildOpsMasterSync"
BG = "L aaronymatsumoto/bugchella-tool"
NF = "L? Netlify commission dashboard (2025-01-23 spec comment)"
BH = "S BuildHero/lakeflow-community-connectors"
PF = "C Pinkfish buildops-accounting"
PY = "public app/buildops_client.py (unattributed)"

CONFIRMED_PATHS = {
    "/v1/auth/token": (BH, "row 3"),
    "/v1/auth/scope": (BH, "row 14; response key unpublished"),
    "/v1/customers": (GL, "row 37"),
    "/v1/customers/{id}": (GL + "; " + WK, ""),
    "/v1/properties": (GL, "get_all_properties.ts"),
    "/v1/properties/{id}": (GL, "client.ts"),
    "/v1/jobs": (GL, "buildops-cron, get_jobs_list.ts"),
    "/v1/jobs/{id}": (GL, "client.ts, get_invoice_by_id.ts"),
    "/v1/invoices": (GL, "get_invoices_list.ts; row 57"),
    "/v1/invoices/{id}": (GL, "get_invoice_by_id.ts; row 57"),
    "/v1/payments": (NF, "row 72"),
    "/v1/payments/{id}": (PF, "payment by id with its line items"),
    "/v1/quotes": (PY, "row 74"),
    "/v1/employees": (WK, "row 77"),
    "/v1/employees/{id}": (WK, "entities/employees.py"),
    "/v1/departments": (GL, "get_department_id.ts; row 24"),
    "/v1/job-types": (GL, "get_job_types.ts; row 25"),
    "/v1/customers/{id}/our-representatives": (GL, "buildops-cron; row 45 (internal staff or contacts: unresolved)"),
    "/v1/customers/{id}/representatives": (GL, "get_representatives.ts"),
    "/v1/customers/{id}/properties": (BG, "main.py"),
    "/v1/representatives/{id}": (GL, "get_representatives.ts"),
    "/v1/projects/{id}": (GL, "fetch_and_build.py"),
    "/v2/bills/{id}": (BH, "AP bills, by id only"),
}
PATH_NOTES = {
    "/v1/properties/{id}/representatives": "row 47: only POST seen",
    "/v1/service-agreements": "row 88: plural used by AI code with results; catalogue name singular",
}
PAGED_PARAMS_CONFIRMED = {  # path -> params seen live
    "/v1/customers": {
        "page": "1-based: page 0 repeats page 1 (getlisa cron); row 18",
        "limit": "row 17",
        "include_inactive": "row 26",
    },
    "/v1/properties": {"page": "row 16", "page_size": "row 16", "include_addresses": "row 28"},
    "/v1/jobs": {
        "page": "row 16",
        "page_size": "row 16",
        "limit": "row 22 (" + NF + ")",
        "lastUpdatedDateStart": "row 29: production watermark",
        "job_number": "row 32",
    },
    "/v1/employees": {"page": "row 16", "page_size": "row 16", "include_inactive": "row 26"},
    "/v1/invoices": {
        "page": "row 16",
        "page_size": "row 16",
        "status": "row 31",
        "start": "row 31 (ISO 8601)",
        "end": "row 31 (ISO 8601)",
        "dateFilterType": "row 31",
        "invoice_number": "row 31",
    },
    "/v1/quotes": {"page": "row 16", "page_size": "row 16", "quote_number": "row 32"},
    "/v1/departments": {"page": "row 24", "page_size": "row 24"},
    "/v1/job-types": {"page": "row 25", "page_size": "row 25"},
    "/v1/customers/{id}/our-representatives": {"page": "row 16", "page_size": "row 16"},
}
ENVELOPES = {
    "/v1/customers",
    "/v1/properties",
    "/v1/jobs",
    "/v1/customers/{id}/our-representatives",
    "/v1/employees",
    "/v1/invoices",
    "/v1/quotes",
    "/v1/job-types",
}

ADDRESS = {
    "id",
    "addressType",
    "addressLine1",
    "addressLine2",
    "city",
    "state",
    "zipcode",
    "country",
    "latitude",
    "longitude",
    "status",
    "isActive",
}
AUDIT = {
    "audit",
    "audit.createdDateTime",
    "audit.lastUpdatedDateTime",
    "audit.deletedDateTime",
    "audit.createdBy",
    "audit.createdBy.username",
    "audit.lastUpdatedBy",
    "audit.lastUpdatedBy.username",
    "audit.deletedBy",
    "audit.deletedBy.username",
    "audit.createdDate",
    "audit.lastUpdatedDate",
    "audit.deletedDate",
}
FIELDS = {
    "customers": (
        WK + "; " + GL,
        set(
            """id name customerNumber accountNumber customerType status isActive
        prospectiveStatus email phonePrimary phoneAlternate receiveSMS websiteUrl logoUrl creditLimit amountNotToExceed
        isTaxable taxRateId taxRateValue taxCodeId taxExemptIdValue paymentTermId invoicePresetId invoiceDeliveryPref
        priceBookId sameAddress tenantId tenantCompanyId version accountingAttributes
        accountingAttributes.accountingRefId accountingAttributes.accountingVersion accountingAttributes.syncStatus
        addresses addresses.items addresses.totalCount""".split()
        )
        | AUDIT
        | {f"addresses.items[].{a}" for a in ADDRESS | {"customerId"}},
    ),
    "properties": (
        GL + " get_all_properties.ts, property_addresses.csv",
        set(
            """id companyName accountNumber
        customerPropertyTypeValue status email phonePrimary phoneAlternate customerId billingCustomerId priceBookId
        isTaxable taxRateValue taxRateName taxRateId amountNotToExceed receiveSMS sameAddress version tenantId
        tenantCompanyId addresses""".split()
        )
        | AUDIT
        | {f"addresses[].{a}" for a in ADDRESS},
    ),
    "customer_representatives": (
        GL + " buildops-cron",
        set(
            """id firstName lastName email cellPhone landlinePhone
        isActive isDoNotCall isEmailOptOut isSmsOptOut propertyId companyId version""".split()
        )
        | AUDIT,
    ),
    "jobs": (
        GL + " types.ts, get_invoice_by_id.ts; " + WK,
        set(
            """id jobNumber status jobTypeId jobTypeName
        jobTypeInternal priority customerId customerName customerPropertyId customerPropertyName customerRepName
        billingStatus billingType invoiceStatus reviewStatus amountQuoted costAmount issueDescription dueDate
        completedDate serviceAgreementId priceBookId isUseTaxable isFlagged departments departments[].id
        departments[].name closeoutReport version tenantId soldById accountManagerId ownerId billingCustomerId
        billingCustomerName visits visits[].visitNumber visits[].scheduledFor visits[].status notes""".split()
        )
        | AUDIT,
    ),
    "invoices": (
        GL + " get_invoice_by_id.ts, fetch_and_build.py",
        set(
            """id invoiceNumber status isActive
        isFinalInvoice jobId jobNumber projectId projectName serviceAgreementId serviceAgreementNumber
        serviceAgreementName customerId billingCustomerId customerName customerPropertyId departmentId paymentTermName
        issuedDate dueDate postingDate closedDate subtotal discount taxableSubtotal salesTaxRate taxAmount totalAmount
        amountNotToExceed customerProvidedPONumber customerProvidedWONumber authorizedBy note summary termsOfService
        invoicePdfUrl tenantCompanyName tenantCompanyLogoUrl addresses addresses[].billTo invoiceItems
        invoiceItems[].name invoiceItems[].description invoiceItems[].quantity invoiceItems[].unitPrice
        invoiceItems[].amount invoiceItems[].taxable invoiceItems[].sortOrder invoiceItems[].date
        invoiceItems[].lineItemType payments payments[].paymentNumber payments[].paymentStatus payments[].paymentAmount
        payments[].appliedAmount payments[].paymentDate""".split()
        )
        | {f"addresses[].{a}" for a in ADDRESS},
    ),
    "quotes": (PY, set("id quoteNumber propertyId customerId billingCustomerId".split())),
    "employees": (WK + " entities/employees.py", set("id name firstName lastName email isActive".split())),
    "departments": (GL + " get_department_id.ts", set("id tagName isActive".split())),
    "job_types": (GL + " get_job_types.ts", set("id tagName tagType".split())),
    "projects": (GL + " fetch_and_build.py", set("id name address1 addressCity addressState addressPostal".split())),
    "customer_contacts": (GL + " get_representatives.ts", {"id"}),
}
FIELD_NOTES = {
    "invoices.audit.lastUpdatedDateTime": "row 68: not read by any client; the list filter on"
    " lastUpdatedDateTime implies it is tracked",
    "invoices.payments[].id": "row 63: never printed or read by any client",
    "invoices.invoiceItems[].id": "row 60",
    "departments.accountingAttributes.accountingEntity": "row 80: twin invention",
    "customers.billingCustomerId": "row 38",
    "customer_representatives.customerId": "row 48",
    "payments.lineItems": "the API models payment line items (" + PF + "); their field names are not public",
    "jobs.notes[].note": "note fields not public",
    "projects.scheduleOfValues": "H: schedule of values and retainage are set on the project;"
    " API field names not public",
    "projects.retainagePercent": "H: retainage is set on the project; API field name not public",
    "invoices.retainageAmount": "H: integrators say invoices carry retainage; API field name not public"
    " (source-buildops setting invoice_retainage_field)",
    "jobs.visits[].id": "row 53: visitNumber, scheduledFor, status seen",
}
PUBLIC_RESOURCES = set(FIELDS) | {"payments"}
NOT_PUBLIC = {
    "visits",
    "pricebook_items",
    "vendors",
    "purchase_orders",
    "timesheets",
    "service_agreements",
    "property_representatives",
}
EXTRA = [  # names the project no longer uses (contradicted) or does not serve yet, kept so the record is whole
    (
        "/v1/departments [bare array]",
        "envelope",
        "contradicted",
        GL + " get_department_id.ts",
        "row 24: paged {departments}",
    ),
    (
        "/v1/job-types {data}",
        "envelope",
        "contradicted",
        GL + " get_job_types.ts",
        "row 25: {data} only in an LLM-written doc",
    ),
    ("payments.appliedInvoices", "field", "contradicted", PF, "row 73: the API models payment line items"),
    ("/v1/auth/token 201", "envelope", "contradicted", BH, "row 5: the token call answers 200"),
]


def verdict(name, kind):
    if kind == "path":
        if name in CONFIRMED_PATHS:
            src, note = CONFIRMED_PATHS[name]
            return "confirmed", src, note
        return "unverified", "", PATH_NOTES.get(name, "path not in public evidence")
    if kind == "param":
        path, param = name.split("?")
        seen = PAGED_PARAMS_CONFIRMED.get(path, {})
        if param in seen:
            sources = {
                "/v1/invoices": GL + " get_invoices_list.ts",
                "/v1/job-types": GL + " get_job_types.ts",
                "/v1/departments": GL + " get_department_id.ts",
                "/v1/quotes": PY,
                "/v1/employees": WK + " entities/employees.py",
                "/v1/customers": GL + " buildops-cron; " + WK,
                "/v1/properties": GL + " get_all_properties.ts",
                "/v1/customers/{id}/our-representatives": GL + " buildops-cron",
            }
            source = sources.get(path, GL)
            if path == "/v1/jobs":
                source = {"limit": NF, "job_number": GL + " get_jobs_list.ts"}.get(param, GL + " buildops-cron")
            return "confirmed", source, seen[param]
        return "unverified", "", "parameter not seen in public clients"
    if kind == "envelope":
        path = name.split(" ")[0]
        if path in ENVELOPES or path == "/v1/departments":
            return "confirmed", GL, "row 20" if path in ENVELOPES else "row 24"
        return "unverified", "", "envelope not recorded in public evidence"
    resource, field = name.split(".", 1)
    if resource in NOT_PUBLIC:
        return "unverified", "", "resource not public: fields are the twin's invention"
    src, known = FIELDS.get(resource, ("", set()))
    if field in known:
        return "confirmed", src, FIELD_NOTES.get(name, "")
    return "unverified", "", FIELD_NOTES.get(name, "not in the public field lists")


data = generate(seed=3, scale=0.03)
names = twin_names(data)
# Names the connector reads that the twin may not serve as such
names |= {
    ("/v1/customers/{id}/representatives", "path"),
    ("/v1/customers/{id}/properties", "path"),
    ("/v1/representatives/{id}", "path"),
    ("/v1/projects/{id}", "path"),
    ("/v2/bills/{id}", "path"),
    ("/v1/jobs?job_number", "param"),
    ("/v1/quotes?quote_number", "param"),
    ("invoices.projectId", "field"),
}
names |= {
    (f"customer_contacts.{f}", "field")
    for f in ("id", "audit.lastUpdatedDateTime", "audit.deletedDateTime", "audit.createdDateTime")
}
rows = []
for name, kind in sorted(names, key=lambda nk: (nk[1] != "path", nk[1] != "param", nk[1] != "envelope", nk[0])):
    v, src, note = verdict(name, kind)
    rows.append((name, kind, v, src, note))
rows += EXTRA
with open(sys.argv[1], "w", newline="", encoding="utf-8") as fh:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["name", "kind", "verdict", "source", "note"])
    w.writerows(rows)
print(collections.Counter((k, v) for _, k, v, _, _ in rows))
