"""`tieout-map review`: the suggestions as a CSV a person edits in Excel, one row per suggestion.

The person writes accept, change (with change_to) or reject in `decision`; a row left blank is not applied.
change_to is written as the suggestion is: 'PHASE x COST_TYPE' for a cost code, a Customer_Code for a customer.
"""

from __future__ import annotations

import csv
from pathlib import Path

from .suggestions import Suggestion, band_rank

REVIEW_COLUMNS = (
    "suggestion_id",
    "kind",
    "company_code",
    "buildops_key",
    "buildops_name",
    "suggested",
    "band",
    "score",
    "source",
    "evidence",
    "alternative",
    "decision",
    "change_to",
)
DECISIONS = ("accept", "change", "reject")


def review_rows(suggestions: list[Suggestion], min_band: str = "none") -> list[dict[str, str]]:
    kept = [s for s in suggestions if band_rank(s.band) <= band_rank(min_band)]
    kept.sort(key=lambda s: (s.kind, band_rank(s.band), s.company_code, s.key, s.spectrum_code))
    return [
        {
            "suggestion_id": s.suggestion_id,
            "kind": s.kind,
            "company_code": s.company_code,
            "buildops_key": s.key,
            "buildops_name": s.label,
            "suggested": s.proposal,
            "band": s.band,
            "score": f"{s.score:g}",
            "source": s.source,
            "evidence": s.evidence,
            "alternative": s.alternative,
            "decision": "",
            "change_to": "",
        }
        for s in kept
    ]


def write_review(path: Path, rows: list[dict[str, str]]) -> None:
    # utf-8-sig: Excel opens a UTF-8 CSV with a byte order mark without garbling names.
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.DictWriter(handle, REVIEW_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
