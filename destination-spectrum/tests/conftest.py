"""Shared fixtures: an in-memory Spectrum (the engine's Gateway seam), BuildOps record builders and the
mapping/crosswalk/policy files, all offline. Tests against the real twin start the sandbox CLI instead."""

from __future__ import annotations

import datetime as dt
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from destination_spectrum.gateway import APDocument, ARDocument, ExistingDocument, PostResult, SpectrumJob
from destination_spectrum.policy import VendorCompliance

TENANT = "t-1"


class Crash(BaseException):
    """Stands in for SIGKILL between Spectrum taking a document and the ledger write."""


class MemorySpectrum:
    """Validates a little like Spectrum and keeps what it took, so tests can count documents."""

    def __init__(self):
        self.jobs = {
            ("MEC", "J100"): SpectrumJob("MEC", "J100", customer_code="ACME"),
            ("MEC", "J200"): SpectrumJob("MEC", "J200", customer_code="ACME", progress_billed=True),
            ("MEC", "J300"): SpectrumJob("MEC", "J300", status_code="C", customer_code="ACME"),
        }
        self.grids = {
            ("MEC", "J100"): {("100", "L"), ("200", "M"), ("900", "S")},
            ("MEC", "J200"): {("100", "L")},
            ("MEC", "J300"): {("100", "L"), ("200", "M")},
        }
        self.customers = {("MEC", "ACME"), ("MEC", "BETA")}
        self.vendors = {
            "SUBOK": VendorCompliance("SUBOK", coi_expiration=dt.date(2030, 1, 1)),
            "SUBEXP": VendorCompliance("SUBEXP", coi_expiration=dt.date(2026, 1, 1)),
            "SUBW9": VendorCompliance("SUBW9", coi_expiration=dt.date(2030, 1, 1), tax_id_on_file=False),
        }
        self.ar: dict[tuple[str, str], ARDocument] = {}
        self.ap: dict[tuple[str, str, str], APDocument] = {}
        self.calls = 0
        self.crash_after: int | None = None
        self.unknown_outcome_once = False

    def job(self, company, job_number):
        return self.jobs.get((company, job_number))

    def phase_grid(self, company, job_number):
        return set(self.grids.get((company, job_number), set()))

    # No customer or vendor master by name and no subcontracts: the engine falls back as on a Spectrum without them.
    def customer_code_by_name(self, company, name):
        return ""

    def vendor_code_by_name(self, company, name):
        return ""

    def subcontract_default(self, company, vendor_code, number):
        return None

    def vendor_compliance(self, company, vendor_code, on, subcontract=""):
        return self.vendors.get(vendor_code, VendorCompliance(vendor_code, found=False))

    def ar_documents(self, company, numbers):
        return {
            n: ExistingDocument(n, d.customer_code, d.job_number, d.amount, "WS01")
            for n in numbers
            if (d := self.ar.get((company, n)))
        }

    def ap_documents(self, company, vendor, numbers):
        return {
            n: ExistingDocument(n, vendor, "", d.amount, "WS01")
            for n in numbers
            if (d := self.ap.get((company, vendor, n)))
        }

    def _maybe_crash(self):
        if self.crash_after is not None and self.calls >= self.crash_after:
            raise Crash()

    def post_ar(self, document: ARDocument) -> PostResult:
        self.calls += 1
        if (document.company_code, document.customer_code) not in self.customers:
            return PostResult(False, message=f"Customer_Code {document.customer_code} not on file (Customer_Code)")
        job = self.jobs.get((document.company_code, document.job_number))
        if job is None or job.status_code == "C":
            return PostResult(False, message=f"Job_Number {document.job_number} is closed or unknown (Job_Number)")
        self.ar[(document.company_code, document.number)] = document
        if self.unknown_outcome_once:
            self.unknown_outcome_once = False
            return PostResult(False, outcome_unknown=True, message="read timed out")
        self._maybe_crash()
        return PostResult(True, batch_code="WS01")

    def post_ap(self, document: APDocument) -> PostResult:
        self.calls += 1
        self.ap[(document.company_code, document.vendor_code, document.number)] = document
        self._maybe_crash()
        return PostResult(True, batch_code="WS02")

    def close(self):
        pass


@pytest.fixture
def spectrum() -> MemorySpectrum:
    return MemorySpectrum()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    mapping = tmp_path / "cost_code_mapping.csv"
    mapping.write_text(
        textwrap.dedent("""\
        company_code,match_type,match_value,job_type,phase_code,cost_type,note
        MEC,product_code,PART-1,,200,M,parts
        MEC,line_item_type,LaborLineItem,,100,L,labor
        MEC,product_code,SUB-1,,900,S,subcontract
        MEC,job_type_default,,Service Call,100,L,fallback
        MEC,product_code,GHOST,,777,X,phase not in any grid
        """)
    )
    crosswalk = tmp_path / "customer_crosswalk.csv"
    crosswalk.write_text(
        "buildops_customer_id,company_code,customer_code\nc-acme,MEC,ACME\nc-beta,MEC,BETA\nc-nope,MEC,NOPE\n"
    )
    policy = tmp_path / "policy.yml"
    policy.write_text(
        textwrap.dedent("""\
        routing:
          progress_billed_job_types: [Construction Project]
          job_type_overrides: {}
        compliance: {require_coi: true, require_lien_waiver: true, require_w9: true, coi_grace_days: 0}
        posting:
          default_mode: detail
          modes: {Service Call: daily_summary}
        """)
    )
    return {"mapping": mapping, "crosswalk": crosswalk, "policy": policy}


def job(job_id="job-1", number="J100", job_type="Tenant Improvement", customer="c-acme"):
    return {"id": job_id, "jobNumber": number, "jobTypeName": job_type, "customerId": customer, "tenantId": TENANT}


def invoice(
    inv_id="inv-1",
    number="1001",
    job_id="job-1",
    job_number="J100",
    customer="c-acme",
    day="2026-11-20",
    items=None,
    **extra,
):
    items = (
        items
        if items is not None
        else [
            {"description": "Labor", "lineItemType": "LaborLineItem", "amount": 300.0, "quantity": 2, "unitPrice": 150},
            {"description": "Part", "lineItemType": "Material", "product": {"code": "PART-1"}, "amount": 200.0},
        ]
    )
    total = sum(
        Decimal(str(i.get("amount", 0)))
        for i in items
        if isinstance(i, dict) and str(i.get("amount", 0)).lstrip("-").replace(".", "").isdigit()
    )
    return {
        "id": inv_id,
        "invoiceNumber": number,
        "jobId": job_id,
        "jobNumber": job_number,
        "customerId": customer,
        "issuedDate": f"{day}T15:00:00Z",
        "totalAmount": float(total),
        "tenantId": TENANT,
        "invoiceItems": items,
        **extra,
    }


def bill(bill_id="b-1", number="SB-1", vendor="SUBOK", job_id="job-1", amount=1000.0, **extra):
    return {
        "id": bill_id,
        "billNumber": number,
        "spectrumVendorCode": vendor,
        "jobId": job_id,
        "jobNumber": "J100",
        "transactionDate": "2026-11-20",
        "totalAmountPreTax": amount,
        "tenantId": TENANT,
        "billLines": [{"description": "Sub work", "productCode": "SUB-1", "amount": amount}],
        **extra,
    }


@pytest.fixture
def build():
    from types import SimpleNamespace

    return SimpleNamespace(job=job, invoice=invoice, bill=bill, tenant=TENANT, Crash=Crash)


@pytest.fixture
def make_engine(files, spectrum, tmp_path):
    """An engine over the in-memory Spectrum and a DuckDB ledger file that survives 'restarts'."""
    from destination_spectrum.config import EngineSettings
    from destination_spectrum.crosswalk import CustomerCrosswalk
    from destination_spectrum.engine import PostingEngine
    from destination_spectrum.ledger import Ledger
    from destination_spectrum.mapping import CostCodeMapping
    from destination_spectrum.policy import Policy

    opened = []

    def make(run_id="run-1", dry_run=False, policy=None):
        for ledger in opened:
            ledger.close()
        opened.clear()
        ledger = Ledger(tmp_path / "ledger.duckdb", run_id)
        opened.append(ledger)
        make.ledger = ledger
        return PostingEngine(
            mapping=CostCodeMapping.load(files["mapping"]),
            policy=policy or Policy.load(files["policy"]),
            crosswalk=CustomerCrosswalk.load(files["crosswalk"]),
            gateway=spectrum,
            ledger=ledger,
            settings=EngineSettings(dry_run=dry_run),
        )

    yield make
    for ledger in opened:
        ledger.close()


def ledger_rows(tmp_path: Path, sql: str):
    import duckdb

    with duckdb.connect(str(tmp_path / "ledger.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture
def rows(tmp_path, make_engine):
    def query(sql):
        ledger = getattr(make_engine, "ledger", None)
        if ledger is not None and ledger._con is not None:
            return ledger.query(sql)
        return ledger_rows(tmp_path, sql)

    return query
