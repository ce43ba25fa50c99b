"""The files a person maintains beside Spectrum (DIR/mapping/*.csv, policy.yml), read and written as they are.

The column lists are the ones destination-spectrum reads (its mapping.py and crosswalk.py) and the sandbox
writes; `apply` appends to these files in the same shape so both keep reading them unchanged.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import yaml

MAPPING_FILE = "cost_code_mapping.csv"
MAPPING_COLUMNS = ("company_code", "match_type", "match_value", "job_type", "phase_code", "cost_type", "note")
CROSSWALKS = {
    # kind -> (file, BuildOps id column, Spectrum code column)
    "customer": ("customer_crosswalk.csv", "buildops_customer_id", "customer_code"),
    "vendor": ("vendor_crosswalk.csv", "buildops_vendor_id", "vendor_code"),
    "employee": ("employee_crosswalk.csv", "buildops_employee_id", "employee_code"),
}


class InputError(ValueError):
    """Bad input a person can fix: the message names the file or option and the fix."""


@dataclass(frozen=True)
class Policy:
    """policy.yml's `companies.<code>.cost_types`: category (labor, material, other...) -> Spectrum cost type."""

    cost_types: dict[str, dict[str, str]]
    # policy.yml's optional `mapping.kind_categories`: pricebook productType -> category, over the defaults
    kind_categories: dict[str, str] = field(default_factory=dict)

    def cost_type(self, company: str, category: str) -> str | None:
        return self.cost_types.get(company, {}).get(category)


def read_csv(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in csv.DictReader(handle)]


def append_csv(path: Path, columns: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    """Append rows under the file's own header (written first when the file is new or empty)."""
    new = not path.is_file() or path.stat().st_size == 0
    if not new:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), None) or list(columns)
        # A file saved without a final newline would glue our first row onto its last one.
        with path.open("rb") as handle:
            handle.seek(-1, 2)
            needs_newline = handle.read(1) not in (b"\n", b"\r")
    else:
        header, needs_newline = list(columns), False
    with path.open("a", newline="", encoding="utf-8") as handle:
        if needs_newline:
            handle.write("\n")
        writer = csv.DictWriter(handle, header, lineterminator="\n", extrasaction="ignore")
        if new:
            writer.writeheader()
        writer.writerows(rows)


def load_policy(path: Path) -> Policy:
    if not path.is_file():
        raise InputError(
            f"policy file {path} does not exist; pass --policy with the policy.yml destination-spectrum reads"
        )
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"policy file {path} is not valid YAML ({exc}); fix the file") from None
    companies = loaded.get("companies") if isinstance(loaded, dict) else None
    if not isinstance(companies, dict) or not companies:
        raise InputError(
            f"policy file {path} has no `companies:` block with each company's cost_types (labor: L, material: M "
            f"...); add it: the assistant suggests only the cost type policy gives an item's kind"
        )
    cost_types = {
        str(code): {str(k): str(v) for k, v in ((spec or {}).get("cost_types") or {}).items()}
        for code, spec in companies.items()
    }
    kinds = ((loaded.get("mapping") or {}).get("kind_categories") or {}) if isinstance(loaded, dict) else {}
    if not isinstance(kinds, dict):
        raise InputError(
            f"policy file {path}: mapping.kind_categories must map a pricebook productType to a category "
            f"(e.g. Equipment: equipment); fix the block or remove it"
        )
    return Policy(cost_types, {str(k).lower(): str(v) for k, v in kinds.items()})
