"""One suggestion: what the assistant proposes for one BuildOps thing in one Spectrum company, with its band
and its evidence, and how the set of them is written and read (suggestions.json, between suggest and review).

Bands, best first: high (evidence agrees and nothing competes), medium (evidence thinner or a second answer
close), low (a guess worth a look), none (nothing found: a person must supply the answer). A band is a promise
measured on the twin (`make bench BENCH=mapping`), not a probability.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from .files import InputError

BANDS = ("high", "medium", "low", "none")
KINDS = ("cost_code", "customer", "vendor")


@dataclass(frozen=True)
class Suggestion:
    kind: str  # cost_code | customer | vendor
    company_code: str
    key: str  # the BuildOps side: a pricebook product code, a BuildOps customer or vendor id
    label: str  # what a person recognises: the item's or the customer's name
    phase_code: str = ""  # cost_code: the Spectrum cell
    cost_type: str = ""
    spectrum_code: str = ""  # customer / vendor: the Spectrum Customer_Code / Vendor_Code
    band: str = "none"
    score: float = 0.0
    source: str = ""  # history | similar | kind | posted | number | fuzzy | none
    evidence: str = ""
    alternative: str = ""  # the competing answer and its evidence, when two compete

    @property
    def suggestion_id(self) -> str:
        """Stable across runs for the same proposal, so an audit line names what a person saw."""
        text = "|".join((self.kind, self.company_code, self.key, self.phase_code, self.cost_type, self.spectrum_code))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]

    @property
    def proposal(self) -> str:
        if self.kind == "cost_code":
            return f"{self.phase_code} x {self.cost_type}" if self.phase_code else ""
        return self.spectrum_code


def band_rank(band: str) -> int:
    return BANDS.index(band) if band in BANDS else len(BANDS)


def write_suggestions(path: Path, suggestions: list[Suggestion], meta: dict) -> None:
    body = {"meta": meta, "suggestions": [asdict(s) | {"suggestion_id": s.suggestion_id} for s in suggestions]}
    path.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")


def read_suggestions(path: Path) -> tuple[list[Suggestion], dict]:
    if not path.is_file():
        raise InputError(f"suggestions file {path} does not exist; run `tieout-map suggest --out {path}` first")
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        fields = set(Suggestion.__dataclass_fields__)
        found = [Suggestion(**{k: v for k, v in row.items() if k in fields}) for row in body["suggestions"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(
            f"suggestions file {path} is not what `tieout-map suggest` writes ({exc}); run suggest again"
        ) from None
    return found, body.get("meta", {})
