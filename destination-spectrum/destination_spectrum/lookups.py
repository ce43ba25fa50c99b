"""What receivables and payables both look up, cached for the run: BuildOps jobs and vendors as synced, Spectrum's
jobs and phase grids as asked, and the Spectrum job (and company) a BuildOps job posts to."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from destination_spectrum import numbering
from destination_spectrum.crosswalk import CustomerCrosswalk
from destination_spectrum.gateway import Gateway, SpectrumJob
from destination_spectrum.job_crosswalk import JobCrosswalk
from destination_spectrum.ledger import Ledger
from destination_spectrum.policy import Policy
from destination_spectrum.records import Job, pick


@dataclass(frozen=True)
class JobTarget:
    """Where a BuildOps job posts in Spectrum, or why nowhere (`problem`, the held reason)."""

    company_code: str
    job_number: str
    phase_code: str = ""
    problem: str = ""


def department_company(department: str) -> str:
    """The company a BuildOps department posts to, by its name's prefix ('MEC - Plumbing Service' -> MEC), as
    transforms falls back to when the department's accountingAttributes are not synced (UNVERIFIED key)."""
    head, dash, _ = department.partition(" - ")
    return head.strip().upper() if dash and 0 < len(head.strip()) <= 3 else ""


class Lookups:
    def __init__(
        self,
        *,
        gateway: Gateway,
        ledger: Ledger,
        crosswalk: CustomerCrosswalk,
        policy: Policy,
        job_crosswalk: JobCrosswalk | None = None,
    ):
        self.gateway, self.ledger, self.crosswalk, self.policy = gateway, ledger, crosswalk, policy
        self.job_crosswalk = job_crosswalk
        self.jobs: dict[tuple[str, str], Job] = {
            key: Job(key[1], number, job_type, customer, status, key[0], department, year)
            for key, (number, job_type, customer, status, department, year) in ledger.jobs().items()
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
                [
                    (
                        j.tenant_id,
                        j.job_id,
                        j.job_number,
                        j.job_type,
                        j.customer_id,
                        j.status,
                        j.department,
                        j.created_year,
                    )
                    for j in jobs
                ]
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

    def target(self, job: Job | None, job_number: str, preferred: list[str]) -> JobTarget:
        """The Spectrum job a BuildOps job posts to. With job_crosswalk.csv: the row that covers it (one-to-one,
        job type, department), never the equal number; a job no row covers has a `problem` naming the job and the
        fix. Without one (job_crosswalk_path unset and no file beside the mapping): the BuildOps number itself,
        in the company that holds it."""
        if self.job_crosswalk is None:
            return JobTarget(self.company(job_number, preferred), job_number)
        department = job.department if job else ""
        found = self.job_crosswalk.resolve(
            job_number,
            job.job_type if job else "",
            department,
            department_company(department),
            job.created_year if job else None,
        )
        if found is not None:
            return JobTarget(found.company_code, found.job_number, found.phase_code)
        facts = ", ".join(
            x
            for x in (
                f"job type '{job.job_type}'" if job and job.job_type else "",
                f"department '{department}'" if department else "",
                f"created {job.created_year}" if job and job.created_year else "",
            )
            if x
        )
        return JobTarget(
            "",
            "",
            problem=(
                f"job: BuildOps job {job_number or '(none)'}{f' ({facts})' if facts else ''} resolves to no Spectrum "
                f"job in job_crosswalk.csv; add a row for it (match_type job_number, match_value "
                f"{job_number or 'its jobNumber'}, its Company_Code and Spectrum Job_Number), or a job_type or "
                f"department row that covers it, then sync again"
            ),
        )

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
