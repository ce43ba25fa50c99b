"""What the posting engine needs from Spectrum, as one small interface.

`SpectrumGateway` (spectrum_gateway.py) implements it with spectrum_client: ODBC reads of what Spectrum holds and the
typed Put calls. Tests substitute an in-memory twin. Keeping the engine behind this seam is what lets the
exactly-once logic be tested against a Spectrum that fails at the worst moment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from destination_spectrum.policy import VendorCompliance


@dataclass(frozen=True)
class SpectrumJob:
    company_code: str
    job_number: str
    status_code: str = "A"
    customer_code: str = ""
    job_type: str = ""
    # Spectrum's own evidence that the job is billed by AIA draws (billing items / progress contract).
    progress_billed: bool = False


@dataclass(frozen=True)
class ARLine:
    description: str
    amount: Decimal  # Line_Extension: gross, retention included
    retention_amount: Decimal
    phase_code: str
    cost_type: str
    sales_tax_amount: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class ARDocument:
    company_code: str
    customer_code: str
    job_number: str
    number: str  # Invoice_Or_Transaction
    invoice_date: dt.date
    retention_percent: Decimal
    lines: tuple[ARLine, ...]
    customer_po: str = ""
    remarks: str = ""
    # I: invoice; C: credit memo, whose lines carry negative amounts (the twin's rule: a negative Line_Extension
    # only on a C; the real sign convention of AddARInvoice credit memos is unverified).
    transaction_type: str = "I"

    @property
    def amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    @property
    def retention_amount(self) -> Decimal:
        return sum((line.retention_amount for line in self.lines), Decimal("0.00"))


@dataclass(frozen=True)
class APLine:
    job_number: str
    phase_code: str
    cost_type: str
    amount: Decimal
    description: str = ""


@dataclass(frozen=True)
class APDocument:
    company_code: str
    vendor_code: str
    number: str  # Invoice_Number
    invoice_date: dt.date
    due_date: dt.date | None
    amount: Decimal  # pre-tax, retention included
    tax_amount: Decimal
    retention_amount: Decimal
    status: str  # H or O
    lines: tuple[APLine, ...]
    remarks: str = ""
    contract_number: str = ""


@dataclass(frozen=True)
class ExistingDocument:
    """A document Spectrum already holds (entry batch or history) under a number we want to use."""

    number: str
    customer_or_vendor: str
    job_number: str = ""
    amount: Decimal | None = None
    batch_code: str = ""


@dataclass(frozen=True)
class PostResult:
    ok: bool
    batch_code: str = ""
    message: str = ""  # Spectrum's Error_Description (and column) when not ok
    # The request may have reached Spectrum but no answer came back: look before posting again.
    outcome_unknown: bool = False
    calls: int = 1


class Gateway(Protocol):
    def job(self, company_code: str, job_number: str) -> SpectrumJob | None: ...

    def phase_grid(self, company_code: str, job_number: str) -> set[tuple[str, str]]: ...

    def vendor_compliance(
        self, company_code: str, vendor_code: str, on: dt.date, subcontract: str = ""
    ) -> VendorCompliance: ...

    def ar_documents(self, company_code: str, numbers: list[str]) -> dict[str, ExistingDocument]: ...

    def ap_documents(self, company_code: str, vendor_code: str, numbers: list[str]) -> dict[str, ExistingDocument]: ...

    def post_ar(self, document: ARDocument) -> PostResult: ...

    def post_ap(self, document: APDocument) -> PostResult: ...

    # Lookups the engine falls back on when the crosswalks are silent; a gateway without the data answers
    # "" or None ("not found"), and the record is held with the reason it would have had without them.
    def customer_code_by_name(self, company_code: str, name: str) -> str:
        """The one customer whose normalised name equals `name`, else ""."""
        ...

    def vendor_code_by_name(self, company_code: str, name: str) -> str:
        """The one vendor named `name`, else ""."""
        ...

    def subcontract_default(self, company_code: str, vendor_code: str, number: str) -> tuple[str, str] | None:
        """The subcontract's default (phase, cost type) when Spectrum names both, else None."""
        ...

    def close(self) -> None: ...
