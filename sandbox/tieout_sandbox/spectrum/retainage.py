"""retainage_mismatch from the BuildOps side: a posted invoice on which BuildOps withholds retainage that
Spectrum's AR invoice does not hold (it was posted with none).

Injected: one posted service invoice of 100.00 or more that no other anomaly names gets 10% retainage in
BuildOps (its RETAINAGE_FIELD); Spectrum keeps the invoice as posted, retention 0.00. Runs after AR, so nothing
Spectrum holds changes. Own random stream.
"""

from __future__ import annotations

from decimal import Decimal

from ..buildops.billing import RETAINAGE_FIELD
from . import bo
from .context import Run

PERCENT = Decimal(10)


def withhold_in_buildops_only(run: Run) -> None:
    named = {a["keys"].get("buildops_invoice_id") for a in run.anomalies}
    named |= {i for a in run.anomalies for i in a.get("buildops_invoice_ids") or []}
    invoices = {i["id"]: i for i in run.buildops.get("invoices", [])}
    pool = sorted(
        invoice_id
        for invoice_id, posted in run.posted_invoices.items()
        if invoice_id not in named and posted["total"] >= Decimal("100.00") and invoice_id in invoices
    )
    rng = run.rng("retainage/buildops_side")
    for invoice_id in rng.sample(pool, min(1, len(pool))):
        invoice, posted = invoices[invoice_id], run.posted_invoices[invoice_id]
        withheld = (bo.money(invoice.get("totalAmount")) * PERCENT / 100).quantize(bo.CENT)
        invoice[RETAINAGE_FIELD] = float(withheld)
        run.anomaly(
            "retainage_mismatch",
            {
                "company_code": posted["company"],
                "customer_code": posted["customer"],
                "invoice_or_transaction": posted["number"],
                "buildops_invoice_id": invoice_id,
                "buildops_invoice_number": str(invoice.get("invoiceNumber", "")),
            },
            withheld,
            reason="buildops_retainage",
            buildops_retainage=format(withheld, "f"),
            spectrum_retention="0.00",
        )
