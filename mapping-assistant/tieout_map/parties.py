"""Record linkage between the two systems' masters (customers, vendors): rapidfuzz with blocking.

Why rapidfuzz with blocking and not Splink: the two sides hold one record per party (a few thousand), the
fields are few and mostly exact, and blocking (same ZIP, same phone, same e-mail, or the same first four letters
of the name) keeps the comparisons to tens of thousands, under a second here; Splink's EM training wants more
pairs than a small contractor has, and the bench measures precision as it is.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz

from .suggestions import Suggestion

_LEGAL = re.compile(r"\b(INC|LLC|LTD|CORP|CORPORATION|CO|COMPANY|LP|LLP|PLLC|THE|AND)\b")

# One spelling per word two offices abbreviate differently (the long and the short form both map to the short
# one), so "Stonebridge Distribution" and "STONEBRIDGE DIST" compare equal. Common US business abbreviations,
# not a copy of the twin's list: a real master drifts the same way.
_NAME_WORDS = {
    "MECHANICAL": "MECH",
    "PROPERTIES": "PROP",
    "PROPERTY": "PROP",
    "PROPS": "PROP",
    "MANUFACTURING": "MFG",
    "SERVICES": "SVCS",
    "SVC": "SVCS",
    "SERVICE": "SVCS",
    "PARTNERS": "PTNRS",
    "PTNR": "PTNRS",
    "MEDICAL": "MED",
    "CENTER": "CTR",
    "CENTRE": "CTR",
    "DISTRIBUTION": "DIST",
    "DISTRICT": "DIST",
    "HOLDINGS": "HLDGS",
    "GROUP": "GRP",
    "INTERNATIONAL": "INTL",
    "MANAGEMENT": "MGMT",
    "HEALTH": "HLTH",
    "ASSOCIATION": "ASSN",
    "ASSOCIATES": "ASSOC",
    "BROTHERS": "BROS",
    "ENGINEERING": "ENGR",
    "CONSTRUCTION": "CONSTR",
    "DEPARTMENT": "DEPT",
    "UNIVERSITY": "UNIV",
    "INDEPENDENT": "IND",
}
# USPS street suffixes and directions, and the suite written into the street line by one side only.
_STREET_WORDS = {
    "STREET": "ST",
    "ROAD": "RD",
    "DRIVE": "DR",
    "BOULEVARD": "BLVD",
    "FREEWAY": "FWY",
    "LANE": "LN",
    "AVENUE": "AVE",
    "AV": "AVE",
    "PARKWAY": "PKWY",
    "HIGHWAY": "HWY",
    "EXPRESSWAY": "EXPY",
    "COURT": "CT",
    "PLACE": "PL",
    "CIRCLE": "CIR",
    "TRAIL": "TRL",
    "NORTH": "N",
    "SOUTH": "S",
    "EAST": "E",
    "WEST": "W",
}
_SUITE = re.compile(r"(\b(STE|SUITE|UNIT|APT|BLDG|FL|FLOOR|RM|ROOM)\b|#)\s*(\d[A-Z0-9-]*|[A-Z])?\s*$")


def name_key(name: str, abbreviate: bool = True) -> str:
    """Upper case, punctuation and legal suffixes ("Inc.", "LLC", "The", "and") gone, abbreviations one way."""
    words = _LEGAL.sub(" ", re.sub(r"[^A-Z0-9 ]", " ", name.upper())).split()
    return " ".join(_NAME_WORDS.get(w, w) for w in words) if abbreviate else " ".join(words)


def name_score(a: str, b: str) -> float:
    """The better of the names compared with abbreviations folded and as written: folding makes "Distribution"
    and "Dist" equal, but would turn a mistyped "Distirct" against "District" (folded to DIST) into a poor
    match, so both readings are scored. Each in word order too: sorting the words first (for "Wakefield,
    Cushman &") puts a mistyped first letter ("Gnocers") on the other side of its neighbour and halves the score.
    """
    pairs = ((name_key(a), name_key(b)), (name_key(a, abbreviate=False), name_key(b, abbreviate=False)))
    return max(max(fuzz.token_sort_ratio(x, y), fuzz.ratio(x, y)) for x, y in pairs)


def address_key(line: str) -> str:
    """A street line compared on what both systems would agree on: no suite, street types abbreviated."""
    upper = " ".join(re.sub(r"[^A-Z0-9# -]", " ", (line or "").upper()).split())
    upper = _SUITE.sub("", upper)
    return " ".join(_STREET_WORDS.get(w, w) for w in upper.replace("#", " ").split())


def digits(text: str) -> str:
    return re.sub(r"\D", "", text or "")[-10:]


@dataclass(frozen=True)
class Party:
    """One customer on either side, its fields normalised for comparison."""

    key: str  # BuildOps id, or Spectrum Customer_Code
    name: str
    address: str
    zip: str
    phone: str
    email: str

    @property
    def blocks(self) -> set[str]:
        out = {f"zip:{self.zip[:5]}"} if self.zip else set()
        if self.phone:
            out.add(f"phone:{self.phone}")
        if self.email:
            out.add(f"email:{self.email}")
        name = name_key(self.name).replace(" ", "")
        if name:
            out.add(f"name:{name[:4]}")
        return out


def party(key: str, name, address, zipcode, phone, email) -> Party:
    """A Party from raw column values (None where a system leaves a field empty), normalised."""
    return Party(
        key, name or "", address_key(address or ""), (zipcode or "").strip(), digits(phone), (email or "").lower()
    )


def compare(a: Party, b: Party) -> tuple[float, list[str]]:
    """Weighted field agreement 0-100 and the fields that matched; a field empty on either side is left out."""
    parts: list[tuple[float, float, str]] = []
    if name_key(a.name[:30]) and name_key(b.name[:30]):
        parts.append((0.4, name_score(a.name[:30], b.name[:30]), "name"))
    if a.address and b.address:
        parts.append((0.2, fuzz.ratio(a.address, b.address), "address"))
    if a.phone and b.phone:
        parts.append((0.2, 100.0 if a.phone == b.phone else 0.0, "phone"))
    if a.email and b.email:
        parts.append((0.2, 100.0 if a.email == b.email else 0.0, "email"))
    if not parts:
        return 0.0, []
    total = sum(w for w, _, _ in parts)
    score = sum(w * s for w, s, _ in parts) / total
    return round(score, 1), [label for _, s, label in parts if s >= 90]


def fuzzy_links(
    kind: str, buildops: dict[str, Party], spectrum: dict[tuple[str, str], Party], linked_codes, linked_ids
) -> list[Suggestion]:
    """For each Spectrum record not linked yet, the best BuildOps record in its blocks, banded by score,
    margin over the runner-up and the fields that agree; `none` when no BuildOps record shares a block."""
    by_block: dict[str, list[Party]] = defaultdict(list)
    for party in buildops.values():
        for block in party.blocks:
            by_block[block].append(party)
    out = []
    for (company, code), sp in sorted(spectrum.items()):
        if (company, code) in linked_codes:
            continue
        candidates = {
            p.key: p for block in sp.blocks for p in by_block.get(block, ()) if (company, p.key) not in linked_ids
        }
        scored = sorted(((*compare(p, sp), p) for p in candidates.values()), key=lambda t: (-t[0], t[2].key))
        if not scored:
            out.append(
                Suggestion(
                    kind=kind,
                    company_code=company,
                    key="",
                    label=sp.name,
                    spectrum_code=code,
                    band="none",
                    source="none",
                    evidence=f"no BuildOps {kind} shares its ZIP, phone, e-mail or name; link it by hand or leave it",
                )
            )
            continue
        score, fields, party = scored[0]
        margin = score - scored[1][0] if len(scored) > 1 else score
        if score >= 90 and margin >= 5 and len(fields) >= 2 and "name" in fields:
            band = "high"
        elif score >= 75 and margin >= 2:
            band = "medium"
        else:
            band = "low"
        alternative = (
            f"{scored[1][2].key} ({scored[1][2].name}): {scored[1][0]}" if len(scored) > 1 and margin < 10 else ""
        )
        out.append(
            Suggestion(
                kind=kind,
                company_code=company,
                key=party.key,
                label=party.name,
                spectrum_code=code,
                band=band,
                score=score,
                source="fuzzy",
                evidence=f"Spectrum '{sp.name}' vs BuildOps '{party.name}': {score}, agreeing on "
                f"{', '.join(fields) or 'no field'}, best of {len(candidates)} candidate(s) in its blocks",
                alternative=alternative,
            )
        )
    return out
