"""Invoices that change after posting: what was posted (a fingerprint of the posted content), whether the record
that arrives now still says the same, and the verdict and correction when it does not.

The fingerprint covers what reaches Spectrum (number, date, customer, job, PO, totals, every line's amount,
description, product and distribution), not what BuildOps changes on its own after posting (payments, status,
closedDate, the due date): a payment is not an edit. A posted record whose fingerprint differs, or that is now
void or deleted, gets the ledger verdict `changed_after_posting`; policy decides whether a person corrects it
(default) or the destination posts the correction (a credit memo, then the new invoice under a new number).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from decimal import Decimal

from destination_spectrum import numbering
from destination_spectrum.gateway import ARDocument, ARLine
from destination_spectrum.ledger import Known, Outcome
from destination_spectrum.records import Invoice


def fingerprint(invoice: Invoice) -> str:
    content = {
        "number": invoice.invoice_number,
        "date": invoice.invoice_date.isoformat(),
        "job": [invoice.job_id, invoice.job_number],
        "customer": [invoice.customer_id, invoice.billing_customer_id],
        "po": invoice.customer_po,
        "totals": [str(invoice.total), str(invoice.tax_amount), str(invoice.retention_amount)],
        "lines": [
            [
                str(x.amount),
                x.description,
                x.product_code,
                x.line_item_type,
                str(x.quantity),
                str(x.unit_price),
                x.phase_code,
                x.cost_type,
            ]
            for x in invoice.lines
        ],
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:32]


def document_json(document: ARDocument) -> str:
    """The document as posted, kept so a correction can reverse exactly that."""
    return json.dumps(
        {
            "company_code": document.company_code,
            "customer_code": document.customer_code,
            "job_number": document.job_number,
            "number": document.number,
            "invoice_date": document.invoice_date.isoformat(),
            "retention_percent": str(document.retention_percent),
            "customer_po": document.customer_po,
            "lines": [
                [
                    x.description,
                    str(x.amount),
                    str(x.retention_amount),
                    x.phase_code,
                    x.cost_type,
                    str(x.sales_tax_amount),
                ]
                for x in document.lines
            ],
        },
        sort_keys=True,
    )


def credit_memo(posted: str, number: str, invoice_date, remarks: str) -> ARDocument:
    """A credit memo (Transaction_Type C) reversing the posted document line for line, dated `invoice_date`."""
    import datetime as dt

    doc = json.loads(posted)
    lines = tuple(
        ARLine(description, -Decimal(amount), -Decimal(retention), phase, cost_type, -Decimal(tax))
        for description, amount, retention, phase, cost_type, tax in doc["lines"]
    )
    return ARDocument(
        company_code=doc["company_code"],
        customer_code=doc["customer_code"],
        job_number=doc["job_number"],
        number=number,
        invoice_date=invoice_date if isinstance(invoice_date, dt.date) else dt.date.fromisoformat(doc["invoice_date"]),
        retention_percent=Decimal(doc["retention_percent"]),
        lines=lines,
        customer_po=doc["customer_po"],
        remarks=remarks,
        transaction_type="C",
    )


def credit_number(prefix: str, company: str, document: str, posted_fingerprint: str) -> str:
    """Deterministic: the same reversal always has the same number, so a rerun finds it instead of re-posting."""
    return (
        prefix
        + "C"
        + numbering.base36_digest(f"{company}|{document}|{posted_fingerprint}", numbering.AR_MAX - len(prefix) - 1)
    )


def revision_number(prefix: str, tenant_id: str, source_key: str, new_fingerprint: str) -> str:
    return (
        prefix
        + "R"
        + numbering.base36_digest(f"{tenant_id}:{source_key}:{new_fingerprint}", numbering.AR_MAX - len(prefix) - 1)
    )


@dataclass(frozen=True)
class Change:
    """A posted record that no longer says what Spectrum holds."""

    known: Known
    invoice: Invoice | None  # None when the record no longer parses
    new_fingerprint: str
    void: str  # why it no longer bills ('status 'Void' in BuildOps', 'deleted in BuildOps'), else ''
    problem: str = ""  # the parse error, when it no longer parses

    @property
    def old_total(self) -> Decimal | None:
        return self.known.posted_amount if self.known.posted_amount is not None else self.known.amount

    @property
    def new_total(self) -> Decimal | None:
        if self.void:
            return Decimal("0.00")
        return self.invoice.total if self.invoice else None

    def what(self, number: str) -> str:
        if self.void:
            return f"is now {self.void.removeprefix('status ')}"
        if self.invoice is None:
            return f"no longer parses ({self.problem})"
        if self.new_total != self.old_total:
            return f"now totals {self.new_total}"
        return "has the same total but its lines, date, customer or job changed"

    def verdict(self, stream: str, tenant: str, key: str, reason: str) -> Outcome:
        """The `changed_after_posting` row: the document Spectrum holds stays named, both totals kept."""
        k = self.known
        return Outcome(
            stream,
            key,
            tenant,
            "changed_after_posting",
            reason,
            k.company_code,
            k.spectrum_batch,
            k.spectrum_document,
            k.posting_mode,
            k.summary_key,
            self.new_total,
            content_fingerprint=k.content_fingerprint,
            posted_amount=self.old_total,
            posted_document=k.posted_document,
        )

    def held_reason(self, number: str, why: str = "") -> str:
        k = self.known
        fix = why or (
            "correct it in Spectrum (a credit memo for the posted document, then the new invoice), or "
            "set changed_after_posting: correct in policy.yml to have Tieout post both"
        )
        return (
            f"changed after posting: BuildOps invoice {number} was posted to Spectrum as {k.spectrum_document} "
            f"in {k.company_code} for {self.old_total} and {self.what(number)}; held for a person, not posted "
            f"again: {fix}"
        )


def restored(known: Known, stream: str, tenant: str, key: str) -> Outcome:
    """Changed, then changed back to what Spectrum holds: posted again in the ledger, nothing sent."""
    return Outcome(
        stream,
        key,
        tenant,
        "posted",
        "changed after posting, then changed back to what Spectrum holds",
        known.company_code,
        known.spectrum_batch,
        known.spectrum_document,
        known.posting_mode,
        known.summary_key,
        known.posted_amount if known.posted_amount is not None else known.amount,
        content_fingerprint=known.content_fingerprint,
        posted_amount=known.posted_amount,
        posted_document=known.posted_document,
    )


def adopted(known: Known, stream: str, tenant: str, key: str, new_fingerprint: str) -> Outcome:
    """A row from before fingerprints whose total still matches: today's content becomes the baseline."""
    return replace(
        restored(known, stream, tenant, key),
        reason=known.reason,
        content_fingerprint=new_fingerprint,
        posted_amount=known.amount,
    )
