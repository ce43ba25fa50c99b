"""The Spectrum companies a dataset holds, read from its master files rather than assumed.

The generator writes two companies, but a hand-written or renamed dataset may hold others: the configs
`serve` writes and the Data Exchange twin's authorizations must name the companies actually in the data,
or every connector would read nothing.
"""

from __future__ import annotations

import csv
from pathlib import Path

from .catalog import COMPANIES as GENERATED_COMPANIES

# Master files, in the order they are consulted; a company with customers or vendors but no job yet counts.
MASTER_FILES = ("JC_JOB_MASTER_MC.csv", "CR_CUSTOMER_MASTER_MC.csv", "VN_VENDOR_MASTER_MC.csv")


class NoCompaniesError(ValueError):
    """The dataset's Spectrum master files hold no Company_Code at all."""


def dataset_companies(data_dir: Path) -> tuple[str, ...]:
    """Distinct Company_Code values of DIR/spectrum's master files.

    Ordered so row order does not matter: the generator's companies first in its own order (the first one is
    the Data Exchange default and the limited Authorization ID's only company), then any others alphabetically.
    """
    folder = Path(data_dir) / "spectrum"
    found: set[str] = set()
    for name in MASTER_FILES:
        path = folder / name
        if not path.exists():
            continue
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                code = (row.get("Company_Code") or "").strip().upper()
                if code:
                    found.add(code)
    if not found:
        raise NoCompaniesError(
            f"{folder} holds no Company_Code in {', '.join(MASTER_FILES)}: add at least one job, customer or "
            f"vendor row with its Company_Code, or run `tieout-sandbox generate --out {Path(data_dir)}`"
        )
    rank = {code: i for i, code in enumerate(GENERATED_COMPANIES)}
    return tuple(sorted(found, key=lambda code: (rank.get(code, len(rank)), code)))
