"""Customer crosswalk suggestions: BuildOps customer id -> Spectrum Company_Code + Customer_Code.

1. posted: a BuildOps invoice Spectrum holds under a Customer_Code (history.customer_votes) links the invoice's
   billing customer to that code; every invoice agreeing, the link is high.
2. fuzzy: a Spectrum customer with no posted invoice (or none landed yet) is compared with the BuildOps
   customers not yet linked in its company, within blocks (same ZIP, same phone, same e-mail, or the same first
   four letters of the name), on name, address, phone and e-mail (parties.py).
"""

from __future__ import annotations

from .history import History
from .parties import Party, fuzzy_links, party
from .suggestions import Suggestion
from .warehouse import Warehouse


def load_parties(wh: Warehouse) -> tuple[dict[str, Party], dict[tuple[str, str], Party]]:
    buildops = {
        r[0]: party(*r)
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
        (r[0], r[1]): party(*r[1:])
        for r in wh.con.execute(
            f"select trim(company_code), trim(customer_code), name, address_1, zip_code, phone, customer_email "
            f"from {wh.sp}.customers"
        ).fetchall()
    }
    return buildops, spectrum


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
        ranked = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))  # ties: the same answer every run
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
    out.extend(fuzzy_links("customer", buildops, spectrum, linked_codes, linked_ids))
    return out
