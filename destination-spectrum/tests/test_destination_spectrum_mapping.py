import dataclasses
from decimal import Decimal

import pytest
from destination_spectrum.mapping import CostCodeMapping, MappingFileError
from destination_spectrum.records import Line

GRID = {("100", "L"), ("200", "M")}


def line(no=1, product="", kind="", amount="10.00"):
    return Line(no, f"line {no}", Decimal(amount), product_code=product, line_item_type=kind)


def test_given_product_and_type_rules_when_resolving_then_product_code_wins_over_line_item_type(files):
    mapping = CostCodeMapping.load(files["mapping"])
    dist = mapping.resolve(line(product="PART-1", kind="LaborLineItem"), "MEC", "Tenant Improvement")
    assert (dist.phase_code, dist.cost_type) == ("200", "M")
    assert "product_code=PART-1" in dist.rule


def test_given_no_product_rule_when_resolving_then_line_type_then_job_type_default_apply(files):
    mapping = CostCodeMapping.load(files["mapping"])
    assert mapping.resolve(line(kind="LaborLineItem"), "MEC", "X").cost_type == "L"
    fallback = mapping.resolve(line(kind="Fee"), "MEC", "Service Call")
    assert "job_type_default" in fallback.rule
    assert mapping.resolve(line(kind="Fee"), "MEC", "Tenant Improvement") is None
    assert mapping.resolve(line(product="PART-1"), "FPR", "X") is None  # rules are per company


def test_given_one_unmappable_line_when_distributing_then_the_line_and_missing_mapping_are_named(files):
    mapping = CostCodeMapping.load(files["mapping"])
    mapped, problems = mapping.distribute(
        [line(1, product="PART-1"), line(2, product="WIDGET-9", kind="Fee")],
        "MEC",
        "Tenant Improvement",
        GRID,
        "J100 in MEC",
    )
    assert len(mapped) == 1
    message = problems[0].describe()
    assert "line 2" in message and "WIDGET-9" in message and "add a row to cost_code_mapping.csv" in message


def test_given_mapping_outside_the_jobs_phase_grid_when_distributing_then_the_grid_gap_is_named(files):
    mapping = CostCodeMapping.load(files["mapping"])
    _, problems = mapping.distribute([line(3, product="GHOST")], "MEC", "X", GRID, "J100 in MEC")
    message = problems[0].describe()
    assert "phase 777 x cost type X" in message and "J100 in MEC" in message and "phase grid" in message


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("MEC,sku,X,,100,L,", "match_type 'sku' is not one of"),
        ("MEC,product_code,,,100,L,", "match_value is empty"),
        ("MEC,job_type_default,,,100,L,", "job_type is empty"),
        ("MEC,product_code,X,,,L,", "phase_code is empty; phase_code and cost_type are both required"),
        ("MEC,product_code,X,,100,,", "cost_type is empty; phase_code and cost_type are both required"),
        ("MEC,product_code,X,,10-20,L,", "stored without dashes"),
        ("MEC,product_code,X,,100,LABR,", "longer than Spectrum's 3 characters"),
    ],
)
def test_given_a_bad_mapping_row_when_loading_then_the_error_names_row_and_fix(tmp_path, row, expected):
    path = tmp_path / "m.csv"
    path.write_text("company_code,match_type,match_value,job_type,phase_code,cost_type,note\n" + row + "\n")
    with pytest.raises(MappingFileError, match="row 2") as error:
        CostCodeMapping.load(path)
    assert expected in str(error.value)


def test_given_two_rules_for_one_match_when_loading_then_only_a_conflicting_pair_is_refused(tmp_path):
    path = tmp_path / "m.csv"
    header = "company_code,match_type,match_value,job_type,phase_code,cost_type,note\n"
    path.write_text(header + "MEC,product_code,X,,100,L,\nMEC,product_code,x,,100,L,copied twice\n")
    assert len(CostCodeMapping.load(path).rules) == 2  # the same distribution twice: harmless
    path.write_text(header + "MEC,product_code,X,,100,L,\nFPR,product_code,X,,100,L01,\nMEC,product_code,x,,200,M,\n")
    with pytest.raises(MappingFileError) as error:
        CostCodeMapping.load(path)
    assert "m.csv row 4: duplicates the rule of row 2" in str(error.value)
    assert "maps to 200 x M instead of 100 x L; keep one of the two rows" in str(error.value)


def test_given_missing_file_or_columns_when_loading_then_error_says_what_to_set(tmp_path):
    with pytest.raises(MappingFileError, match="set mapping_path"):
        CostCodeMapping.load(tmp_path / "absent.csv")
    path = tmp_path / "m.csv"
    path.write_text("company_code,match_type\n")
    with pytest.raises(MappingFileError, match="lacks column"):
        CostCodeMapping.load(path)


def test_given_a_mapping_file_without_the_optional_note_column_when_loading_then_only_required_columns_are_asked(
    tmp_path,
):
    path = tmp_path / "m.csv"
    path.write_text("company_code,match_type,match_value,job_type,phase_code,cost_type\nMEC,product_code,X,,100,L\n")
    assert [(r.phase_code, r.cost_type) for r in CostCodeMapping.load(path).rules] == [("100", "L")]
    path.write_text("company_code,match_type,note\n")
    with pytest.raises(MappingFileError) as error:
        CostCodeMapping.load(path)
    assert "lacks column(s) match_value, job_type, phase_code, cost_type; expected header" in str(error.value)


def test_given_a_phase_on_the_grid_but_not_with_that_cost_type_when_distributing_then_the_pair_is_refused(files):
    # Phase 100 is on J100's grid with cost type L only, and cost type M is on it with phase 200 only: a check of
    # the phase alone (or the cost type alone) would let this line post to a phase x cost type Spectrum lacks.
    mapping = CostCodeMapping.load(files["mapping"])
    off_grid = Line(4, "Labor billed as material", Decimal("12.34"), phase_code="100", cost_type="M")
    mapped, problems = mapping.distribute([off_grid], "MEC", "X", GRID, "J100 in MEC")
    assert mapped == []
    message = problems[0].describe()
    assert "phase 100 x cost type M" in message and "does not have in its Spectrum phase grid" in message


# Issue 19 (mutation survivors): what a line brings itself, the order lines are checked in, the wording of each
# problem, the phase code's length limit and a file that is not text.


def test_given_a_line_with_a_phase_but_no_cost_type_when_distributing_then_the_mapping_decides_both(files):
    mapping = CostCodeMapping.load(files["mapping"])
    half_set = Line(1, "pipe", Decimal("41.07"), product_code="PART-1", phase_code="100", cost_type="")
    mapped, problems = mapping.distribute([half_set], "MEC", "X", GRID, "J100 in MEC")
    assert problems == []
    assert [(d.phase_code, d.cost_type) for _, d in mapped] == [("200", "M")]
    assert "product_code=PART-1" in mapped[0][1].rule


def test_given_problem_lines_first_when_distributing_then_every_later_line_is_still_mapped_or_named(files):
    mapping = CostCodeMapping.load(files["mapping"])
    lines = [line(1, kind="Fee"), line(2, product="GHOST"), line(3, product="PART-1"), line(4), line(5, "WIDGET-9")]
    mapped, problems = mapping.distribute(lines, "MEC", "Tenant Improvement", GRID, "J100 in MEC")
    assert [m.line_no for m, _ in mapped] == [3]
    messages = [p.describe() for p in problems]
    assert [p.line.line_no for p in problems] == [1, 2, 4, 5]
    assert "no mapping for line_item_type 'Fee' in company MEC" in messages[0]
    assert "phase 777 x cost type X" in messages[1]
    assert messages[2].startswith("line 4 (no product code, 'line 4'): no mapping for a product code in company MEC")
    assert "no mapping for product_code 'WIDGET-9' in company MEC" in messages[3]
    assert "no job_type_default for job type 'Tenant Improvement'" in messages[3]


def test_given_no_job_type_when_a_line_is_unmapped_then_the_problem_says_the_job_type_is_unknown(files):
    mapping = CostCodeMapping.load(files["mapping"])
    _, problems = mapping.distribute([line(1, kind="Fee")], "MEC", "", GRID, "J100 in MEC")
    assert "no job_type_default for job type 'unknown'" in problems[0].problem


@pytest.mark.parametrize(
    ("rows", "named"),
    [
        (",product_code,X,,100,L,\n,product_code,X,,200,M,\n", "(company 'any', product_code 'X', job type 'any')"),
        (
            "MEC,job_type_default,,Service,100,L,\nMEC,job_type_default,,service,200,M,\n",
            "(company 'MEC', job_type_default, job type 'service')",
        ),
    ],
)
def test_given_conflicting_rules_for_any_company_or_a_job_type_default_when_loading_then_the_match_is_named(
    tmp_path, rows, named
):
    path = tmp_path / "m.csv"
    path.write_text("company_code,match_type,match_value,job_type,phase_code,cost_type,note\n" + rows)
    with pytest.raises(MappingFileError) as error:
        CostCodeMapping.load(path)
    assert f"row 3: duplicates the rule of row 2 {named} but maps to 200 x M" in str(error.value)


def test_given_a_long_description_when_a_problem_is_described_then_it_shows_its_first_40_characters(files):
    mapping = CostCodeMapping.load(files["mapping"])
    long = Line(7, "0123456789" * 4 + "TAIL", Decimal("3.33"), line_item_type="Fee")
    _, problems = mapping.distribute([long], "MEC", "Tenant Improvement", GRID, "J100 in MEC")
    assert problems[0].describe().startswith("line 7 (Fee, '" + "0123456789" * 4 + "'): no mapping")


@pytest.mark.parametrize(("length", "refused"), [(20, False), (21, True)])
def test_given_a_phase_code_at_spectrums_20_characters_when_loading_then_only_a_longer_one_is_refused(
    tmp_path, length, refused
):
    path = tmp_path / "m.csv"
    header = "company_code,match_type,match_value,job_type,phase_code,cost_type,note\n"
    path.write_text(header + f"MEC,product_code,X,,{'9' * length},L,\n")
    if refused:
        with pytest.raises(MappingFileError, match="must be at most 20 characters"):
            CostCodeMapping.load(path)
    else:
        assert CostCodeMapping.load(path).rules[0].phase_code == "9" * 20


def test_given_a_mapping_file_that_is_not_text_when_loading_then_a_mapping_error_names_the_setting(tmp_path):
    path = tmp_path / "m.csv"
    path.write_bytes(b"company_code,match_type\x00\x00\n")
    with pytest.raises(MappingFileError, match=r"holds a NUL character.*\(mapping_path\)"):
        CostCodeMapping.load(path)


def test_given_a_rule_a_distribution_or_a_problem_when_a_caller_tries_to_change_it_then_it_is_read_only(files):
    # The ledger and the exceptions report read the same objects the posting used: none may be altered between.
    mapping = CostCodeMapping.load(files["mapping"])
    _, problems = mapping.distribute([line(kind="Fee")], "MEC", "X", GRID, "J100 in MEC")
    for made in (mapping.rules[0], mapping.resolve(line(product="PART-1"), "MEC", "X"), problems[0]):
        with pytest.raises(dataclasses.FrozenInstanceError):
            made.phase_code = "999"  # type: ignore[union-attr]
