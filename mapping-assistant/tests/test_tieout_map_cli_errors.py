"""Every error a person can hit in tieout-map: exit 2, a message naming the file or option and the fix."""

from __future__ import annotations

import csv

import pytest
from tieout_map.cli import main


def _error_line(err: str, prefix: str) -> bool:
    """Whether a line of stderr starts with the CLI's error prefix. In the full suite another package's logging
    handler, bound to an earlier test's closed capture, can print a "--- Logging error ---" block first."""
    return any(line.startswith(prefix) for line in err.splitlines())


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().err


def _suggest(contractor, **overrides):
    args = {
        "--warehouse": contractor / "warehouse.duckdb",
        "--mapping-dir": contractor / "mapping",
        "--out": contractor / "s.json",
    } | overrides
    return ["suggest", *[x for pair in args.items() for x in pair]]


@pytest.mark.parametrize(
    ("setup", "overrides", "message"),
    [
        (None, {"--mapping-dir": "nowhere"}, "--mapping-dir nowhere is not a folder; pass the mapping/ folder"),
        ("no_policy", {}, "policy.yml does not exist; pass --policy with the policy.yml destination-spectrum reads"),
        ("bad_yaml", {}, "is not valid YAML"),
        ("no_companies", {}, "has no `companies:` block with each company's cost_types"),
        (None, {"--warehouse": "missing.duckdb"}, "warehouse missing.duckdb does not exist; pass --warehouse"),
        ("not_duckdb", {}, "cannot be opened read-only"),
        ("empty_warehouse", {}, "lacks buildops_raw.pricebook_items"),
        (None, {"--spectrum-schema": "tap_spectrum"}, "lacks tap_spectrum.ar_invoices"),
    ],
)
def test_given_bad_input_when_suggesting_then_the_error_names_it_and_the_fix(
    contractor, capsys, setup, overrides, message
):
    import duckdb

    if setup == "no_policy":
        (contractor / "policy.yml").unlink()
    elif setup == "bad_yaml":
        (contractor / "policy.yml").write_text("companies: [unclosed\n")
    elif setup == "no_companies":
        (contractor / "policy.yml").write_text("routing: {}\n")
    elif setup == "not_duckdb":
        (contractor / "warehouse.duckdb").write_text("this is not a database")
    elif setup == "empty_warehouse":
        (contractor / "warehouse.duckdb").unlink()
        duckdb.connect(str(contractor / "warehouse.duckdb")).close()
    code, err = _run(capsys, *_suggest(contractor, **overrides))
    assert code == 2
    assert _error_line(err, "tieout-map suggest: error: ") and message in err


def test_given_a_fresh_mapping_folder_when_suggesting_then_empty_files_are_fine(contractor, capsys):
    for name in ("cost_code_mapping.csv", "customer_crosswalk.csv"):
        (contractor / "mapping" / name).unlink()
    code, _ = _run(capsys, *_suggest(contractor))
    assert code == 0


def test_given_no_suggestions_file_when_reviewing_then_the_error_says_to_run_suggest(tmp_path, capsys):
    code, err = _run(capsys, "review", tmp_path / "s.json", "--out", tmp_path / "r.csv")
    assert code == 2 and f"suggestions file {tmp_path / 's.json'} does not exist; run `tieout-map suggest" in err


def test_given_a_file_suggest_did_not_write_when_reviewing_then_the_error_says_so(tmp_path, capsys):
    (tmp_path / "s.json").write_text('{"rows": []}')
    code, err = _run(capsys, "review", tmp_path / "s.json", "--out", tmp_path / "r.csv")
    assert code == 2 and "is not what `tieout-map suggest` writes" in err and "run suggest again" in err


def test_given_an_unknown_band_when_reviewing_then_argparse_lists_the_bands(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["review", str(tmp_path / "s.json"), "--min-band", "best"])
    assert "invalid choice: 'best'" in capsys.readouterr().err


def _review_file(contractor, rows, header=None):
    path = contractor / "review.csv"
    header = header or [
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
    ]
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.DictWriter(handle, header, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {
                    "kind": "cost_code",
                    "company_code": "MEC",
                    "buildops_key": "PART-B",
                    "suggested": "200 x M",
                    "band": "high",
                    **row,
                }
            )
    return path


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"decision": "approve"}, "row 2: decision 'approve' is not one of accept, change, reject; write one of those"),
        (
            {"decision": "accept", "suggested": ""},
            "row 2: accept on a row with nothing suggested; write change and fill change_to",
        ),
        ({"decision": "change"}, "row 2: change with an empty change_to; fill change_to with the value to apply"),
        ({"decision": "change", "change_to": "200/M"}, "row 2: '200/M' is not 'PHASE x COST_TYPE' (e.g. '200 x M')"),
        ({"decision": "accept", "company_code": ""}, "row 2: company_code is empty; fill in the Spectrum company"),
        (
            {"decision": "accept", "buildops_key": ""},
            "row 2: buildops_key is empty; fill in the BuildOps product code or customer id",
        ),
        (
            {"decision": "accept", "kind": "employee"},
            "row 2: kind 'employee' is not cost_code, customer or vendor; keep the kind review wrote",
        ),
        ({"decision": "change", "change_to": "200 x MAT1"}, "cost_type 'MAT1' is longer than Spectrum's 3 characters"),
    ],
)
def test_given_a_bad_row_when_applying_then_nothing_is_applied_and_the_row_is_named(contractor, capsys, row, message):
    review = _review_file(contractor, [row])
    before = (contractor / "mapping" / "cost_code_mapping.csv").read_text()
    code, err = _run(capsys, "apply", review, "--by", "Dana Kim", "--mapping-dir", contractor / "mapping")
    assert code == 2 and _error_line(err, "tieout-map apply: error: nothing applied")
    assert message in err
    assert (contractor / "mapping" / "cost_code_mapping.csv").read_text() == before
    assert not (contractor / "mapping" / "mapping_audit.csv").exists()


def test_given_an_empty_name_when_applying_then_the_error_asks_who_decided(contractor, capsys):
    review = _review_file(contractor, [{"decision": "accept"}])
    code, err = _run(capsys, "apply", review, "--by", " ", "--mapping-dir", contractor / "mapping")
    assert code == 2 and "--by is empty; name the person who made the decisions" in err


def test_given_no_name_when_applying_then_argparse_requires_it(contractor, capsys):
    with pytest.raises(SystemExit):
        main(["apply", str(contractor / "review.csv"), "--mapping-dir", str(contractor / "mapping")])
    assert "the following arguments are required: --by" in capsys.readouterr().err


def test_given_a_missing_mapping_folder_when_applying_then_the_error_names_the_option(contractor, capsys):
    review = _review_file(contractor, [{"decision": "accept"}])
    code, err = _run(capsys, "apply", review, "--by", "Dana", "--mapping-dir", contractor / "nope")
    assert code == 2 and "mapping directory" in err and "pass --mapping-dir with your mapping/ folder" in err


def test_given_a_missing_review_file_when_applying_then_the_error_says_to_write_one(contractor, capsys):
    code, err = _run(capsys, "apply", contractor / "r.csv", "--by", "Dana", "--mapping-dir", contractor / "mapping")
    assert code == 2 and "does not exist; write one with `tieout-map review`" in err


def test_given_a_review_without_the_decision_column_when_applying_then_the_header_is_named(contractor, capsys):
    review = _review_file(contractor, [{}], header=["kind", "company_code", "buildops_key", "suggested"])
    code, err = _run(capsys, "apply", review, "--by", "Dana", "--mapping-dir", contractor / "mapping")
    assert code == 2 and "lacks column(s) decision, change_to; keep the header `tieout-map review` writes" in err


def test_given_a_crosswalk_destination_cannot_read_when_applying_then_its_refusal_is_shown(contractor, capsys):
    (contractor / "mapping" / "customer_crosswalk.csv").write_text("buildops_customer_id,company_code\n")
    review = _review_file(
        contractor, [{"kind": "customer", "buildops_key": "c-beta", "suggested": "BETA01", "decision": "accept"}]
    )
    code, err = _run(capsys, "apply", review, "--by", "Dana", "--mapping-dir", contractor / "mapping")
    assert code == 2 and "destination-spectrum refuses the merged customer_crosswalk.csv" in err
    assert "lacks a buildops_customer_id column" in err or "lacks a customer_code column" in err


def test_given_no_decisions_when_applying_then_nothing_is_applied_and_the_count_says_why(contractor, capsys):
    review = _review_file(contractor, [{}, {"buildops_key": "PART-A"}])
    assert main(["apply", str(review), "--by", "Dana", "--mapping-dir", str(contractor / "mapping")]) == 0
    out = capsys.readouterr().out
    assert "applied 0 row(s)" in out and "undecided and left out 2" in out
    assert not (contractor / "mapping" / "mapping_audit.csv").exists()


def test_given_kind_categories_that_are_not_a_mapping_when_suggesting_then_the_block_is_named(contractor, capsys):
    (contractor / "policy.yml").write_text(
        "companies:\n  MEC:\n    cost_types: {labor: L}\nmapping:\n  kind_categories: [Fee]\n"
    )
    code, err = _run(capsys, *_suggest(contractor))
    assert code == 2 and "mapping.kind_categories must map a pricebook productType to a category" in err
