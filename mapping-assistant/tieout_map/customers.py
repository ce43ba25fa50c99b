"""Customer crosswalk suggestions: BuildOps customer id -> Spectrum Company_Code + Customer_Code.

1. posted: a BuildOps invoice Spectrum holds under a Customer_Code (history.customer_votes) links the invoice's
   billing customer to that code; every invoice agreeing, the link is high.
2. fuzzy: a Spectrum customer with no posted invoice (or none landed yet) is compared with the BuildOps
   customers not yet linked in its company, within blocks (same ZIP, same phone, same e-mail, or the same first
   four letters of the name), on name, address, phone and e-mail with rapidfuzz.
Why rapidfuzz with blocking and not Splink: the two sides hold one record per customer (a few thousand), the
fields are few and mostly exact, and blocking keeps the comparisons to tens of thousands, under a second here;
Splink's EM training wants more pairs than a small contractor has, and the bench measures precision as it is.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz

from .history import History
from .suggestions import Suggestion
from .warehouse import Warehouse

_LEGAL = re.compile(r"\b(INC|LLC|LTD|CORP|CORPORATION|CO|COMPANY|LP|LLP|PLLC|THE)\b\.?")


def _name_key(name: str) -> str:
    upper = re.sub(r"[^A-Z0-9 ]", " ", name.upper())
    return " ".join(_LEGAL.sub(" ", upper).split())


def _digits(text: str) -> str:
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
        name = _name_key(self.name).replace(" ", "")
        if name:
            out.add(f"name:{name[:4]}")
        return out


def load_parties(wh: Warehouse) -> tuple[dict[str, Party], dict[tuple[str, str], Party]]:
    buildops = {
        r[0]: Party(r[0], r[1] or "", (r[2] or "").upper(), (r[3] or "").strip(), _digits(r[4]), (r[5] or "").lower())
        for r in wh.con.execute(
            f"""select id, name,
                   json_extract_string(addresses, '$.items[0].addressLine1'),
                   json_extract_string(addresses, '$.items[0].zipcode'),
                   phoneprimary, email
                from {wh.bo}.customers
                where json_extract_string(audit, '$.deletedDateTime') is null"""
        ).fetchall()
    }
    spectrum = {
        (r[0], r[1]): Party(
            r[1], r[2] or "", (r[3] or "").upper(), (r[4] or "").strip(), _digits(r[5]), (r[6] or "").lower()
        )
        for r in wh.con.execute(
            f"select trim(company_code), trim(customer_code), name, address_1, zip_code, phone, customer_email "
            f"from {wh.sp}.customers"
        ).fetchall()
    }
    return buildops, spectrum


def compare(a: Party, b: Party) -> tuple[float, list[str]]:
    """Weighted field agreement 0-100 and the fields that matched; a field empty on either side is left out."""
    parts: list[tuple[float, float, str]] = []
    name_a, name_b = _name_key(a.name[:30]), _name_key(b.name[:30])
    if name_a and name_b:
        parts.append((0.4, fuzz.token_sort_ratio(name_a, name_b), "name"))
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


def suggest_customers(wh: Warehouse, history: History | None, crosswalk_rows: list[dict[str, str]]) -> list[Suggestion]:
    """`history` None skips the posted links (the bench measures the fuzzy matcher alone that way)."""
    buildops, spectrum = load_parties(wh)
    linked_codes = {(r.get("company_code", ""), r.get("customer_code", "")) for r in crosswalk_rows}
    linked_ids = {(r.get("company_code", ""), r.get("buildops_customer_id", "")) for r in crosswalk_rows}
    out: list[Suggestion] = []
    votes_by_code = history.customer_votes if history else {}
    for (company, code), votes in sorted(votes_by_code.items()):
        if (company, code) in linked_codes:
            continue
        ranked = votes.most_common()
        (customer_id, n), total = ranked[0], sum(votes.values())
        if (company, customer_id) in linked_ids:
            continue
        band = "high" if n == total else ("medium" if n / total >= 0.6 else "low")
        alternative = f"{ranked[1][0]}: {ranked[1][1]} of {total} invoices" if len(ranked) > 1 else ""
        label = buildops[customer_id].name if customer_id in buildops else ""
        out.append(
            Suggestion(
                kind="customer",
                company_code=company,
                key=customer_id,
                label=label,
                spectrum_code=code,
                band=band,
                score=round(100 * n / total, 1),
                source="posted",
                evidence=f"{n} of {total} posted invoices of {code} in {company} are this customer's BuildOps invoices",
                alternative=alternative,
            )
        )
        linked_codes.add((company, code))
        linked_ids.add((company, customer_id))
    out.extend(_fuzzy(buildops, spectrum, linked_codes, linked_ids))
    return out


def _fuzzy(
    buildops: dict[str, Party], spectrum: dict[tuple[str, str], Party], linked_codes, linked_ids
) -> list[Suggestion]:
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
                    kind="customer",
                    company_code=company,
                    key="",
                    label=sp.name,
                    spectrum_code=code,
                    band="none",
                    source="none",
                    evidence="no BuildOps customer shares its ZIP, phone, e-mail or name; link it by hand or leave it",
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
                kind="customer",
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
