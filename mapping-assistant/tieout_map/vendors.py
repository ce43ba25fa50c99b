"""Vendor crosswalk suggestions: BuildOps vendor id -> Spectrum Company_Code + Vendor_Code.

1. number: a BuildOps vendorNumber equal to a Spectrum Vendor_Code (the way many shops key vendors in both; the
   same rule transforms applies to customers' numbers), confirmed by the name;
2. fuzzy: the rest, as customers are matched (parties.py).
There is no posted link for vendors yet: the sub bills Spectrum holds (VN_GL_DISTRIBUTION_HEADER_MC) name the
vendor but the twin's BuildOps purchase orders carry no bill number to meet them by.
"""

from __future__ import annotations

from .parties import Party, compare, fuzzy_links, party
from .suggestions import Suggestion
from .warehouse import Warehouse

VENDOR_TABLES = (("buildops", "vendors"), ("spectrum", "vendors"))


def load_vendors(wh: Warehouse) -> tuple[dict[str, Party], dict[str, str], dict[tuple[str, str], Party]]:
    """BuildOps vendors by id, their vendorNumber by id, Spectrum vendors by (company, code)."""
    buildops: dict[str, Party] = {}
    numbers: dict[str, str] = {}
    for vid, number, name, address, zipcode, phone, email in wh.con.execute(
        f"""select id, vendornumber, name,
               json_extract_string(addresses, '$[0].addressLine1'),
               json_extract_string(addresses, '$[0].zipcode'),
               phoneprimary, email
            from {wh.bo}.vendors
            where json_extract_string(audit, '$.deletedDateTime') is null"""
    ).fetchall():
        buildops[vid] = party(vid, name, address, zipcode, phone, email)
        numbers[vid] = (number or "").strip().upper()
    spectrum = {
        (r[0], r[1]): party(*r[1:])
        for r in wh.con.execute(
            f"select trim(company_code), trim(vendor_code), vendor_name, address_1, zip_code, phone, vendor_email "
            f"from {wh.sp}.vendors"
        ).fetchall()
    }
    return buildops, numbers, spectrum


def suggest_vendors(wh: Warehouse, crosswalk_rows: list[dict[str, str]]) -> list[Suggestion]:
    if not (wh.has_table(wh.bo, "vendors") and wh.has_table(wh.sp, "vendors")):
        return []  # vendors not synced: nothing to suggest from, and customers and cost codes still are
    buildops, numbers, spectrum = load_vendors(wh)
    linked_codes = {(r.get("company_code", ""), r.get("vendor_code", "")) for r in crosswalk_rows}
    linked_ids = {(r.get("company_code", ""), r.get("buildops_vendor_id", "")) for r in crosswalk_rows}
    by_number = {number: vid for vid, number in numbers.items() if number}
    out: list[Suggestion] = []
    for (company, code), sp in sorted(spectrum.items()):
        vid = by_number.get(code.upper())
        if (company, code) in linked_codes or not vid or (company, vid) in linked_ids:
            continue
        score, fields = compare(buildops[vid], sp)
        band = "high" if "name" in fields else ("medium" if score >= 60 else "low")
        out.append(
            Suggestion(
                kind="vendor",
                company_code=company,
                key=vid,
                label=buildops[vid].name,
                spectrum_code=code,
                band=band,
                score=score,
                source="number",
                evidence=f"BuildOps vendorNumber {code} is the Spectrum Vendor_Code; Spectrum '{sp.name}' vs BuildOps "
                f"'{buildops[vid].name}': {score}, agreeing on {', '.join(fields) or 'no field'}",
            )
        )
        linked_codes.add((company, code))
        linked_ids.add((company, vid))
    out.extend(fuzzy_links("vendor", buildops, spectrum, linked_codes, linked_ids))
    return out
