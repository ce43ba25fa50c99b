"""Build Spectrum documents from gated, mapped BuildOps records (pure functions, no I/O)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from destination_spectrum.changes import document_json, fingerprint
from destination_spectrum.gateway import ARDocument, ARLine
from destination_spectrum.ledger import Outcome, PostedLine
from destination_spectrum.mapping import Distribution
from destination_spectrum.money import CENTS, ZERO, spread
from destination_spectrum.records import Invoice, Line


@dataclass(frozen=True)
class ReadyInvoice:
    """An invoice that passed every gate: where it goes in Spectrum and how each line is distributed."""

    invoice: Invoice
    company_code: str
    customer_code: str
    job_number: str
    job_type: str
    mode: str
    mapped: tuple[tuple[Line, Distribution], ...]

    @property
    def summary_key(self) -> str:
        """company x customer x job x day: the daily summary grain."""
        return "|".join((self.company_code, self.customer_code, self.job_number, self.invoice.invoice_date.isoformat()))


def positive_lines(mapped: Sequence[tuple[Line, Distribution]]) -> list[tuple[Line, Distribution]]:
    """Spectrum AR invoice lines must be positive: a negative line (a discount) is allocated pro rata across
    the invoice's positive lines, so the document total is unchanged. The ledger keeps the original lines."""
    credits = sum((line.amount for line, _ in mapped if line.amount < 0), ZERO)
    positives = [(line, dist) for line, dist in mapped if line.amount >= 0]
    if credits == 0 or not positives:
        return list(mapped)
    shares = spread(credits, [line.amount for line, _ in positives])
    return [
        (replace(line, amount=line.amount + share), dist) for (line, dist), share in zip(positives, shares, strict=True)
    ]


def detail_document(ready: ReadyInvoice, number: str) -> ARDocument:
    invoice = ready.invoice
    ready = replace(ready, mapped=tuple(positive_lines(ready.mapped)))
    amounts = [line.amount for line, _ in ready.mapped]
    retention = spread(invoice.retention_amount, amounts)
    lines = tuple(
        ARLine(
            description=(line.description or line.product_code or line.line_item_type)[:30],
            amount=line.amount,
            retention_amount=retention[i],
            phase_code=dist.phase_code,
            cost_type=dist.cost_type,
            sales_tax_amount=invoice.tax_amount if i == 0 else ZERO,
        )
        for i, (line, dist) in enumerate(ready.mapped)
    )
    return ARDocument(
        company_code=ready.company_code,
        customer_code=ready.customer_code,
        job_number=ready.job_number,
        number=number,
        invoice_date=invoice.invoice_date,
        retention_percent=invoice.retention_percent,
        lines=lines,
        customer_po=invoice.customer_po,
        remarks=f"BuildOps invoice {invoice.invoice_number}",
    )


def summary_document(tickets: Sequence[ReadyInvoice], number: str) -> ARDocument:
    """One invoice for a company x customer x job x day: lines summed per phase x cost type."""
    first = tickets[0]
    day: dt.date = first.invoice.invoice_date
    totals: dict[tuple[str, str], list[Decimal]] = {}
    for ticket in tickets:
        mapped = positive_lines(ticket.mapped)
        amounts = [line.amount for line, _ in mapped]
        retention = spread(ticket.invoice.retention_amount, amounts)
        for (line, dist), kept in zip(mapped, retention, strict=True):
            bucket = totals.setdefault((dist.phase_code, dist.cost_type), [ZERO, ZERO])
            bucket[0] += line.amount
            bucket[1] += kept
    tax = sum((t.invoice.tax_amount for t in tickets), ZERO)
    lines = tuple(
        ARLine(
            description=f"Svc tickets {day:%m/%d} {phase} {cost_type}"[:30],
            amount=amount,
            retention_amount=kept,
            phase_code=phase,
            cost_type=cost_type,
            sales_tax_amount=tax if i == 0 else ZERO,
        )
        for i, ((phase, cost_type), (amount, kept)) in enumerate(sorted(totals.items()))
    )
    gross = sum((line.amount for line in lines), ZERO)
    kept_total = sum((line.retention_amount for line in lines), ZERO)
    percent = (kept_total * 100 / gross).quantize(CENTS) if gross else ZERO
    return ARDocument(
        company_code=first.company_code,
        customer_code=first.customer_code,
        job_number=first.job_number,
        number=number,
        invoice_date=day,
        retention_percent=percent,
        lines=lines,
        remarks=f"BuildOps daily summary {day.isoformat()}: {len(tickets)} service tickets",
    )


def ar_outcomes(
    document: ARDocument, members: list[ReadyInvoice], state: str, reason: str, batch: str
) -> tuple[list[Outcome], list[PostedLine]]:
    """The ledger rows an AR document makes for the invoices it carries (lines only when it posted)."""
    summary = len(members) > 1 or members[0].mode == "daily_summary"
    posted = state == "posted"
    outcomes = [
        Outcome(
            m.invoice.source_stream,
            m.invoice.source_key,
            m.invoice.tenant_id,
            state,
            reason,
            document.company_code,
            batch,
            document.number if posted else "",
            m.mode,
            m.summary_key if summary else "",
            m.invoice.total,
            content_fingerprint=fingerprint(m.invoice) if posted else "",
            posted_amount=m.invoice.total if posted else None,
            posted_document=document_json(document) if posted and not summary else "",
        )
        for m in members
    ]
    lines = (
        [
            PostedLine(
                m.invoice.source_stream,
                m.invoice.source_key,
                m.invoice.tenant_id,
                line.line_no,
                document.company_code,
                document.number,
                dist.phase_code,
                dist.cost_type,
                line.description[:60],
                line.amount,
            )
            for m in members
            for line, dist in m.mapped
        ]
        if state == "posted"
        else []
    )
    return outcomes, lines
