"""Put services (write): one `PutResult` per submitted record, carrying Spectrum's Error_* triple.

Values are formatted by Spectrum's data-format rules: dates `MM/DD/CCYY`, numbers plain with a leading minus,
booleans `Y`/`N`, blanks empty. A Put that may have reached Spectrum without an answer raises
`PostingOutcomeUnknown` and is never retried here (see http.py): exactly-once is the caller's ledger's job.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypedDict

import requests

from . import soap
from .errors import SpectrumConfigError
from .services import REST_PUT_SERVICES


@dataclass(frozen=True)
class PutResult:
    """Spectrum's verdict on one submitted record (`index` = its position in the call's input)."""

    index: int
    ok: bool
    error_code: str = ""
    error_description: str = ""
    error_column: str = ""
    response: Mapping[str, Any] = field(default_factory=dict)


def format_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.strftime("%m/%d/%Y")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        raise SpectrumConfigError(f"money must be Decimal or str, not float ({value!r})")
    return str(value)


def _get_ci(row: Mapping[str, Any], name: str) -> Any:
    wanted = name.lower().replace("_", "")
    for k, v in row.items():
        if str(k).lower().replace("_", "") == wanted:
            return v
    return None


def result_from_row(index: int, row: Mapping[str, Any]) -> PutResult:
    code = str(_get_ci(row, "Error_Code") or "").strip()
    return PutResult(
        index=index,
        ok=code == "",
        error_code=code,
        error_description=" ".join(str(_get_ci(row, "Error_Description") or "").split()),
        error_column=str(_get_ci(row, "Error_Column") or "").strip(),
        response=dict(row),
    )


def find_result_rows(body: Any) -> list[Mapping[str, Any]]:
    """The per-record result objects of a REST answer: the first list of objects carrying Error_Code."""
    if isinstance(body, list):
        if (
            body
            and all(isinstance(x, Mapping) for x in body)
            and any(_get_ci(x, "Error_Code") is not None for x in body)
        ):
            return list(body)
        for item in body:
            found = find_result_rows(item)
            if found:
                return found
    elif isinstance(body, Mapping):
        if _get_ci(body, "Error_Code") is not None and not any(isinstance(v, list) for v in body.values()):
            return [body]
        for value in body.values():
            found = find_result_rows(value)
            if found:
                return found
    return []


class ARInvoiceLine(TypedDict, total=False):
    """AddARInvoice: one detail line per record (Line_Extension gross incl. retention)."""

    Company_Code: str
    GL_Date: dt.date
    Batch_Code: str
    Customer_Code: str
    Job_Number: str
    Invoice_Or_Transaction: str
    Transaction_Type: str
    Invoice_Date: dt.date
    Terms_Code: str
    Sales_Tax_Code: str
    Retention_Percent: Decimal
    Remarks: str
    Detail_Description: str
    Line_Extension: Decimal
    GL_Account: str
    Sales_Tax_Amount: Decimal
    Retention_Amount: Decimal


class APInvoice(TypedDict, total=False):
    """AddAPInvoice: one distribution per record; Status H (hold) or O (open)."""

    Company_Code: str
    GL_Date: dt.date
    Batch_Code: str
    Vendor_Code: str
    Contract_Number: str
    Invoice_Number: str
    Invoice_Type_Code: str
    Invoice_Date: dt.date
    Invoice_Amount: Decimal
    Retention_Amount: Decimal
    Status: str
    Remarks: str
    Job_Number: str
    Phase_Code: str
    Cost_Type: str


class JCTransaction(TypedDict, total=False):
    """AddJCTrans: lands in JC Transaction Entry (unposted)."""

    Company_Code: str
    Tran_Date: dt.date
    Batch_Code: str
    Reference_1: str
    Description: str
    Job_Number: str
    Phase_Code: str
    Cost_Type: str
    Total_Hours: Decimal
    Tran_Amount: Decimal


class PutServicesMixin:
    """Typed Put calls; mixed into `DataExchangeClient`."""

    # Provided by DataExchangeClient.
    settings: Any
    calls: int

    def put(self, service: str, records: Sequence[Mapping[str, object]]) -> list[PutResult]:
        """A SOAP Put service, one call per record (Spectrum's Put services take one record per request)."""
        sequence = self.parameter_sequence(service, kind="put")  # type: ignore[attr-defined]
        results: list[PutResult] = []
        for index, record in enumerate(records):
            values = {k: format_value(v) for k, v in record.items()}
            ordered = soap.ordered_values(service, sequence, values, kind="field")
            answer = self._soap_call(service, ordered, write=True)  # type: ignore[attr-defined]
            rows = answer.rows or [{}]
            # One record in, one verdict out; if Spectrum sends several rows the first error wins.
            failing = [r for r in rows if str(r.get("Error_Code", "")).strip()]
            results.append(result_from_row(index, failing[0] if failing else rows[0]))
        return results

    def add_ar_invoice(self, lines: Sequence[ARInvoiceLine]) -> list[PutResult]:
        return self.put("AddARInvoice", lines)

    def add_ap_invoice(self, invoices: Sequence[APInvoice]) -> list[PutResult]:
        return self.put("AddAPInvoice", invoices)

    def add_jc_trans(self, transactions: Sequence[JCTransaction]) -> list[PutResult]:
        return self.put("AddJCTrans", transactions)

    def post_rest(self, path: str, company_code: str, items: Sequence[Mapping[str, object]]) -> list[PutResult]:
        """A REST Put service: `{"<list key>": [items]}` in one request; one result per item, in order."""
        if path not in REST_PUT_SERVICES:
            raise SpectrumConfigError(f"unknown REST Put service {path}; known: {', '.join(REST_PUT_SERVICES)}")
        body = {REST_PUT_SERVICES[path]: [_jsonable(item) for item in items]}
        url = self.settings.base + path
        self.calls += 1
        response: requests.Response = self._send_write(  # type: ignore[attr-defined]
            "POST",
            url,
            path,
            json=body,
            headers=self._headers({"Accept": "application/json"}),  # type: ignore[attr-defined]
            auth=self._basic(company_code),  # type: ignore[attr-defined]
        )
        parsed = self._read_json(path, response)  # type: ignore[attr-defined]
        rows = find_result_rows(parsed)
        if not rows:
            return [PutResult(index=i, ok=True, response={}) for i in range(len(items))]
        if len(rows) == len(items):
            return [result_from_row(i, row) for i, row in enumerate(rows)]
        return _align_by_key(items, rows)

    def post_customer_invoices(self, company_code: str, invoices: Sequence[Mapping[str, object]]) -> list[PutResult]:
        """REST Multi-Line Customer Invoice: each invoice carries `invoiceDetails[]`."""
        return self.post_rest("/customer/invoice", company_code, invoices)

    def post_vendor_invoices(self, company_code: str, invoices: Sequence[Mapping[str, object]]) -> list[PutResult]:
        """REST Vendor Invoice Multi-Line: each invoice carries `APInvoiceDetails[]` (and optional `Images[]`)."""
        return self.post_rest("/vendor/invoice", company_code, invoices)

    def update_ap_invoice_hold_flag(self, company_code: str, items: Sequence[Mapping[str, object]]) -> list[PutResult]:
        """REST hold/release: items `{Company_Code, Vendor_Code, Invoice_Number, Invoice_Type_Code, Selection_Flag}`."""
        return self.post_rest("/vendorInvoice/updateAPInvoiceHoldFlag", company_code, items)


_ID_FIELDS = ("Invoice_Or_Transaction", "Invoice_Number")


def _align_by_key(items: Sequence[Mapping[str, object]], rows: Sequence[Mapping[str, Any]]) -> list[PutResult]:
    """Spectrum answered with a different number of rows than items: match them by invoice number."""
    results = []
    for index, item in enumerate(items):
        ident = next((str(_get_ci(item, f)) for f in _ID_FIELDS if _get_ci(item, f) is not None), None)
        matching = [r for r in rows if ident is not None and any(str(_get_ci(r, f) or "") == ident for f in _ID_FIELDS)]
        failing = [r for r in matching if str(_get_ci(r, "Error_Code") or "").strip()]
        if failing:
            results.append(result_from_row(index, failing[0]))
        elif matching:
            results.append(result_from_row(index, matching[0]))
        else:
            results.append(PutResult(index=index, ok=True, response={}))
    return results


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or (isinstance(value, (int, str)) and not isinstance(value, bool)):
        return value
    return format_value(value)
