"""Typed views of the records source-buildops emits (camelCase API fields + tenantId).

Parsing is strict about what posting needs (ids, dates, money) and tolerant about naming where the
BuildOps API has no public evidence (retainage on AR invoices, sub bill lines): the candidate names are
listed here, in one place. A record that cannot be parsed raises FieldError and is rejected, never posted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from destination_spectrum.money import FieldError, in_range, spread, to_date, to_money

_MISSING = object()

# BuildOps invoice statuses that are not a claim to post: `deleted` and `bypassed` (kept out of the accounting
# export) are live list-filter values beside draft and void.
VOID_STATUSES = frozenset({"void", "voided", "draft", "canceled", "cancelled", "deleted", "bypassed"})
BILLED_STATUSES = frozenset({"fulfilled", "received", "closed", "billed", "invoiced", "posted", "exported", ""})


def pick(record: Mapping[str, Any], *names: str, default: Any = None) -> Any:
    """The first of several candidate field names present (dotted names reach into nested objects).

    A name is also found lower-cased: PyAirbyte hands records back from its cache with normalised column names
    (`invoicenumber`, `tenantid`), and a host that does so must not turn every invoice into a rejection."""
    for name in names:
        value: Any = record
        for part in name.split("."):
            if not isinstance(value, Mapping):
                value = _MISSING
                break
            found = value.get(part, _MISSING)
            value = value.get(part.lower(), _MISSING) if found is _MISSING else found
            if value is _MISSING:
                break
        if value is not _MISSING and value is not None and value != "":
            return value
    return default


def require(record: Mapping[str, Any], *names: str) -> Any:
    value = pick(record, *names)
    if value is None:
        also = f" (nor {', '.join(repr(n) for n in names[1:])})" if len(names) > 1 else ""
        # BuildOps always sends these; a record without one was cut down on the way (a connection whose field
        # selection drops it, a mapper/transform in between), so that is where the fix is.
        raise FieldError(
            names[0],
            f"is missing{also}; the record cannot be posted without it: make sure the "
            f"connection sends the field (it may be deselected in the stream's schema)",
        )
    return value


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""


@dataclass(frozen=True)
class Line:
    """One invoice line or sub bill line."""

    line_no: int
    description: str
    amount: Decimal
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    line_item_type: str = ""
    product_code: str = ""
    taxable: bool = False
    # Sub bill lines may carry an explicit Spectrum distribution chosen in BuildOps.
    phase_code: str = ""
    cost_type: str = ""


@dataclass(frozen=True)
class Invoice:
    source_stream: str
    source_key: str
    tenant_id: str
    invoice_number: str
    job_id: str
    job_number: str
    customer_id: str
    billing_customer_id: str
    invoice_date: dt.date
    due_date: dt.date | None
    customer_po: str
    total: Decimal
    tax_amount: Decimal
    retention_percent: Decimal
    retention_amount: Decimal
    lines: tuple[Line, ...]
    department: str = ""
    customer_name: str = ""
    stated_total: Decimal | None = None  # the header's totalAmount, when it has one
    discount: Decimal = Decimal("0.00")  # the header's discount, when it has one

    def total_problem(self) -> str:
        """Why the header total cannot be trusted (it differs from its lines plus tax), or ''."""
        lines = sum((line.amount for line in self.lines), Decimal("0.00"))
        expected = lines + self.tax_amount
        if self.stated_total is None or self.stated_total in (expected, expected - abs(self.discount)):
            return ""
        return (
            f"total: invoice {self.invoice_number} states totalAmount {self.stated_total} but its lines sum to "
            f"{lines} plus taxAmount {self.tax_amount} = {expected}; correct the invoice in BuildOps (a line edited "
            f"without the total, or the other way round), then sync again"
        )


@dataclass(frozen=True)
class Job:
    job_id: str
    job_number: str
    job_type: str
    customer_id: str
    status: str = ""
    tenant_id: str = ""
    # What job_crosswalk.csv pattern rows match on: the job's (first) department and the year it was created.
    department: str = ""
    created_year: int | None = None


@dataclass(frozen=True)
class SubBill:
    source_stream: str
    source_key: str
    tenant_id: str
    bill_number: str
    vendor_id: str
    vendor_code: str
    job_id: str
    job_number: str
    bill_date: dt.date
    due_date: dt.date | None
    amount: Decimal
    tax_amount: Decimal
    retention_amount: Decimal
    lines: tuple[Line, ...] = field(default_factory=tuple)
    company_code: str = ""
    vendor_name: str = ""
    kind: str = ""  # poType: Subcontract | Materials | ...
    status: str = ""


def _number(value: Any, where: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise FieldError(where, f"is {value!r}; expected a number") from None
    if not number.is_finite():
        raise FieldError(where, f"is {value!r}; expected a finite number")
    return in_range(number, where, value).quantize(Decimal("0.0001"))


def parse_line(raw: Mapping[str, Any], index: int, where: str) -> Line:
    if not isinstance(raw, Mapping):
        raise FieldError(f"{where}[{index}]", f"is {type(raw).__name__}; expected an object")
    amount = to_money(pick(raw, "amount", "totalAmount", "totalCost", "extendedAmount"), f"{where}[{index}].amount")
    quantity = pick(raw, "quantity")
    unit_price = pick(raw, "unitPrice", "unitCost")
    return Line(
        line_no=index + 1,
        description=_text(pick(raw, "description", "name", default="")),
        amount=amount,
        quantity=_number(quantity, f"{where}[{index}].quantity"),
        unit_price=to_money(unit_price, f"{where}[{index}].unitPrice", required=False),
        line_item_type=_text(pick(raw, "lineItemType", "lineType", default="")),
        product_code=_text(pick(raw, "product.code", "productCode", "code", default="")),
        taxable=bool(pick(raw, "taxable", default=False)),
        phase_code=_text(pick(raw, "phaseCode", "jcPhaseCode", "costCode", default="")),
        cost_type=_text(pick(raw, "costType", "jcCostType", "jobCostType", default="")),
    )


def parse_invoice(raw: Mapping[str, Any], stream: str, items: list[Mapping[str, Any]] | None = None) -> Invoice:
    """An invoice in detail form (invoiceItems embedded) or a header plus its invoice_items records."""
    source_key = _text(require(raw, "id"))
    embedded = pick(raw, "invoiceItems")
    raw_items = embedded if embedded is not None else (items or [])
    if not isinstance(raw_items, list):
        raise FieldError("invoiceItems", f"is {type(raw_items).__name__}; expected a list of lines")
    lines = tuple(parse_line(item, i, "invoiceItems") for i, item in enumerate(raw_items))
    if not lines:
        raise FieldError("invoiceItems", "is empty; an invoice needs at least one line to post")
    stated_total = total = to_money(pick(raw, "totalAmount", "total"), "totalAmount", required=False)
    if total is None:
        total = in_range(sum((line.amount for line in lines), Decimal("0.00")), "invoiceItems (sum of amounts)")
    tax = to_money(pick(raw, "taxAmount", "salesTaxAmount"), "taxAmount", required=False) or Decimal("0.00")
    retention_amount = to_money(
        pick(raw, "retainageAmount", "retentionAmount", "totalRetainageAmount"), "retainageAmount", required=False
    ) or Decimal("0.00")
    percent_raw = pick(raw, "retainagePercent", "retentionPercent", "defaultRetainagePercent")
    retention_percent = _number(percent_raw, "retainagePercent")
    if retention_percent is not None:
        retention_percent = retention_percent.quantize(Decimal("0.01"))
    if retention_percent is None:
        base = total - tax
        retention_percent = (retention_amount * 100 / base).quantize(Decimal("0.01")) if base else Decimal("0.00")
    due = pick(raw, "dueDate")
    return Invoice(
        source_stream=stream,
        source_key=source_key,
        tenant_id=_text(pick(raw, "tenantId", default="")),
        invoice_number=_text(require(raw, "invoiceNumber", "number")),
        job_id=_text(pick(raw, "jobId", default="")),
        job_number=_text(pick(raw, "jobNumber", default="")),
        customer_id=_text(pick(raw, "customerId", default="")),
        billing_customer_id=_text(pick(raw, "billingCustomerId", default="")),
        invoice_date=to_date(pick(raw, "issuedDate", "invoiceDate", "postingDate", "createdDate"), "issuedDate"),
        due_date=to_date(due, "dueDate") if due is not None else None,
        customer_po=_text(pick(raw, "customerProvidedPONumber", default="")),
        total=total,
        tax_amount=tax,
        retention_percent=retention_percent,
        retention_amount=retention_amount,
        lines=lines,
        department=_text(pick(raw, "departmentName", "department.name", "departmentId", default="")),
        customer_name=_text(pick(raw, "billingCustomerName", "customerName", default="")),
        stated_total=stated_total,
        discount=to_money(pick(raw, "discount", "discountAmount"), "discount", required=False) or Decimal("0.00"),
    )


def parse_job(raw: Mapping[str, Any]) -> Job:
    departments = pick(raw, "departments")
    first = departments[0] if isinstance(departments, list) and departments else {}
    department = pick(first, "name") if isinstance(first, Mapping) else None
    created = pick(raw, "audit.createdDateTime", "audit.createdDate", "createdDate")
    try:
        created_year = to_date(created, "audit.createdDateTime").year if created is not None else None
    except FieldError:
        created_year = None  # an unreadable creation date only keeps year-limited crosswalk rows from matching
    return Job(
        job_id=_text(require(raw, "id")),
        job_number=_text(pick(raw, "jobNumber", default="")),
        job_type=_text(pick(raw, "jobTypeName", "jobType.name", "jobType", default="")),
        customer_id=_text(pick(raw, "billingCustomerId", "customerId", default="")),
        status=_text(pick(raw, "status", default="")),
        tenant_id=_text(pick(raw, "tenantId", default="")),
        department=_text(department or pick(raw, "departmentName", default="")),
        created_year=created_year,
    )


def parse_sub_bill(raw: Mapping[str, Any], stream: str) -> SubBill:
    """A subcontractor bill: a purchase order/bill record with its lines (billLines / lineItems / items)."""
    source_key = _text(require(raw, "id"))
    raw_lines = pick(raw, "billLines", "lineItems", "purchaseOrderLines", "lines", "items", default=[])
    if not isinstance(raw_lines, list):
        raise FieldError("billLines", f"is {type(raw_lines).__name__}; expected a list of lines")
    lines = tuple(parse_line(item, i, "billLines") for i, item in enumerate(raw_lines))
    amount = to_money(
        pick(raw, "totalAmountPreTax", "totalCost", "totalAmount", "amount"), "totalAmount", required=not lines
    )
    if amount is None:
        amount = in_range(sum((line.amount for line in lines), Decimal("0.00")), "billLines (sum of amounts)")
    freight = to_money(pick(raw, "freight"), "freight", required=False)
    if freight:
        # Freight is capitalised into the lines it came with (pro rata), so it follows their distribution.
        amount = in_range(amount + freight, "freight (with the bill's amount)")
        shares = spread(freight, [line.amount for line in lines]) if lines else []
        lines = tuple(replace(line, amount=line.amount + share) for line, share in zip(lines, shares, strict=True))
    due = pick(raw, "dueDate")
    return SubBill(
        source_stream=stream,
        source_key=source_key,
        tenant_id=_text(pick(raw, "tenantId", default="")),
        bill_number=_text(
            require(raw, "billNumber", "vendorDocumentNumber", "poNumber", "purchaseOrderNumber", "number")
        ),
        vendor_id=_text(pick(raw, "vendorId", "vendor.id", default="")),
        vendor_code=_text(
            pick(raw, "spectrumVendorCode", "vendorCode", "vendor.code", "vendor.accountingRefId", default="")
        ),
        job_id=_text(pick(raw, "jobId", default="")),
        job_number=_text(pick(raw, "jobNumber", "job.jobNumber", default="")),
        bill_date=to_date(
            pick(
                raw,
                "transactionDate",
                "dateOfPurchase",
                "issuedBy",
                "postingDate",
                "dateIssued",
                "orderDate",
                "createdDate",
            ),
            "transactionDate",
        ),
        due_date=to_date(due, "dueDate") if due is not None else None,
        amount=amount,
        tax_amount=to_money(pick(raw, "tax", "taxAmount"), "tax", required=False) or Decimal("0.00"),
        retention_amount=to_money(
            pick(raw, "totalRetainageAmount", "retainageAmount"), "retainageAmount", required=False
        )
        or Decimal("0.00"),
        lines=lines,
        company_code=_text(pick(raw, "companyCode", "spectrumCompanyCode", default="")),
        vendor_name=_text(pick(raw, "vendorName", "vendor.name", default="")),
        kind=_text(pick(raw, "poType", "billType", "type", default="")),
        status=_text(pick(raw, "status", default="")),
    )


def record_key(raw: Mapping[str, Any]) -> str:
    """The record's id, or a digest of the record when even the id is missing (it is still rejected once)."""
    key = pick(raw, "id")
    if key is not None:
        return str(key)
    return "sha256:" + hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()[:32]


def deleted_or_void(raw: Mapping[str, Any]) -> str:
    if pick(raw, "audit.deletedDateTime", "audit.deletedDate"):
        return "deleted in BuildOps"
    status = str(pick(raw, "status", default="")).strip().lower()
    return f"status '{pick(raw, 'status')}' in BuildOps" if status in VOID_STATUSES else ""
