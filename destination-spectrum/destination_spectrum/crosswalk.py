"""mapping/customer_crosswalk.csv: BuildOps customer id -> Spectrum Company_Code + Customer_Code (maintained,
partial). An invoice whose customer has no row is held, naming the customer, never guessed."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from destination_spectrum.text_files import TextFileError, read_text

_ID = ("buildops_customer_id", "customer_id", "buildops_id")
_COMPANY = ("company_code", "spectrum_company_code")
_CUSTOMER = ("customer_code", "spectrum_customer_code")


def normalized_name(name: str) -> str:
    """The name rule shared with transforms: first 30 characters, upper case, A-Z and 0-9 only."""
    return re.sub(r"[^A-Z0-9]", "", str(name)[:30].upper())


class CrosswalkFileError(ValueError):
    """The crosswalk CSV is unusable (a config error: nothing is posted)."""


@dataclass(frozen=True)
class SpectrumCustomer:
    company_code: str
    customer_code: str


def _column(fieldnames: list[str], candidates: tuple[str, ...], path: Path) -> str:
    lowered = {name.strip().lower(): name for name in fieldnames}
    for candidate in candidates:
        if candidate in lowered:
            return lowered[candidate]
    raise CrosswalkFileError(
        f"crosswalk file {path} lacks a {candidates[0]} column (found: {', '.join(fieldnames) or 'no header'})"
    )


class CustomerCrosswalk:
    """Also used for mapping/vendor_crosswalk.csv (buildops_vendor_id, company_code, vendor_code)."""

    ID_COLUMNS, CODE_COLUMNS, SETTING = _ID, _CUSTOMER, "customer_crosswalk_path to your customer_crosswalk.csv"

    def __init__(self, rows: dict[str, list[SpectrumCustomer]]):
        self.rows = rows

    @classmethod
    def load(cls, path: str | Path) -> CustomerCrosswalk:
        path = Path(path)
        if not path.is_file():
            raise CrosswalkFileError(f"crosswalk file {path} does not exist; set {cls.SETTING}")
        try:
            text, _ = read_text(path)
        except TextFileError as exc:
            raise CrosswalkFileError(f"crosswalk file {exc} ({cls.SETTING.split(' ')[0]})") from None
        with io.StringIO(text, newline="") as handle:
            reader = csv.DictReader(handle)
            names = list(reader.fieldnames or [])
            id_col, company_col, customer_col = (
                _column(names, c, path) for c in (cls.ID_COLUMNS, _COMPANY, cls.CODE_COLUMNS)
            )
            rows: dict[str, list[SpectrumCustomer]] = {}
            for row in reader:
                buildops_id = (row.get(id_col) or "").strip()
                company, customer = (row.get(company_col) or "").strip(), (row.get(customer_col) or "").strip()
                if buildops_id and company and customer:
                    found = rows.setdefault(buildops_id, [])
                    if SpectrumCustomer(company, customer) not in found:
                        found.append(SpectrumCustomer(company, customer))
        return cls(rows)

    def candidates(self, *customer_ids: str) -> list[SpectrumCustomer]:
        """Every Spectrum customer a BuildOps customer maps to (one per company it trades with)."""
        for customer_id in customer_ids:
            if customer_id and customer_id in self.rows:
                return list(self.rows[customer_id])
        return []

    def in_company(self, company_code: str, *customer_ids: str) -> SpectrumCustomer | None:
        return next((c for c in self.candidates(*customer_ids) if c.company_code == company_code), None)

    def companies(self) -> list[str]:
        return sorted({c.company_code for rows in self.rows.values() for c in rows})

    def lookup(self, *customer_ids: str) -> SpectrumCustomer | None:
        found = self.candidates(*customer_ids)
        return found[0] if found else None


class VendorCrosswalk(CustomerCrosswalk):
    ID_COLUMNS = ("buildops_vendor_id", "vendor_id", "buildops_id")
    CODE_COLUMNS = ("vendor_code", "spectrum_vendor_code")
    SETTING = "vendor_crosswalk_path to your vendor_crosswalk.csv"

    def vendor_code(self, vendor_id: str, company_code: str) -> str:
        return next((v.customer_code for v in self.rows.get(vendor_id, []) if v.company_code == company_code), "")
