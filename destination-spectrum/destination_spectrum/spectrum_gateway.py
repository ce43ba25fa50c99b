"""The Gateway over spectrum_client: ODBC reads of what Spectrum holds, typed Put calls to post.

Reads: JC_JOB_MASTER_MC (status, customer), CR_BILLING_HEADER_MC / CR_CONTRACT_MASTER_MC (is the job billed
by AIA draws?), JC_PHASE_MASTER_MC (the phase grid), VN_VENDOR_MASTER_MC + VN_DOC_TRACKING_MC (COI, W-9,
lien releases), VN_SUBCONTRACT_MC (default distribution), and the AR/AP entry and history tables by number.
Writes: REST /customer/invoice or SOAP AddARInvoice, REST /vendor/invoice or SOAP AddAPInvoice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from spectrum_client import (
    AuthorizationRejected,
    CertificateNotTrusted,
    DataExchangeClient,
    DataExchangeSettings,
    DataExchangeUnreachable,
    OdbcError,
    OdbcSettings,
    PostingOutcomeUnknown,
    RedirectRefused,
    ServiceNotAuthorized,
    SpectrumConfigError,
    SpectrumOdbc,
)
from spectrum_client.odbc import validate_identifier
from spectrum_client.values import iso_date
from tieout_core import ConfigError, TransientError

from destination_spectrum.config import DestinationSpectrumConfig
from destination_spectrum.crosswalk import normalized_name
from destination_spectrum.gateway import APDocument, ARDocument, ExistingDocument, PostResult, SpectrumJob
from destination_spectrum.policy import VendorCompliance

CHUNK = 200


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _s(value: object) -> str:
    return "" if value is None else str(value).strip()


class SpectrumGateway:
    def __init__(self, config: DestinationSpectrumConfig):
        self.config = config
        self.db = SpectrumOdbc(OdbcSettings(connection_string=config.odbc.connection_string.get_secret_value()))
        dx = config.data_exchange
        self.dx = DataExchangeClient(
            DataExchangeSettings(
                url=dx.base_url,
                authorization_id=dx.authorization_id.get_secret_value(),
                client_id=dx.client_id,
                client_secret=dx.client_secret.get_secret_value() if dx.client_secret else None,
                timeout=dx.timeout_seconds,
                allow_insecure_http=dx.allow_insecure_http,
                url_setting="data_exchange.base_url",
                ca_bundle=dx.ca_bundle,
                ca_bundle_setting="data_exchange.ca_bundle",
            )
        )
        self.ar_tables = [validate_identifier(t) for t in config.ar_document_tables]
        self.ap_tables = [validate_identifier(t) for t in config.ap_document_tables]
        self._customers: dict[str, dict[str, list[str]]] = {}
        self._table_columns: dict[str, list[str]] = {}
        self._jobs: dict[str, dict[str, SpectrumJob]] = {}

    @property
    def calls(self) -> int:
        return self.dx.calls

    def close(self) -> None:
        self.db.close()
        self.dx.close()

    def _rows(self, sql: str, params: Sequence[object]) -> list[dict]:
        try:
            connection = self.db.connect()
            # Reads only: without autocommit the driver holds a read transaction open between queries, which
            # on SQLite (the sandbox) locks out the very Data Exchange writes this destination makes.
            if not connection.autocommit:
                connection.autocommit = True
            return list(self.db.stream(sql, list(params)))
        except OdbcError as exc:
            raise TransientError(f"reading Spectrum over ODBC failed: {exc}") from None

    # -- reads -------------------------------------------------------------------------------------
    def check(self) -> None:
        """Prove the ODBC user can read what posting needs (raises with the table named)."""
        for table in (
            "JC_JOB_MASTER_MC",
            "JC_PHASE_MASTER_MC",
            "VN_VENDOR_MASTER_MC",
            *self.ar_tables,
            *self.ap_tables,
        ):
            self.db.check_table(table)

    def job(self, company_code: str, job_number: str) -> SpectrumJob | None:
        return self._job_index(company_code).get(job_number.strip())

    def _job_index(self, company_code: str) -> dict[str, SpectrumJob]:
        """Every job of a company, read once per run (one scan beats a query per invoice)."""
        if company_code not in self._jobs:
            draws = {
                _s(r["job_number"])
                for r in self._rows(
                    "SELECT DISTINCT Job_Number FROM CR_BILLING_HEADER_MC WHERE Company_Code = ?", [company_code]
                )
            }
            contracts = {
                _s(r["job_number"])
                for r in self._rows(
                    "SELECT Job_Number FROM CR_CONTRACT_MASTER_MC WHERE Company_Code = ? AND Billing_Type = ?",
                    [company_code, "P"],
                )
            }
            self._jobs[company_code] = {
                _s(r["job_number"]): SpectrumJob(
                    company_code,
                    _s(r["job_number"]),
                    _s(r["status_code"]) or "A",
                    _s(r["customer_code"]),
                    _s(r["job_type"]),
                    _s(r["job_number"]) in draws or _s(r["job_number"]) in contracts,
                )
                for r in self._rows(
                    "SELECT Job_Number, Status_Code, Customer_Code, Job_Type FROM JC_JOB_MASTER_MC"
                    " WHERE Company_Code = ?",
                    [company_code],
                )
            }
        return self._jobs[company_code]

    def phase_grid(self, company_code: str, job_number: str) -> set[tuple[str, str]]:
        rows = self._rows(
            "SELECT Phase_Code, Cost_Type FROM JC_PHASE_MASTER_MC"
            " WHERE Company_Code = ? AND LTRIM(RTRIM(Job_Number)) = ?",
            [company_code, job_number],
        )
        return {(_s(r["phase_code"]), _s(r["cost_type"])) for r in rows}

    def subcontract_default(self, company_code: str, vendor_code: str, number: str) -> tuple[str, str] | None:
        rows = self._rows(
            "SELECT Default_Phase_Code, Default_Cost_Type FROM VN_SUBCONTRACT_MC WHERE Company_Code = ?"
            " AND LTRIM(RTRIM(Vendor_Code)) = ? AND LTRIM(RTRIM(Subcontract_Number)) = ?",
            [company_code, vendor_code, number],
        )
        if rows and _s(rows[0]["default_phase_code"]) and _s(rows[0]["default_cost_type"]):
            return _s(rows[0]["default_phase_code"]), _s(rows[0]["default_cost_type"])
        return None

    def customer_code_by_name(self, company_code: str, name: str) -> str:
        """The Spectrum customer whose normalised name equals this one, when exactly one does."""
        if company_code not in self._customers:
            index: dict[str, list[str]] = {}
            for r in self._rows(
                "SELECT Customer_Code, Name FROM CR_CUSTOMER_MASTER_MC WHERE Company_Code = ?", [company_code]
            ):
                index.setdefault(normalized_name(_s(r["name"])), []).append(_s(r["customer_code"]))
            self._customers[company_code] = index
        codes = self._customers[company_code].get(normalized_name(name), [])
        return codes[0] if len(codes) == 1 else ""

    def vendor_code_by_name(self, company_code: str, name: str) -> str:
        rows = self._rows(
            "SELECT Vendor_Code FROM VN_VENDOR_MASTER_MC"
            " WHERE Company_Code = ? AND UPPER(LTRIM(RTRIM(Vendor_Name))) = ?",
            [company_code, name.strip().upper()[:30]],
        )
        return _s(rows[0]["vendor_code"]) if len(rows) == 1 else ""

    def vendor_compliance(
        self, company_code: str, vendor_code: str, on: dt.date, subcontract: str = ""
    ) -> VendorCompliance:
        vendors = self._rows(
            "SELECT Insurance_Cert_Flag, Insurance_Exp_Date, Fed_Id_Number, Social_Sec_Number FROM VN_VENDOR_MASTER_MC"
            " WHERE Company_Code = ? AND LTRIM(RTRIM(Vendor_Code)) = ?",
            [company_code, vendor_code],
        )
        if not vendors:
            return VendorCompliance(vendor_code, found=False)
        vendor = vendors[0]
        tracking = self._rows(
            "SELECT Tracking_Item_Code, Subcontract_Number, Expiration_Date, Status FROM VN_DOC_TRACKING_MC"
            " WHERE Company_Code = ? AND LTRIM(RTRIM(Vendor_Code)) = ?",
            [company_code, vendor_code],
        )
        codes = {c.upper() for c in self.config.lien_waiver_tracking_codes}
        coi_dates = [
            iso_date(r["expiration_date"])
            for r in tracking
            if _s(r["tracking_item_code"]).upper() in ("INS_EXPIRE", "COI", "INS")
        ]
        coi_dates = [d for d in coi_dates if d] or [iso_date(vendor["insurance_exp_date"])]
        expiry = max((dt.date.fromisoformat(d) for d in coi_dates if d), default=None)
        tax_id = _s(vendor["fed_id_number"]) or _s(vendor["social_sec_number"])
        has_w9_row = any(_s(r["tracking_item_code"]).upper() in ("W9", "W-9") for r in tracking)
        tracks_w9 = any(_s(r["tracking_item_code"]) for r in tracking)
        # A lien release is tracked per subcontract (Subcontract_Number = the PO/subcontract number).
        lien = any(
            _s(r["tracking_item_code"]).upper() in codes and _s(r["subcontract_number"]) == subcontract
            for r in tracking
        )
        return VendorCompliance(
            vendor_code,
            coi_expiration=expiry,
            coi_on_file=_s(vendor["insurance_cert_flag"]).upper() != "N" or expiry is not None,
            lien_waiver_on_file=lien,
            tax_id_on_file=bool(tax_id) and (has_w9_row or not tracks_w9),
        )

    def ar_documents(self, company_code: str, numbers: list[str]) -> dict[str, ExistingDocument]:
        found: dict[str, ExistingDocument] = {}
        for table in self.ar_tables:
            for chunk in _chunks(sorted(set(numbers))):
                marks = ", ".join("?" for _ in chunk)
                for r in self._rows(
                    f"SELECT LTRIM(RTRIM(Invoice_Or_Transaction)) AS number, Customer_Code, Job_Number, Batch_Code"
                    f" FROM {table} WHERE Company_Code = ? AND LTRIM(RTRIM(Invoice_Or_Transaction)) IN ({marks})",
                    [company_code, *chunk],
                ):
                    found.setdefault(
                        _s(r["number"]),
                        ExistingDocument(
                            _s(r["number"]), _s(r["customer_code"]), _s(r["job_number"]), None, _s(r["batch_code"])
                        ),
                    )
        return found

    def ap_documents(self, company_code: str, vendor_code: str, numbers: list[str]) -> dict[str, ExistingDocument]:
        found: dict[str, ExistingDocument] = {}
        for table in self.ap_tables:
            columns = {c.lower() for c in self._columns(table)}
            # Earlier integrations key the vendor's own invoice number and keep the PO/subcontract beside it
            # (the AP header's subcontract column is Contract_Number).
            keys = [
                c
                for c in ("Invoice_Number", "Contract_Number", "Subcontract_Number", "PO_Number")
                if c.lower() in columns
            ]
            for key in keys:
                for chunk in _chunks(sorted(set(numbers))):
                    marks = ", ".join("?" for _ in chunk)
                    for r in self._rows(
                        f"SELECT LTRIM(RTRIM({key})) AS number, Invoice_Number, Batch_Code FROM {table}"
                        f" WHERE Company_Code = ? AND LTRIM(RTRIM(Vendor_Code)) = ?"
                        f" AND LTRIM(RTRIM({key})) IN ({marks})",
                        [company_code, vendor_code, *chunk],
                    ):
                        found.setdefault(
                            _s(r["number"]),
                            ExistingDocument(_s(r["invoice_number"]), vendor_code, "", None, _s(r["batch_code"])),
                        )
        return found

    def _columns(self, table: str) -> list[str]:
        if table not in self._table_columns:
            self._rows(f"SELECT 1 AS ok FROM {table} WHERE 1 = 0", [])
            cursor = self.db.connect().cursor()
            try:
                cursor.execute(f"SELECT * FROM {table} WHERE 1 = 0")
                self._table_columns[table] = [d[0] for d in cursor.description]
            finally:
                cursor.close()
        return self._table_columns[table]

    # -- writes ------------------------------------------------------------------------------------
    def _put(self, call, label: str) -> PostResult:
        before = self.dx.calls
        try:
            results = call()
        except PostingOutcomeUnknown as exc:
            return PostResult(False, outcome_unknown=True, message=str(exc), calls=self.dx.calls - before)
        except (CertificateNotTrusted, RedirectRefused) as exc:
            raise ConfigError(f"{label} was not sent: {exc}") from None  # the connection itself is the problem
        except (AuthorizationRejected, ServiceNotAuthorized, SpectrumConfigError) as exc:
            raise ConfigError(f"Spectrum refused {label}: {exc}") from None
        except DataExchangeUnreachable as exc:
            raise TransientError(f"Spectrum Data Exchange unreachable while posting {label}: {exc}") from None
        failing = [r for r in results if not r.ok]
        calls = self.dx.calls - before
        if failing:
            first = failing[0]
            column = f" ({first.error_column})" if first.error_column else ""
            return PostResult(False, message=f"{first.error_description or first.error_code}{column}", calls=calls)
        batch = next((_s(r.response.get("Batch_Code")) for r in results if _s(r.response.get("Batch_Code"))), "")
        return PostResult(True, batch_code=batch or self.config.batch_code, calls=calls)

    def post_ar(self, document: ARDocument) -> PostResult:
        header = {
            "Company_Code": document.company_code,
            "GL_Date": document.invoice_date,
            "Batch_Code": self.config.batch_code,
            "Customer_Code": document.customer_code,
            "Job_Number": document.job_number,
            "Invoice_Or_Transaction": document.number,
            "Transaction_Type": document.transaction_type,
            "Invoice_Date": document.invoice_date,
            "Retention_Percent": document.retention_percent,
            "Customer_PO": document.customer_po or None,
            "Remarks": document.remarks[:65],
        }
        if self.config.ar_service == "soap":
            lines = [
                {
                    **header,
                    "Detail_Description": line.description,
                    "Line_Extension": line.amount,
                    "Sales_Tax_Amount": line.sales_tax_amount,
                    "Retention_Amount": line.retention_amount,
                }
                for line in document.lines
            ]
            return self._put(lambda: self.dx.add_ar_invoice(lines), f"AR invoice {document.number}")
        invoice = {
            **header,
            "invoiceDetails": [
                {
                    "Detail_Description": line.description,
                    "Line_Extension": line.amount,
                    "Retention_Amount": line.retention_amount,
                    "Sales_Tax_Amount": line.sales_tax_amount,
                    "Phase_Code": line.phase_code,
                    "Cost_Type": line.cost_type,
                }
                for line in document.lines
            ],
        }
        return self._put(
            lambda: self.dx.post_customer_invoices(document.company_code, [invoice]), f"AR invoice {document.number}"
        )

    def post_ap(self, document: APDocument) -> PostResult:
        header = {
            "Company_Code": document.company_code,
            "GL_Date": document.invoice_date,
            "Batch_Code": self.config.batch_code,
            "Vendor_Code": document.vendor_code,
            "Contract_Number": document.contract_number or None,
            "Invoice_Number": document.number,
            "Invoice_Type_Code": "I",
            "Invoice_Date": document.invoice_date,
            "Invoice_Amount": document.amount,
            "Sales_Tax_Amount": document.tax_amount,
            "Retention_Amount": document.retention_amount,
            "Payment_Due_Date": document.due_date,
            "Status": document.status,
            "Remarks": document.remarks,
        }
        if self.config.ap_service == "soap" and len(document.lines) == 1:
            line = document.lines[0]
            record = {
                **header,
                "Job_Number": line.job_number,
                "Phase_Code": line.phase_code,
                "Cost_Type": line.cost_type,
            }
            return self._put(lambda: self.dx.add_ap_invoice([record]), f"AP invoice {document.number}")
        invoice = {
            **header,
            "Payment_Status": "U",
            "APInvoiceDetails": [
                {
                    "Job_Number": line.job_number,
                    "Phase_Code": line.phase_code,
                    "Cost_Type": line.cost_type,
                    "Amount": line.amount,
                    "Remarks": line.description,
                }
                for line in document.lines
            ],
        }
        return self._put(
            lambda: self.dx.post_vendor_invoices(document.company_code, [invoice]), f"AP invoice {document.number}"
        )
