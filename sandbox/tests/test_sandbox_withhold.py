"""`generate --withhold FRACTION`: mapping and crosswalk rows left out of DIR/mapping, kept in truth.json."""

from __future__ import annotations

import csv

import orjson
import pytest
from tieout_sandbox.cli import main
from tieout_sandbox.dataset import generate_dataset
from tieout_sandbox.withhold import WITHHELD_FILES


def _rows(path):
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def withheld(tmp_path_factory):
    out = tmp_path_factory.mktemp("withhold")
    generate_dataset(out, seed=3, scale=0.02, withhold=0.25)
    return out, orjson.loads((out / "truth.json").read_bytes())


def test_given_a_fraction_when_generating_then_each_file_loses_that_share_and_truth_keeps_them(withheld):
    out, truth = withheld
    assert truth["mapping"]["withhold"] == 0.25
    for name in WITHHELD_FILES:
        block = truth["mapping"][name.removesuffix(".csv")]
        written = _rows(out / "mapping" / name)
        assert len(block["withheld"]) == round(0.25 * len(block["rows"])) > 0
        assert len(written) + len(block["withheld"]) == len(block["rows"])
        # The files keep exactly the rows not withheld, in their order.
        assert [r for r in block["rows"] if r not in block["withheld"]] == written


def test_given_a_fraction_when_generating_then_every_true_customer_link_is_in_truth(withheld):
    _, truth = withheld
    links = {
        (r["company_code"], r["customer_code"]): r["buildops_customer_id"] for r in truth["mapping"]["customer_links"]
    }
    for row in truth["mapping"]["customer_crosswalk"]["rows"]:
        assert links[(row["company_code"], row["customer_code"])] == row["buildops_customer_id"]
    # The crosswalk the generator writes leaves some true links out even before withholding.
    assert len(links) > len(truth["mapping"]["customer_crosswalk"]["rows"])


def test_given_no_withhold_when_generating_then_the_files_are_whole_and_truth_has_no_withheld_rows(tmp_path):
    truth = generate_dataset(tmp_path, seed=3, scale=0.02)
    assert "withhold" not in truth["mapping"] and "cost_code_mapping" not in truth["mapping"]
    assert _rows(tmp_path / "mapping" / "cost_code_mapping.csv")


@pytest.mark.parametrize(
    ("value", "message"),
    [("1.5", "must be between 0 and 1 (got 1.5); 1.0 withholds every row"), ("half", "expected a fraction")],
)
def test_given_a_bad_withhold_when_generating_then_the_error_names_the_option_and_the_range(
    tmp_path, capsys, value, message
):
    with pytest.raises(SystemExit):
        main(["generate", "--out", str(tmp_path), "--withhold", value])
    err = capsys.readouterr().err
    assert "--withhold" in err and message in err
