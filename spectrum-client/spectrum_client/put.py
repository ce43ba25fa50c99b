"""Put services (write): one `PutResult` per submitted record, carrying Spectrum's Error_* triple.

Values are formatted by Spectrum's data-format rules: dates `MM/DD/CCYY`, numbers plain with a leading minus,
booleans `Y`/`N`, blanks empty. A Put that may have reached Spectrum without an answer raises
`PostingOutcomeUnknown` and is never retried here (see http.py): exactly-once is the caller's ledger's job.

A record counts as posted only when Spectrum's own result rows for it say so. Anything else that answers a
Put (an empty 2xx such as `{}`, a redirect, a proxy's HTML login page, a body cut short, rows that name other
documents) raises `PostingUnconfirmed`: the caller must ask Spectrum whether the document landed. A record
whose rows carry an error anywhere (a later row, a detail line) is rejected, never posted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import requests

from . import soap
from .errors import PostingUnconfirmed, SpectrumConfigError
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


def _error_code(row: Mapping[str, Any]) -> str:
    return str(_get_ci(row, "Error_Code") or "").strip()


def find_result_rows(body: Any) -> list[Mapping[str, Any]]:
    """The per-record result objects of a REST answer: the first list of objects carrying Error_Code.

    A result object may hold its own detail results (`invoiceDetails: [{Sequence, Error_Code...}]`): those
    stay inside it (see `_errors_within`), they are not the answer's rows.
    """
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
        if _get_ci(body, "Error_Code") is not None:
            return [body]
        for value in body.values():
            found = find_result_rows(value)
            if found:
                return found
    return []


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
            if not answer.rows:
                raise PostingUnconfirmed(
                    f"{service}: Data Exchange answered without a result row for the record, so it is not"
                    " confirmed; Spectrum may or may not have taken it. Check Spectrum before posting again.",
                    service=service,
                )
            # One record in, one verdict out; if Spectrum sends several rows any error wins.
            results.append(_verdict(index, answer.rows))
        return results

    # Each record's fields are the service's parameters (services.py lists them in Spectrum's order).
    def add_ar_invoice(self, lines: Sequence[Mapping[str, object]]) -> list[PutResult]:
        """AddARInvoice: one detail line per record (Line_Extension gross incl. retention)."""
        return self.put("AddARInvoice", lines)

    def add_ap_invoice(self, invoices: Sequence[Mapping[str, object]]) -> list[PutResult]:
        """AddAPInvoice: one distribution per record; Status H (hold) or O (open)."""
        return self.put("AddAPInvoice", invoices)

    def add_jc_trans(self, transactions: Sequence[Mapping[str, object]]) -> list[PutResult]:
        """AddJCTrans: lands in JC Transaction Entry (unposted)."""
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
        if response.status_code >= 400:
            parsed = self._read_json(path, response)  # type: ignore[attr-defined]  # raises, or has error rows
        else:
            try:
                parsed = response.json()
            except ValueError:
                raise unconfirmed(path, response, label=f"REST {path}", what="a body that is not JSON") from None
        rows = find_result_rows(parsed)
        if not rows:
            raise unconfirmed(path, response, label=f"REST {path}", what="no result rows")
        per_item = _rows_per_item(items, rows)
        missing = [_ident(item) or f"#{i + 1}" for i, item in enumerate(items) if not per_item[i]]
        if missing:
            raise unconfirmed(path, response, label=f"REST {path}", what=f"no result row for {', '.join(missing)}")
        return [_verdict(i, own) for i, own in enumerate(per_item)]

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


def _ident(row: Mapping[str, Any]) -> str | None:
    """The document number a submitted item or a result row names, if any."""
    for name in _ID_FIELDS:
        value = str(_get_ci(row, name) or "").strip()
        if value:
            return value
    return None


def _rows_per_item(
    items: Sequence[Mapping[str, object]], rows: Sequence[Mapping[str, Any]]
) -> list[list[Mapping[str, Any]]]:
    """Each item's own result rows: by document number when rows carry one, else by position.

    Rows that name no document belong to the only item of a one-item call, or pair with items one to one when
    there are as many rows as items; otherwise they cannot be attributed and confirm nothing.
    """
    idents = [_ident(item) for item in items]
    if len(items) == 1:
        return [[r for r in rows if _ident(r) in (None, idents[0])]]
    if not any(_ident(r) for r in rows):
        return [[row] for row in rows] if len(rows) == len(items) else [[] for _ in items]
    return [[r for r in rows if ident is not None and _ident(r) == ident] for ident in idents]


def _errors_within(row: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The row itself if it carries an error, then every nested result (detail lines) that does."""
    found = [row] if _error_code(row) else []
    for value in row.values():
        if isinstance(value, list):
            for nested in value:
                if isinstance(nested, Mapping):
                    found.extend(_errors_within(nested))
    return found


def _verdict(index: int, rows: Sequence[Mapping[str, Any]]) -> PutResult:
    """Posted only when none of the record's rows (nor their detail results) carries an error code."""
    failing = [error for row in rows for error in _errors_within(row)]
    return result_from_row(index, failing[0] if failing else rows[0])


def describe_answer(response: requests.Response) -> str:
    """`HTTP 200 (text/html, 1234 bytes)`: what came back, never the body itself (it may echo a secret)."""
    kind = (response.headers.get("Content-Type") or "no content type").split(";")[0].strip()
    return f"HTTP {response.status_code} ({kind}, {len(response.content)} bytes)"


def unconfirmed(service: str, response: requests.Response, what: str, *, label: str = "") -> PostingUnconfirmed:
    """A Put answered by something other than Spectrum's result rows: say what came back, and what to do."""
    return PostingUnconfirmed(
        f"{label or service}: Data Exchange answered {describe_answer(response)} with {what}, not Spectrum's"
        " result rows for the document, so it is not confirmed (a proxy, a login page or a cut connection"
        " answers like this); Spectrum may or may not have taken it. Check Spectrum before posting again.",
        service=service,
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or (isinstance(value, (int, str)) and not isinstance(value, bool)):
        return value
    return format_value(value)
