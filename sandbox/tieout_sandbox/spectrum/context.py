"""What one Spectrum generation run knows: the seed's random streams, lookups built from BuildOps, writers."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .writer import Tables


@dataclass
class Job:
    company: str
    number: str  # padded to 10, as Spectrum stores it
    buildops_id: str | None
    buildops_number: str
    customer_code: str
    buildops_customer_id: str | None
    job_type: str
    kind: str  # service | agreement | project
    trade: str
    status: str  # A | I | C
    start: dt.date
    end: dt.date | None
    contract: Decimal
    grid: dict[tuple[str, str], str] = field(default_factory=dict)  # (phase, cost type) -> description
    progress_billed: bool = False
    serviced_by_agreement: bool = False
    buildops_status: str = ""
    # Spectrum's Est_Complete_Date for a project BuildOps has not completed: the PM's plan (masters.jobs). The
    # CFO's Q2 extrapolates a cost code's trend to it.
    planned_end: dt.date | None = None


@dataclass
class Vendor:
    company: str
    code: str
    name: str
    is_sub: bool
    buildops_id: str | None


@dataclass
class Employee:
    company: str
    code: str
    name: str
    rate: Decimal
    department: str


@dataclass
class Run:
    out: Path
    seed: int
    scale: float
    tables: Tables
    as_of: dt.date
    buildops: dict[str, list[dict]]
    anomalies: list[dict] = field(default_factory=list)
    customer_codes: dict[tuple[str, str], str] = field(default_factory=dict)  # (company, bo id) -> code
    customer_names: dict[tuple[str, str], str] = field(default_factory=dict)  # (company, code) -> name
    jobs: dict[str, Job] = field(default_factory=dict)  # BuildOps job id -> Job
    revised_contracts: dict[tuple[str, str], Decimal] = field(default_factory=dict)  # (company, job) -> $
    jobs_by_key: dict[tuple[str, str], Job] = field(default_factory=dict)  # (company, padded) -> Job
    vendors: dict[tuple[str, str], Vendor] = field(default_factory=dict)  # (company, bo id) -> Vendor
    employees: dict[str, Employee] = field(default_factory=dict)  # BuildOps employee id -> Employee
    departments: dict[str, tuple[str, str]] = field(default_factory=dict)  # dept id -> (company, name)
    job_types: dict[str, str] = field(default_factory=dict)  # job type id -> name
    products: dict[str, dict] = field(default_factory=dict)  # product code -> record
    jtd: dict[tuple[str, str, str, str], list] = field(default_factory=dict)  # phase key -> [$, hours]
    policy: dict = field(default_factory=dict)
    mapping_rows: list[dict] = field(default_factory=list)
    unmatched_jobs: set[str] = field(default_factory=set)  # BuildOps job ids job_crosswalk.csv leaves out
    # Pattern rows of job_crosswalk.csv (umbrella service jobs) and the BuildOps job ids they cover.
    umbrella_rows: list[dict] = field(default_factory=list)
    umbrella_jobs: set[str] = field(default_factory=set)
    posted_invoices: dict[str, dict] = field(default_factory=dict)  # BuildOps invoice id -> posting facts
    # AP events as they happen (closing.py): (invoice date, amount, retention, [(check date, amount paid)]).
    payables: list[tuple] = field(default_factory=list)
    # The same AP invoices with their keys for the period-end AP aging (closing.py): (company, vendor code,
    # invoice number, invoice date, due date, amount, retention, [(check date, amount paid)]).
    ap_invoices: list[tuple] = field(default_factory=list)
    # For the WIP truth (wip.py): the BuildOps timesheet ids payroll costed, and per (company, job) each grid
    # phase's estimate with the projections the PM entered, [(date, amount)] in date order.
    paid_timesheets: set[str] = field(default_factory=set)
    phase_plans: dict[tuple[str, str], list[tuple]] = field(default_factory=dict)
    # The same per cost code for CFO Q2 (cfo_truth.cost_code_overruns): (company, job, phase, cost type), all
    # trimmed -> (estimate, [(date, projection)] in date order).
    phase_budgets: dict[tuple[str, str, str, str], tuple] = field(default_factory=dict)
    # Cost events for the CFO's truth (cfo_truth.py), recorded as they are written, summed per month: job cost
    # per (company, job, phase, cost type, month start, written by payroll?); payroll per (company, job, month
    # start) -> [hours, pay, burden] (time cards on a job of the employee's own company); overhead GL per
    # (company, account, month start) -> amount.
    phase_cost_by_month: dict[tuple[str, str, str, str, dt.date, bool], Decimal] = field(default_factory=dict)
    payroll_by_month: dict[tuple[str, str, dt.date], list] = field(default_factory=dict)
    overhead_by_month: dict[tuple[str, str, dt.date], Decimal] = field(default_factory=dict)
    # Insurance (insurance.py): the customer's requirements per (company, job), each sub's certificate per
    # (company, vendor code), and the subcontract phases (company, vendor, subcontract, job, date issued).
    job_insurance: dict[tuple[str, str], dict] = field(default_factory=dict)
    sub_certificates: dict[tuple[str, str], dict] = field(default_factory=dict)
    subcontract_phases: list[tuple] = field(default_factory=list)
    gl_sequence: int = 0

    def rng(self, part: str) -> random.Random:
        # Independent of the BuildOps generator's streams: "spectrum/" prefix, one stream per part.
        return random.Random(f"{self.seed}/spectrum/{part}")

    def anomaly(self, kind: str, keys: dict, amount: Decimal, **detail) -> None:
        self.anomalies.append(
            {
                "type": kind,
                "system": "spectrum",
                "keys": keys,
                "amount": format(amount.quantize(Decimal("0.01")), "f"),
                **detail,
            }
        )

    def add_jtd(
        self, company: str, job: str, phase: str, cost_type: str, dollars: Decimal, hours: Decimal = Decimal(0)
    ) -> None:
        slot = self.jtd.setdefault((company, job, phase, cost_type), [Decimal(0), Decimal(0)])
        slot[0] += dollars
        slot[1] += hours

    def gl(
        self, company: str, account: str, date: dt.date, amount: Decimal, source: str, remarks: str, **extra
    ) -> None:
        self.gl_sequence += 1
        self.tables["GL_DETAIL_MC"].write(
            {
                "Company_Code": company,
                "Year": f"{date.year:04d}",
                "Gl_Period": f"{date.month:02d}",
                "GL_Account": account,
                "Tran_Date": date,
                "Tran_Number": f"{self.gl_sequence:010d}",
                "Amount": amount,
                "Source_Transaction_Type": source,
                "Journal_Remarks": remarks[:30],
                **extra,
            }
        )
