"""What receivables and payables both look up, cached for the run: BuildOps jobs and vendors as synced, Spectrum's
jobs and phase grids as asked, and the Spectrum company that holds a job."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from destination_spectrum import numbering
from destination_spectrum.crosswalk import CustomerCrosswalk
from destination_spectrum.gateway import Gateway, SpectrumJob
from destination_spectrum.ledger import Ledger
from destination_spectrum.policy import Policy
from destination_spectrum.records import Job, pick


class Lookups:
    def __init__(self, *, gateway: Gateway, ledger: Ledger, crosswalk: CustomerCrosswalk, policy: Policy):
        self.gateway, self.ledger, self.crosswalk, self.policy = gateway, ledger, crosswalk, policy
        self.jobs: dict[tuple[str, str], Job] = {
            key: Job(key[1], number, job_type, customer, status, key[0])
            for key, (number, job_type, customer, status) in ledger.jobs().items()
        }
        self.jobs_by_id: dict[str, Job] = {job.job_id: job for job in self.jobs.values()}
        self.vendors: dict[tuple[str, str], tuple[str, str]] = {}  # (tenant, id) -> (Vendor_Code, type)
        self.spectrum_jobs: dict[tuple[str, str], SpectrumJob | None] = {}
        self.grids: dict[tuple[str, str], set[tuple[str, str]]] = {}

    def job(self, tenant_id: str, job_id: str) -> Job | None:
        """The job by tenant and id; ids are UUIDs, so a record that lost its tenantId still finds its job."""
        found = self.jobs.get((tenant_id, job_id))
        if found is None and job_id:
            found = self.jobs_by_id.get(job_id)
        return found

    def remember_jobs(self, jobs: list[Job], *, dry_run: bool) -> None:
        for job in jobs:
            self.jobs[(job.tenant_id, job.job_id)] = job
            self.jobs_by_id[job.job_id] = job
        if jobs and not dry_run:
            self.ledger.remember_jobs(
                [(j.tenant_id, j.job_id, j.job_number, j.job_type, j.customer_id, j.status) for j in jobs]
            )

    def remember_vendor(self, raw: Mapping[str, Any]) -> None:
        number = pick(raw, "vendorNumber", "spectrumVendorCode", "vendorCode")
        if number is not None and pick(raw, "id") is not None:
            self.vendors[(str(pick(raw, "tenantId", default="")), str(pick(raw, "id")))] = (
                numbering.key_code(str(number)),
                str(pick(raw, "vendorType", "type", default="")),
            )

    def spectrum_job(self, company: str, job_number: str) -> SpectrumJob | None:
        key = (company, job_number)
        if key not in self.spectrum_jobs:
            self.spectrum_jobs[key] = self.gateway.job(company, job_number) if job_number else None
        return self.spectrum_jobs[key]

    def company(self, job_number: str, preferred: list[str]) -> str:
        """The Spectrum company holding the job (a job lives in one company); else the crosswalk's company."""
        known = sorted({*self.crosswalk.companies(), *self.policy.cost_types, *preferred})
        holding = [c for c in known if job_number and self.spectrum_job(c, job_number)]
        if len(holding) == 1:
            return holding[0]
        return next((c for c in preferred if c in holding), holding[0] if holding else (preferred or [""])[0])

    def grid(self, company: str, job_number: str) -> set[tuple[str, str]]:
        key = (company, job_number)
        if key not in self.grids:
            self.grids[key] = self.gateway.phase_grid(company, job_number)
        return self.grids[key]
