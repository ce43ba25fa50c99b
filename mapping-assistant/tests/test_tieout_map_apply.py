"""tieout-map review and apply: only decided rows are applied, validated as destination-spectrum validates the
files, conflicts refused naming the row and the fix, one audit line per applied row."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from destination_spectrum.crosswalk import CustomerCrosswalk
from destination_spectrum.mapping import CostCodeMapping
from tieout_map.apply import ApplyError, apply_review
from tieout_map.cli import main


def _suggest_and_review(contractor):
    suggestions, review = contractor / "suggestions.json", contractor / "review.csv"
    assert (
        main(
            [
                "suggest",
                "--warehouse",
                str(contractor / "warehouse.duckdb"),
                "--mapping-dir",
                str(contractor / "mapping"),
                "--out",
                str(suggestions),
            ]
        )
        == 0
    )
    assert main(["review", str(suggestions), "--out", str(review)]) == 0
    return review


def _read(path):
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def _decide(review, decisions):
    """decisions: buildops key or Spectrum code -> (decision, change_to)."""
    rows = _read(review)
    for row in rows:
        decision = decisions.get(row["buildops_key"]) or decisions.get(row["suggested"])
        if decision:
            row["decision"], row["change_to"] = decision
    with review.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return {row["buildops_key"] or row["suggested"]: line for line, row in enumerate(rows, start=2)}


def test_given_suggestions_when_reviewing_then_every_row_waits_for_a_decision(contractor, capsys):
    rows = _read(_suggest_and_review(contractor))
    assert rows and all(r["decision"] == "" and r["change_to"] == "" for r in rows)
    assert {r["band"] for r in rows} == {"high", "low", "none"}
    assert "rows to decide" in capsys.readouterr().out


def test_given_a_minimum_band_when_reviewing_then_lower_bands_are_left_out(contractor):
    review = _suggest_and_review(contractor)
    main(["review", str(contractor / "suggestions.json"), "--out", str(review), "--min-band", "high"])
    assert {r["band"] for r in _read(review)} == {"high"}


def test_given_accepted_changed_rejected_and_blank_rows_when_applying_then_only_decisions_are_merged(contractor):
    review = _suggest_and_review(contractor)
    _decide(
        review,
        {"PART-A": ("accept", ""), "PART-F": ("change", "210 x M"), "LAB-X": ("reject", ""), "c-acme": ("accept", "")},
    )
    when = dt.datetime(2026, 12, 2, 9, 30, tzinfo=dt.timezone.utc)
    summary = apply_review(review, "Dana Kim", contractor / "mapping", now=when)
    assert (summary.applied, summary.rejected, summary.already) == (3, 1, 0)
    assert summary.undecided == len(_read(review)) - 4
    mapping = CostCodeMapping.load(contractor / "mapping" / "cost_code_mapping.csv")  # destination reads it
    added = {(r.match_value, r.phase_code, r.cost_type) for r in mapping.rules}
    assert {("PART-A", "200", "M"), ("PART-F", "210", "M")} <= added
    assert not any(r.match_value in ("LAB-X", "PART-B", "FEE-Z") for r in mapping.rules)
    crosswalk = CustomerCrosswalk.load(contractor / "mapping" / "customer_crosswalk.csv")
    assert crosswalk.in_company("MEC", "c-acme").customer_code == "ACME01"
    assert crosswalk.in_company("MEC", "c-beta") is None  # suggested high, but nobody decided
    audit = _read(contractor / "mapping" / "mapping_audit.csv")
    assert len(audit) == 3
    part_f = next(a for a in audit if a["buildops_key"] == "PART-F")
    assert part_f["applied_by"] == "Dana Kim" and part_f["applied_at"] == "2026-12-02T09:30:00+00:00"
    assert (part_f["decision"], part_f["applied"], part_f["suggested"]) == ("change", "210 x M", "200 x M")
    assert part_f["suggestion_id"] and "job cost rows" in part_f["evidence"]


def test_given_an_applied_review_when_applied_again_then_nothing_is_added_twice(contractor):
    review = _suggest_and_review(contractor)
    _decide(review, {"PART-A": ("accept", ""), "c-acme": ("accept", "")})
    apply_review(review, "Dana Kim", contractor / "mapping")
    again = apply_review(review, "Dana Kim", contractor / "mapping")
    assert (again.applied, again.already) == (0, 2)
    assert len(_read(contractor / "mapping" / "mapping_audit.csv")) == 2


def test_given_an_item_already_mapped_elsewhere_when_applying_then_the_row_is_refused_naming_both(contractor):
    review = _suggest_and_review(contractor)
    lines = _decide(review, {"PART-A": ("accept", ""), "c-acme": ("accept", "")})
    mapping = contractor / "mapping" / "cost_code_mapping.csv"
    mapping.write_text(mapping.read_text() + "MEC,product_code,PART-A,,210,M,\n")
    before = mapping.read_text()
    with pytest.raises(ApplyError) as caught:
        apply_review(review, "Dana Kim", contractor / "mapping")
    message = str(caught.value)
    assert (
        f"review.csv row {lines['PART-A']}: MEC PART-A is already mapped to 210 x M by cost_code_mapping.csv row 5"
        in message
    )
    assert "reject this row, or change that row in the mapping file first" in message
    assert message.startswith("nothing applied")
    assert mapping.read_text() == before and not (contractor / "mapping" / "mapping_audit.csv").exists()
    assert "ACME01" not in (contractor / "mapping" / "customer_crosswalk.csv").read_text()  # all or nothing


def test_given_a_customer_linked_to_another_code_when_applying_then_the_row_is_refused(contractor):
    review = _suggest_and_review(contractor)
    lines = _decide(review, {"c-acme": ("accept", "")})
    (contractor / "mapping" / "customer_crosswalk.csv").write_text(
        "buildops_customer_id,company_code,customer_code\nc-acme,MEC,ACME99\n"
    )
    with pytest.raises(
        ApplyError,
        match=rf"review.csv row {lines['c-acme']}: BuildOps customer c-acme is already "
        r"linked to ACME99 in MEC by customer_crosswalk.csv row 2; reject this row",
    ):
        apply_review(review, "Dana Kim", contractor / "mapping")


def test_given_two_rows_for_one_item_when_applying_then_the_second_is_refused(contractor):
    review = _suggest_and_review(contractor)
    rows = _read(review)
    part_a = next(r for r in rows if r["buildops_key"] == "PART-A")
    rows.append({**part_a, "decision": "change", "change_to": "210 x M"})
    part_a["decision"] = "accept"
    with review.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(
        ApplyError,
        match=rf"review.csv row {len(rows) + 1}: MEC PART-A is already mapped to 200 x M "
        r"by review.csv row \d+",
    ):
        apply_review(review, "Dana Kim", contractor / "mapping")


def test_given_a_cell_destination_spectrum_refuses_when_applying_then_its_message_names_the_review_row(contractor):
    review = _suggest_and_review(contractor)
    lines = _decide(review, {"PART-B": ("change", "2-00 x M")})
    with pytest.raises(ApplyError) as caught:
        apply_review(review, "Dana Kim", contractor / "mapping")
    message = str(caught.value)
    assert f"review.csv row {lines['PART-B']}: destination-spectrum refuses it" in message
    assert "phase_code '2-00' must be at most 20 characters, stored without dashes as in Spectrum" in message


def test_given_an_accepted_vendor_link_when_applying_then_destination_reads_it_from_the_vendor_crosswalk(contractor):
    from destination_spectrum.crosswalk import VendorCrosswalk
    from tieout_map_fixtures import add_vendors

    add_vendors(contractor)
    review = _suggest_and_review(contractor)
    _decide(review, {"v-ferg": ("accept", ""), "v-john": ("change", "V201")})
    assert apply_review(review, "Dana Kim", contractor / "mapping").applied == 2
    vendors = VendorCrosswalk.load(contractor / "mapping" / "vendor_crosswalk.csv")
    assert vendors.vendor_code("v-ferg", "MEC") == "V100" and vendors.vendor_code("v-john", "MEC") == "V201"
