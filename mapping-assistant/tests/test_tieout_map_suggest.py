"""tieout-map suggest on the hand-made contractor (conftest.py says what each item and customer is for)."""

from __future__ import annotations

import json

from tieout_map.cli import main
from tieout_map.history import load_history
from tieout_map.warehouse import Warehouse
from tieout_map_fixtures import add_vendors, build_warehouse


def suggest(contractor, capsys=None):
    out = contractor / "suggestions.json"
    assert (
        main(
            [
                "suggest",
                "--warehouse",
                str(contractor / "warehouse.duckdb"),
                "--mapping-dir",
                str(contractor / "mapping"),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    found = json.loads(out.read_text())["suggestions"]
    return {(s["kind"], s["key"] or s["spectrum_code"]): s for s in found}


def test_given_stock_issued_under_an_invoice_when_loading_history_then_rows_tie_to_the_billed_item(contractor):
    wh = Warehouse(contractor / "warehouse.duckdb")
    history = load_history(wh)
    part_a = history.items[("MEC", "PART-A")]
    assert part_a.cells == {("200", "M"): 2}
    assert part_a.amount_agrees == {("200", "M"): 2}  # 2 x 10.00 and 1 x 10.00: the item's unit cost
    assert part_a.jobs == {"100", "101"} and part_a.billed_lines == 2
    # Labor is billed but reaches job cost through payroll: billed, no tied row.
    assert history.items[("MEC", "LAB-X")].cells == {} and history.items[("MEC", "LAB-X")].billed_lines == 3
    assert history.customer_votes[("MEC", "ACME01")] == {"c-acme": 3}


def test_given_an_item_code_column_when_loading_history_then_rows_tie_by_item_code_not_description(tmp_path):
    # Real Spectrum's JC_TRANSACTION_HISTORY_MC has Item_Code; descriptions typed by hand then do not matter.
    path = build_warehouse(
        tmp_path / "w.duckdb", item_code_column=True, job_cost_descriptions={"BRASS GATE VALVE 1A": "valve, brass"}
    )
    history = load_history(Warehouse(path))
    assert history.items[("MEC", "PART-A")].cells == {("200", "M"): 2}


def test_given_a_description_typed_differently_when_there_is_no_item_code_then_no_row_ties(tmp_path):
    path = build_warehouse(tmp_path / "w.duckdb", job_cost_descriptions={"BRASS GATE VALVE 1A": "valve, brass"})
    assert load_history(Warehouse(path)).items[("MEC", "PART-A")].cells == {}


def test_given_agreeing_posted_rows_when_suggesting_then_the_cell_is_high_with_its_evidence(contractor):
    s = suggest(contractor)[("cost_code", "PART-A")]
    assert (s["phase_code"], s["cost_type"], s["band"], s["source"]) == ("200", "M", "high", "history")
    assert "2 of 2 job cost rows" in s["evidence"] and "2 agree on the amount" in s["evidence"]


def test_given_two_cells_competing_when_suggesting_then_both_are_shown_and_the_band_drops(contractor):
    s = suggest(contractor)[("cost_code", "PART-F")]
    assert s["band"] == "low" and s["source"] == "history"
    assert {f"{s['phase_code']} x {s['cost_type']}", s["alternative"].split(":")[0]} == {"200 x M", "210 x M"}
    assert "1 of 2" in s["evidence"] and "1 of 2 rows" in s["alternative"]


def test_given_a_never_billed_item_like_mapped_ones_when_suggesting_then_their_cell_is_suggested(contractor):
    s = suggest(contractor)[("cost_code", "PART-B")]
    assert (s["phase_code"], s["cost_type"], s["band"], s["source"]) == ("200", "M", "high", "similar")
    assert "PART-C" in s["evidence"] and "cost type M is policy's for kind Part" in s["evidence"]


def test_given_similar_items_on_another_kinds_cost_type_when_suggesting_then_they_are_not_used(contractor):
    # Map the look-alike parts to the labor cell: a part must still get policy's material cost type, so those
    # neighbours are left out and only PART-A (history: 200 x M) is left to go by.
    (contractor / "mapping" / "cost_code_mapping.csv").write_text(
        "company_code,match_type,match_value,job_type,phase_code,cost_type,note\n"
        + "".join(f"MEC,product_code,PART-{c},,100,L,\n" for c in "CDE")
    )
    s = suggest(contractor)[("cost_code", "PART-B")]
    assert (s["phase_code"], s["cost_type"], s["source"]) == ("200", "M", "similar")
    assert "PART-A" in s["evidence"] and "PART-C" not in s["evidence"]
    assert s["band"] != "high"  # one look-alike scoring below 90 is not enough


def test_given_a_billed_labor_item_when_only_one_labor_cell_is_on_its_jobs_then_it_is_suggested(contractor):
    s = suggest(contractor)[("cost_code", "LAB-X")]
    assert (s["phase_code"], s["cost_type"], s["band"], s["source"]) == ("100", "L", "high", "kind")
    assert "only such cell on the grids of its 3 billed job(s)" in s["evidence"]


def test_given_nothing_to_go_by_when_suggesting_then_the_item_is_listed_with_nothing_found(contractor):
    s = suggest(contractor)[("cost_code", "FEE-Z")]
    assert (s["band"], s["phase_code"], s["source"]) == ("none", "", "none")
    assert "no cell with cost type O" in s["evidence"] and "map it by hand" in s["evidence"]


def test_given_a_mapped_item_when_suggesting_then_it_is_not_suggested_again(contractor):
    found = suggest(contractor)
    assert not {("cost_code", f"PART-{c}") for c in "CDE"} & set(found)


def test_given_posted_invoices_when_suggesting_customers_then_the_link_comes_from_history(contractor):
    s = suggest(contractor)[("customer", "c-acme")]
    assert (s["spectrum_code"], s["band"], s["source"]) == ("ACME01", "high", "posted")
    assert "3 of 3 posted invoices" in s["evidence"]


def test_given_a_customer_never_invoiced_when_fields_agree_then_the_fuzzy_match_is_high(contractor):
    s = suggest(contractor)[("customer", "c-beta")]
    assert (s["spectrum_code"], s["band"], s["source"]) == ("BETA01", "high", "fuzzy")
    assert "agreeing on name, address, phone, email" in s["evidence"]


def test_given_a_spectrum_customer_sharing_nothing_when_suggesting_then_nothing_found_is_listed(contractor):
    s = suggest(contractor)[("customer", "ZULU01")]
    assert (s["band"], s["key"], s["source"]) == ("none", "", "none")
    assert "link it by hand or leave it" in s["evidence"]


def test_given_a_linked_customer_when_suggesting_then_it_is_not_suggested_again(contractor):
    (contractor / "mapping" / "customer_crosswalk.csv").write_text(
        "buildops_customer_id,company_code,customer_code\nc-acme,MEC,ACME01\n"
    )
    assert ("customer", "c-acme") not in suggest(contractor)


def test_given_the_same_warehouse_when_suggesting_twice_then_ids_are_stable(contractor):
    first = {k: v["suggestion_id"] for k, v in suggest(contractor).items()}
    assert first == {k: v["suggestion_id"] for k, v in suggest(contractor).items()}


def _add_customers(contractor, buildops, spectrum):
    import duckdb
    from tieout_map_fixtures import customer_row

    con = duckdb.connect(str(contractor / "warehouse.duckdb"))
    con.executemany(
        "insert into buildops_raw.customers values (?, ?, ?, ?, ?, ?)", [customer_row(*c) for c in buildops]
    )
    con.executemany("insert into spectrum_raw.customers values ('MEC', ?, ?, ?, ?, ?, ?)", spectrum)
    con.close()


def test_given_an_abbreviated_name_and_a_suite_when_matching_then_the_forms_fold_and_the_link_is_high(contractor):
    # As real customer masters drift: "Prop Mgmt" for "Property Management", "Inc." dropped, "Road" for "Rd"
    # and a suite written into the street line.
    _add_customers(
        contractor,
        [
            (
                "c-gamma",
                "Gamma Property Management, Inc.",
                "(972) 555-0303",
                "75080",
                "ap@gamma.example.com",
                "300 Coit Rd",
            )
        ],
        [("GAMMA01", "GAMMA PROP MGMT", "300 COIT ROAD STE. 210", "75080", "9725550303", "ap@gamma.example.com")],
    )
    s = suggest(contractor)[("customer", "c-gamma")]
    assert (s["spectrum_code"], s["source"], s["band"]) == ("GAMMA01", "fuzzy", "high")
    assert "agreeing on name, address, phone, email" in s["evidence"]


def test_given_a_mistyped_first_word_when_matching_then_word_order_does_not_halve_the_name_score():
    from tieout_map.parties import name_score

    # Sorted, "GNOCERS" goes before "GRANITE" while "GROCERS" goes after it: compared sorted only, 47.
    assert name_score("Granite Gnocers", "Granite Grocers") > 90
    assert name_score("Harbor Water Distirct", "Harbor Water District") > 90  # folding alone would make it DIST
    assert name_score("Stonebridge Dist, LLC", "STONEBRIDGE DISTRIBUTION") == 100
    assert name_score("Cushman and Wakefield", "Cushman & Wakefield") == 100


def test_given_a_name_that_only_partly_agrees_when_matching_then_the_link_is_left_for_review(contractor):
    _add_customers(
        contractor,
        [("c-gamma", "Gamma Property Mgmt", "(972) 555-0303", "75080", "ap@gamma.example.com", "300 Coit Rd")],
        [("GAMMA01", "GAMMA ACCTS PAYABLE", "300 COIT RD.", "75080", "9725550303", "ap@gamma.example.com")],
    )
    s = suggest(contractor)[("customer", "c-gamma")]
    assert (s["spectrum_code"], s["source"]) == ("GAMMA01", "fuzzy")
    assert s["band"] == "medium"  # the phone, e-mail and address agree, the name only partly: a person decides
    assert "agreeing on address, phone, email" in s["evidence"]


def test_given_two_regions_of_one_customer_when_matching_then_the_fields_pick_the_right_one(contractor):
    _add_customers(
        contractor,
        [
            ("c-delta-1", "Delta Realty", "(214) 555-0401", "75201", "ap@delta1.example.com", "4 Ross Ave"),
            ("c-delta-2", "Delta Realty - Region 2", "(214) 555-0402", "75204", "ap@delta2.example.com", "9 Knox St"),
        ],
        [("DELTA02", "DELTA REALTY - REGION 2", "9 KNOX ST", "75204", "2145550402", "ap@delta2.example.com")],
    )
    s = suggest(contractor)[("customer", "c-delta-2")]
    assert (s["spectrum_code"], s["band"]) == ("DELTA02", "high")
    assert ("customer", "c-delta-1") not in suggest(contractor)


def test_given_a_vendor_number_equal_to_the_spectrum_code_when_suggesting_then_the_link_is_high(contractor):
    add_vendors(contractor)
    s = suggest(contractor)[("vendor", "v-ferg")]
    assert (s["spectrum_code"], s["band"], s["source"]) == ("V100", "high", "number")
    assert "vendorNumber V100 is the Spectrum Vendor_Code" in s["evidence"]


def test_given_a_vendor_matched_by_name_alone_when_suggesting_then_it_is_left_for_review(contractor):
    add_vendors(contractor)
    s = suggest(contractor)[("vendor", "v-john")]
    assert (s["spectrum_code"], s["source"]) == ("V200", "fuzzy")
    assert s["band"] == "medium"  # one field agreeing, however well, is not high


def test_given_policy_books_a_kind_elsewhere_when_suggesting_then_that_cost_type_is_the_constraint(contractor):
    # A shop that books trip charges as labor says so in policy.yml; the fee then gets the one labor cell.
    (contractor / "policy.yml").write_text(
        "companies:\n  MEC:\n    cost_types: {labor: L, material: M, other: O}\n"
        "mapping:\n  kind_categories: {Fee: labor}\n"
    )
    s = suggest(contractor)[("cost_code", "FEE-Z")]
    assert (s["phase_code"], s["cost_type"], s["source"]) == ("100", "L", "kind")
