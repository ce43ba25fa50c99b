"""The one config model: it generates the Airbyte spec (spec.json), the Singer settings and the README table."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from spectrum_client import insecure_url_problem
from tieout_core import CA_BUNDLE_DESCRIPTION, ConnectorConfig, check_ca_bundle

DOCUMENTATION_URL = "https://github.com/tieout/tieout/tree/main/destination-spectrum"
SPEC_PATH = Path(__file__).with_name("spec.json")
# Spectrum's Company_Code, as source-spectrum takes it: refused rather than normalised, because a code that
# differs from Spectrum's in case or spaces would be compared (and matched) nowhere else in the pipeline.
COMPANY_CODE = re.compile(r"^[A-Z0-9]{1,3}$")


class DataExchange(BaseModel):
    """Where Spectrum Data Exchange lives (the same block source-spectrum takes)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    base_url: str = Field(
        description="Spectrum Data Exchange base URL, e.g. https://acme.dexterchaney.com:8482",
        examples=["https://acme.dexterchaney.com:8482"],
    )
    authorization_id: SecretStr = Field(
        description="Data Exchange Authorization ID (System Administration > Installation > Data Exchange) with "
        "the customer invoice (AddARInvoice) and vendor invoice (AddAPInvoice) services built in",
    )
    client_id: str | None = Field(None, description="Enhanced Authentication (OAuth) client id, when enabled")
    client_secret: SecretStr | None = Field(None, description="Enhanced Authentication (OAuth) client secret")
    timeout_seconds: float = Field(60.0, gt=0, description="Request timeout")
    allow_insecure_http: bool = Field(
        False,
        description="Allow a plain http:// base_url that is not on this machine (the Authorization ID and every "
        "posted document then cross the network unencrypted; never in production)",
    )
    ca_bundle: str | None = Field(None, description=CA_BUNDLE_DESCRIPTION)

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with https://, e.g. https://acme.dexterchaney.com:8482")
        return value.rstrip("/")

    @field_validator("ca_bundle")
    @classmethod
    def _ca_bundle_is_pem(cls, path: str | None) -> str | None:
        return check_ca_bundle(path)

    @field_validator("authorization_id")
    @classmethod
    def _auth_id(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) > 20:
            raise ValueError("is at most 20 characters in Spectrum")
        return value


class Odbc(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    connection_string: SecretStr = Field(
        description="ODBC connection string of the Spectrum database (Info-Link user): the phase grid, vendor "
        "compliance and the invoice numbers Spectrum already holds are read here",
        examples=["Driver=SQLite3;Database=/data/spectrum/spectrum.sqlite"],
    )


class DestinationSpectrumConfig(ConnectorConfig):
    data_exchange: DataExchange = Field(description="Spectrum Data Exchange (where documents are posted)")
    odbc: Odbc = Field(description="Spectrum database over ODBC (what Spectrum already holds)")
    companies: list[str] = Field(
        default_factory=list,
        description="Spectrum Company_Codes this destination may post into (empty: any), as Spectrum writes "
        'them: 1-3 characters A-Z 0-9, upper case, no spaces, e.g. ["MEC", "FPR"]',
    )
    mapping_path: str = Field(description="cost_code_mapping.csv (shared with transforms)")
    customer_crosswalk_path: str = Field(
        description="customer_crosswalk.csv: BuildOps customer -> Company_Code + Customer_Code"
    )
    vendor_crosswalk_path: str | None = Field(
        None,
        description="vendor_crosswalk.csv: BuildOps vendor -> Company_Code + Vendor_Code (default: "
        "vendor_crosswalk.csv beside the mapping file, when present)",
    )
    job_crosswalk_path: str | None = Field(
        None,
        description="job_crosswalk.csv (shared with transforms): BuildOps job -> Company_Code + Spectrum "
        "Job_Number (+ optional phase), one-to-one rows or job_type / department patterns to umbrella service "
        "jobs; an invoice whose job no row covers is held, naming the job (default: job_crosswalk.csv beside the "
        "mapping file, when present; with neither, BuildOps job numbers are taken as Spectrum's)",
    )
    policy_path: str = Field(description="policy.yml: routing, compliance and posting modes")
    ledger_path: str = Field(
        "tieout_ledger.duckdb",
        description="DuckDB file holding tieout_ledger.postings (the warehouse file works: transforms read it)",
    )
    dry_run: bool = Field(
        False,
        description="Report what would be posted (LOG messages) without posting, writing the ledger or "
        "acknowledging STATE",
    )
    ar_service: Literal["rest", "soap"] = Field(
        "rest", description="rest: one multi-line POST /customer/invoice per invoice; soap: AddARInvoice per line"
    )
    ap_service: Literal["rest", "soap"] = Field(
        "rest", description="rest: POST /vendor/invoice per bill; soap: AddAPInvoice per distribution line"
    )
    batch_code: str = Field("TIEOUT", max_length=10, description="Spectrum Batch_Code the documents land in")
    ar_prefix: str = Field(
        "",
        max_length=4,
        description="Prefix for AR invoice numbers (scheme in the README); empty keeps the "
        "BuildOps invoice number so invoices already keyed under it are found, not doubled",
    )
    flush_every: int = Field(
        50000,
        ge=1,
        le=500000,
        description="Records buffered before posting; STATE is acknowledged after each "
        "flush. Large by default so an invoice and its job (another stream) are posted together",
    )
    lien_waiver_tracking_codes: list[str] = Field(
        default_factory=lambda: ["LR", "LIEN", "LW"],
        description="Vendor Document Tracking item codes that are lien waivers/releases (VN_DOC_TRACKING_MC)",
    )
    ar_document_tables: list[str] = Field(
        default_factory=lambda: ["CR_INVOICE_ENTRY_HEADER_MC", "CR_INVOICE_HEADER_MC"],
        description="Tables searched by Company_Code + Invoice_Or_Transaction before posting AR (entry batch "
        "and history)",
    )
    ap_document_tables: list[str] = Field(
        default_factory=lambda: ["VN_INVOICE_ENTRY_HEADER_MC", "VN_GL_DISTRIBUTION_HEADER_MC"],
        description="Tables searched by Company_Code + Vendor_Code + Invoice_Number before posting AP",
    )
    invoice_streams: list[str] = Field(default_factory=lambda: ["invoices"], description="AR invoice streams")
    job_streams: list[str] = Field(default_factory=lambda: ["jobs"], description="Job streams (job type lookup)")
    sub_bill_streams: list[str] = Field(
        default_factory=lambda: ["purchase_orders", "bills", "sub_bills"],
        description="Sub bill (AP) streams",
    )

    @field_validator("companies")
    @classmethod
    def _companies(cls, codes: list[str]) -> list[str]:
        bad = [c for c in codes if not COMPANY_CODE.match(c)]
        if bad:
            suggestion = ", ".join(f'"{c.strip().upper()}"' for c in codes)
            raise ValueError(
                f"{', '.join(repr(c) for c in bad)} is not a Spectrum company code: write each code as Spectrum "
                f"does, 1-3 characters A-Z or 0-9, upper case, without spaces (here: [{suggestion}])"
            )
        if len(set(codes)) != len(codes):
            raise ValueError("a company code is listed twice; list each once")
        return codes

    @model_validator(mode="after")
    def _https_unless_local(self) -> DestinationSpectrumConfig:
        # Checked here, not in DataExchange, so the message can name `data_exchange.base_url` in full.
        problem = insecure_url_problem(
            self.data_exchange.base_url,
            allow_insecure_http=self.data_exchange.allow_insecure_http,
            field="data_exchange.base_url",
            opt_in="data_exchange.allow_insecure_http",
        )
        if problem:
            raise ValueError(problem)
        return self

    def job_crosswalk(self) -> str | None:
        if self.job_crosswalk_path:
            return self.job_crosswalk_path
        beside = Path(self.mapping_path).with_name("job_crosswalk.csv")
        return str(beside) if beside.is_file() else None

    def vendor_crosswalk(self) -> str | None:
        if self.vendor_crosswalk_path:
            return self.vendor_crosswalk_path
        beside = Path(self.mapping_path).with_name("vendor_crosswalk.csv")
        return str(beside) if beside.is_file() else None


@dataclass(frozen=True)
class EngineSettings:
    """What the posting engine is told, from the config: AR prefix, which streams carry what, dry run, companies."""

    ar_prefix: str = ""
    invoice_streams: tuple[str, ...] = ("invoices",)
    invoice_item_streams: tuple[str, ...] = ("invoice_items",)
    job_streams: tuple[str, ...] = ("jobs",)
    vendor_streams: tuple[str, ...] = ("vendors",)
    sub_bill_streams: tuple[str, ...] = ("purchase_orders", "bills", "sub_bills")
    dry_run: bool = False
    companies: tuple[str, ...] = ()  # empty: any company
