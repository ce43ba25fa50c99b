"""The one place the connector's unverified dependencies on the BuildOps API are listed.

No public evidence confirms these names (docs/evidence/buildops.csv marks each `unverified`, derived from
../shared/reference/buildops-api-evidence.md). Each is a setting, and each has a fallback that still syncs
when a real tenant turns out to differ. test_buildops_evidence holds this table and the evidence file to
each other: a name the connector reads that the evidence calls unverified must be listed here, and nothing
else.
"""

from __future__ import annotations

from dataclasses import dataclass

# The streams whose list path, and so every field, no public client shows (the twin's guesses).
GUESSED_PATHS = {
    "visits": "/v1/visits",
    "pricebook_items": "/v1/pricebook/products",
    "vendors": "/v1/vendors",
    "purchase_orders": "/v1/purchase-orders",
    "timesheets": "/v1/timesheets",
    "service_agreements": "/v1/service-agreements",
    "property_representatives": "/v1/properties/{id}/representatives",
}
CHANGE_TIME = ("audit.lastUpdatedDateTime", "audit.deletedDateTime", "audit.createdDateTime")


@dataclass(frozen=True)
class Assumption:
    names: tuple[str, ...]  # as in docs/evidence/buildops.csv
    used_for: str
    setting: str
    fallback: str


ASSUMPTIONS = (
    Assumption(
        ("invoices.payments[].id",),
        "the primary key (invoiceId, id) of invoice_payments",
        "invoice_payment_id_fields",
        "a payment row without `id` takes the first of invoice_payment_id_fields it has (default paymentNumber), "
        "else its position on the invoice, so the key still holds",
    ),
    Assumption(
        tuple(
            f"{stream}.{field}"
            for stream in (
                "invoices",
                "payments",
                "employees",
                "departments",
                "job_types",
                "quotes",
                "customer_contacts",
                "projects",
            )
            for field in CHANGE_TIME
        ),
        "the change time (cursor) of these streams: on invoices it also picks which details to fetch",
        "invoices_updated_since_param (invoices: the server filters by change, the header audit is then only a "
        "second check)",
        "a record with no change time counts as changed when the sync started: it is emitted, never dropped "
        "(and re-read next sync unless the server-side filter leaves it out)",
    ),
    Assumption(
        ("invoices.retainageAmount",),
        "retainage withheld on an invoice (transforms: retainage_mismatch compares it with Spectrum's retention)",
        "invoice_retainage_field (the tenant's field name; emitted as retainageAmount)",
        "an invoice without the field carries no retainage value, and the rule compares nothing for it",
    ),
    Assumption(
        ("departments.accountingAttributes.accountingEntity",),
        "the Spectrum company a department posts to (transforms: stg_buildops__departments)",
        "dbt var buildops_department_company_key (the key under accountingAttributes)",
        "the 'MEC - ...' prefix of the department's name, then of its tagName",
    ),
    Assumption(
        ("payments.id", "/v1/payments?page", "/v1/payments?page_size", "/v1/payments {items,totalCount}"),
        "the payments stream: the path is seen live, its paging, envelope and fields are not",
        "stream_paths, page_size",
        "a payment without id is skipped with a warning; invoice_payments (from the invoice detail, confirmed) "
        "carries cash applied either way",
    ),
    Assumption(
        (
            "/v1/customers/{id}/representatives?page",
            "/v1/customers/{id}/representatives?page_size",
            "/v1/customers/{id}/representatives {items,totalCount}",
        ),
        "customer_contacts: the path is seen live (customer contacts), its paging and envelope are not",
        "stream_paths, page_size",
        "read like our-representatives (page from 0, {items, totalCount}); deselect the stream if it differs",
    ),
    Assumption(
        ("customer_representatives.customerId",),
        "the parent of a customer contact",
        "none needed",
        "the customer id in the path fills it when the record lacks it",
    ),
    Assumption(
        tuple(GUESSED_PATHS.values()),
        "the streams " + ", ".join(GUESSED_PATHS) + " (no public client shows these paths or their fields)",
        "stream_paths",
        "override the path per stream; deselect the stream if the tenant has no such endpoint",
    ),
)

UNVERIFIED = frozenset(name for assumption in ASSUMPTIONS for name in assumption.names)
