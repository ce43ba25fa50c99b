"""Insurance on projects: what the customer requires of everyone on the job, and what each sub's certificate gives.

- JC_JOB_COMPLIANCE_MC (the table exists in real Spectrum; its columns are the twin's guess, schema.UNVERIFIED):
  one COI requirement per project job - minimum limits (general liability each occurrence and aggregate, auto,
  umbrella), additional insured and waiver of subrogation.
- The certificate terms ride on the sub's insurance item in VN_DOC_TRACKING_MC (the twin's guess too).
- VN_SUBCONTRACT_PHASE_MC (confirmed): one line per subcontract, the phase the sub works on.
Each is recorded on the Run as it is written, for the CFO's truth (cfo_truth.insurance_checks).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from .context import Run

MILLION = Decimal("1000000.00")
ZERO = Decimal("0.00")


def job_requirements(run: Run) -> None:
    """One COI requirement per project job, entered when the job was set up."""
    rng = run.rng("insurance/jobs")
    for job in sorted(run.jobs.values(), key=lambda j: (j.company, j.number)):
        if job.kind != "project":
            continue
        terms = {
            "GL_Each_Occurrence": MILLION * rng.choices((1, 2), (60, 40))[0],
            "GL_Aggregate": MILLION * rng.choices((2, 4), (60, 40))[0],
            "Auto_Liability": MILLION,
            "Umbrella_Limit": MILLION * rng.choices((0, 5, 10), (50, 35, 15))[0],
            "Additional_Insured": "Y" if rng.random() < 0.9 else "N",
            "Waiver_Of_Subrogation": "Y" if rng.random() < 0.6 else "N",
        }
        run.tables["JC_JOB_COMPLIANCE_MC"].write(
            {
                "Company_Code": job.company,
                "Job_Number": job.number,
                "Compliance_Code": "COI",
                "Description": "Owner insurance requirements",
                **terms,
                "Date_Entered": job.start,
            }
        )
        run.job_insurance[(job.company, job.number.strip())] = {**terms, "entered": job.start}


def certificate_terms(run: Run, company: str, vendor_code: str, received: dt.date, expires: dt.date) -> dict:
    """The limits and endorsements on a sub's certificate (the same sub carries the same policy in both
    companies), recorded for the truth."""
    rng = run.rng(f"insurance/subs/{vendor_code}")
    terms = {
        "GL_Each_Occurrence": MILLION * rng.choices((1, 2), (55, 45))[0],
        "GL_Aggregate": MILLION * rng.choices((2, 4), (55, 45))[0],
        "Auto_Liability": MILLION,
        "Umbrella_Limit": MILLION * rng.choices((0, 5, 10), (30, 50, 20))[0],
        "Additional_Insured": "Y" if rng.random() < 0.85 else "N",
        "Waiver_Of_Subrogation": "Y" if rng.random() < 0.7 else "N",
    }
    run.sub_certificates[(company, vendor_code)] = {**terms, "received": received, "expires": expires}
    return terms


def subcontract_phase(
    run: Run, company: str, vendor_code: str, subcontract: str, job_number: str, phase: str, cost_type: str, **money
) -> None:
    run.tables["VN_SUBCONTRACT_PHASE_MC"].write(
        {
            "Company_Code": company,
            "Vendor_Code": vendor_code,
            "Subcontract_Number": subcontract,
            "Phase_Code": phase,
            "Cost_Type": cost_type,
            "Original_Contract_Amount": money["original"],
            "Amount_Billed_To_Date": money["billed"],
            "Retention_Flag": "Y",
        }
    )
    run.subcontract_phases.append((company, vendor_code, subcontract, job_number.strip(), money["issued"]))
