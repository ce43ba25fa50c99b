"""Field validation the way Spectrum's Put services do it, with messages that name the field and the fix.

Order (Trimble Help): authorization and required fields, then numbers/dates/lengths, then business rules;
the first failure is reported as the record's Error_Code/Error_Description/Error_Column.
Key codes over their length are rejected; free text over its length is truncated silently (as Spectrum does).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from .store import Store

FORBIDDEN = set("/*?\"'><#,&~")
DATE_RE = re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$")
NUMBER_RE = re.compile(r"^-?(\d+\.?\d*|\.\d+)$")


class PutError(Exception):
    def __init__(self, column: str, description: str):
        super().__init__(description)
        self.column = column
        self.description = description


class Record:
    """One submitted record (SOAP element children or a REST JSON object) plus the calling authorization."""

    def __init__(self, store: Store, fields: dict, auth: dict):
        self.store = store
        self.fields = {
            k: ("" if v is None else str(v)).strip() for k, v in fields.items() if not isinstance(v, list | dict)
        }
        self.auth = auth

    def raw(self, name: str) -> str:
        return self.fields.get(name, "")

    def company(self) -> str:
        value = self.raw("Company_Code").upper() or self.auth["companies"][0]
        if value not in self.auth["companies"]:
            raise PutError(
                "Company_Code",
                f"Company_Code {value} is not authorized for this Authorization ID; "
                f"add the company to the Authorization ID in Data Exchange Installation",
            )
        return value

    def required(self, name: str) -> str:
        value = self.raw(name)
        if not value:
            raise PutError(name, f"{name} is required")
        return value

    def key(self, name: str, limit: int, required: bool = True) -> str:
        value = self.required(name) if required else self.raw(name)
        if not value:
            return ""
        if len(value) > limit:
            raise PutError(name, f"{name} '{value}' is longer than {limit} characters; shorten it to {limit} or fewer")
        if FORBIDDEN & set(value):
            raise PutError(
                name,
                f"{name} '{value}' contains a character Spectrum does not allow in codes "
                "(/ * ? \" ' > < # , & ~); remove it",
            )
        if value != value.upper():
            raise PutError(name, f"{name} '{value}' must be uppercase")
        return value

    def text(self, name: str, limit: int) -> str:
        value = "".join(ch for ch in self.raw(name) if 32 <= ord(ch) <= 126)
        return value[:limit]

    def date(self, name: str, required: bool = True) -> dt.date | None:
        value = self.required(name) if required else self.raw(name)
        if not value:
            return None
        match = DATE_RE.match(value)
        try:
            if not match:
                raise ValueError(value)
            month, day, year = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        except ValueError:
            raise PutError(name, f"{name} '{value}' is not a valid date; use MM/DD/CCYY (e.g. 11/05/2026)") from None

    def amount(self, name: str, required: bool = False, max_len: int = 14, places: int = 2) -> Decimal:
        value = self.required(name) if required else self.raw(name)
        if not value:
            return Decimal(0).quantize(Decimal(1).scaleb(-places))
        if not NUMBER_RE.match(value) or len(value) > max_len:
            raise PutError(
                name,
                f"{name} '{value}' is not a valid number; use digits with an optional leading "
                f"minus and decimal point, no $ or commas, at most {max_len} characters",
            )
        try:
            return Decimal(value).quantize(Decimal(1).scaleb(-places))
        except InvalidOperation:
            raise PutError(name, f"{name} '{value}' is not a valid number") from None

    def flag(self, name: str, allowed: tuple[str, ...], default: str) -> str:
        value = self.raw(name).upper() or default
        if value not in allowed:
            raise PutError(name, f"{name} '{value}' must be one of {', '.join(allowed)}")
        return value

    # ---- business rules ---------------------------------------------------------------------------------
    def open_period(self, company: str, module: str, name: str, date: dt.date) -> None:
        row = self.store.one(
            "SELECT Minimum_Date, Maximum_Date FROM PA_PROCESSING_DATES_MC WHERE Company_Code = ? AND Module = ?",
            (company, module),
        )
        if row is None:
            return
        low, high = dt.date.fromisoformat(row[0]), dt.date.fromisoformat(row[1])
        if not low <= date <= high:
            raise PutError(
                name,
                f"{name} {date:%m/%d/%Y} is outside the open {module} accounting period "
                f"{low:%m/%d/%Y} - {high:%m/%d/%Y} for company {company}; use a date in the open "
                "period or change it in System Administration > Installation > Processing Dates",
            )

    def customer(self, company: str, name: str = "Customer_Code") -> str:
        code = self.key(name, 10)
        row = self.store.one(
            "SELECT Status FROM CR_CUSTOMER_MASTER_MC WHERE Company_Code = ? AND Customer_Code = ?", (company, code)
        )
        if row is None:
            raise PutError(
                name,
                f"Customer_Code '{code}' is not on file for company {company}; add the customer "
                "in Spectrum (Accounts Receivable > Customers) before posting invoices to it",
            )
        if row[0] not in ("A", ""):
            raise PutError(name, f"Customer_Code '{code}' is inactive in company {company}; reactivate it first")
        return code

    def vendor(self, company: str) -> str:
        code = self.key("Vendor_Code", 10)
        row = self.store.one(
            "SELECT Status FROM VN_VENDOR_MASTER_MC WHERE Company_Code = ? AND Vendor_Code = ?", (company, code)
        )
        if row is None:
            raise PutError(
                "Vendor_Code",
                f"Vendor_Code '{code}' is not on file for company {company}; add the "
                "vendor in Spectrum (Accounts Payable > Vendors) first",
            )
        if row[0] != "A":
            raise PutError("Vendor_Code", f"Vendor_Code '{code}' is not active in company {company}")
        return code

    def job(self, company: str, required: bool = False) -> str:
        """-> the padded Job_Number as stored, or '' when blank and not required."""
        value = self.raw("Job_Number")
        if not value:
            if required:
                raise PutError("Job_Number", "Job_Number is required")
            return ""
        value = value.strip()
        if len(value) > 10:
            raise PutError("Job_Number", f"Job_Number '{value}' is longer than 10 characters; shorten it")
        row = self.store.one(
            "SELECT Job_Number, Status_Code, Cost_Center FROM JC_JOB_MASTER_MC WHERE Company_Code = ? "
            "AND TRIM(Job_Number) = ?",
            (company, value.upper()),
        )
        if row is None:
            raise PutError(
                "Job_Number",
                f"Job_Number '{value}' is not on file for company {company}; create the "
                "job in Spectrum (or through AddJob) before posting to it",
            )
        if row[1] == "C":
            raise PutError(
                "Job_Number",
                f"Job_Number '{value}' is closed (Status_Code C) in company {company}; "
                "reopen the job or post to an open one",
            )
        for name in ("Income_Cost_Center", "Cost_Center"):
            given = self.raw(name).upper()
            if given and row[2] and given != row[2]:
                raise PutError(
                    name,
                    f"{name} '{given}' does not match the cost center of job {value} ({row[2]}); "
                    "fix the department mapping or post to the job's cost center",
                )
        return row[0]

    def phase(
        self,
        company: str,
        job: str,
        phase_name: str = "Phase_Code",
        type_name: str = "Cost_Type",
        required: bool = True,
    ) -> tuple[str, str]:
        phase = self.key(phase_name, 20, required)
        cost_type = self.key(type_name, 3, required)
        if not phase and not cost_type:
            return "", ""
        if not job:
            raise PutError("Job_Number", f"Job_Number is required when {phase_name} and {type_name} are given")
        row = self.store.one(
            "SELECT Status_Code FROM JC_PHASE_MASTER_MC WHERE Company_Code = ? AND Job_Number = ? "
            "AND Phase_Code = ? AND Cost_Type = ?",
            (company, job, phase, cost_type),
        )
        if row is None:
            raise PutError(
                phase_name,
                f"Phase_Code '{phase}' with Cost_Type '{cost_type}' is not set up on job "
                f"{job.strip()} in company {company}; add the phase x cost type in Job Cost "
                "or correct the cost code mapping",
            )
        return phase, cost_type
