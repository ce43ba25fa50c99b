"""The close report's "Mapping and crosswalks" section: coverage from the warehouse, open suggestions by band."""

import json
from pathlib import Path

import duckdb
import pytest
from tieout_demo.report_mapping import mapping_section

TABLES = """
create table int_invoice_lines_mapped as select * from (values
  ('mapped', 120.37::decimal(18,2), 'buildops_service'), ('mapped', 80.13::decimal(18,2), 'buildops_service'),
  ('mapped', 41.09::decimal(18,2), 'ambiguous'), ('unmapped', 57.11::decimal(18,2), 'buildops_service'),
  ('phase_not_on_job', 13.29::decimal(18,2), 'buildops_service'),
  ('unmapped', 9041.77::decimal(18,2), 'spectrum_progress'), ('mapped', 512.03::decimal(18,2), 'spectrum_progress'))
  t(mapping_status, amount, billing_route);
create table int_customer_xref as select * from (values
  ('MEC', 'ACME01', 'crosswalk'), ('MEC', 'BETA01', 'crosswalk'), ('FPR', 'GAMMA01', 'name'),
  ('FPR', 'DELTA01', 'unmatched')) t(company_code, customer_code, match_method);
create table stg_buildops__vendors as select * from (values ('v1', 'V100'), ('v2', 'v200'), ('v3', null))
  t(vendor_id, vendor_number);
create table stg_spectrum__vendors as select * from (values ('MEC', 'V100'), ('FPR', 'V200'), ('MEC', 'V300'))
  t(company_code, vendor_code);
"""


@pytest.fixture
def con(tmp_path: Path):
    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    connection.execute(TABLES)
    yield connection
    connection.close()


def _row(html: str, label: str) -> str:
    start = html.index(label)
    return html[start : html.index("</tr>", start)]


def test_given_the_warehouse_when_rendering_then_coverage_counts_lines_customers_and_vendors(con):
    html = mapping_section(con, None)
    assert html.startswith("<section><h2>Mapping and crosswalks</h2>")
    lines = _row(html, "BuildOps-billed invoice lines")
    # 3 of 5 lines; $241.59 of $311.99 billed = 77.4%; the two progress-billed lines are not counted.
    assert ">3<" in lines and ">5<" in lines and "60.0%" in lines
    assert "$242 of $312 billed (77.4%)" in lines  # whole dollars, as the report states money
    assert "phase_not_on_job: 1, unmapped: 1; 2 line(s) of progress-billed jobs left out" in lines
    customers = _row(html, "Spectrum customers tied")
    assert ">3<" in customers and ">4<" in customers and "75.0%" in customers
    assert "by crosswalk: 2, by name: 1; unmatched: 1" in customers
    vendors = _row(html, "Spectrum vendors whose Vendor_Code")
    assert ">2<" in vendors and ">3<" in vendors and "66.7%" in vendors  # V200 ties to v200: case is ignored
    assert "Open suggestions" not in html  # no data folder given


def test_given_suggestions_and_an_audit_when_rendering_then_only_undecided_ones_are_counted_by_band(con, tmp_path):
    data = tmp_path / "DATA"
    (data / "mapping").mkdir(parents=True)
    suggestions = [
        {"suggestion_id": "s1", "kind": "cost_code", "band": "high"},
        {"suggestion_id": "s2", "kind": "cost_code", "band": "high"},
        {"suggestion_id": "s3", "kind": "cost_code", "band": "low"},
        {"suggestion_id": "s4", "kind": "customer", "band": "medium"},
        {"suggestion_id": "s5", "kind": "customer", "band": "none"},
    ]
    (data / "suggestions.json").write_text(json.dumps({"meta": {}, "suggestions": suggestions}))
    (data / "mapping" / "mapping_audit.csv").write_text("suggestion_id,decision\ns1,accept\ns4,reject\n")
    html = mapping_section(con, data)
    assert "Open suggestions by confidence" in html
    assert "<tr><td>cost_code</td><td class=n>1</td><td class=n>0</td><td class=n>1</td><td class=n>0</td></tr>" in html
    assert "<tr><td>customer</td><td class=n>0</td><td class=n>0</td><td class=n>0</td><td class=n>1</td></tr>" in html
    assert "vendor</td>" not in html  # a kind with nothing open gets no row
    assert "2 suggestion(s) already decided" in html


def test_given_a_data_folder_without_suggestions_when_rendering_then_the_band_table_is_left_out(con, tmp_path):
    html = mapping_section(con, tmp_path)
    assert "Mapping and crosswalks" in html and "Open suggestions" not in html


def test_given_a_warehouse_built_before_the_mapping_models_when_rendering_then_the_section_is_empty(tmp_path):
    empty = duckdb.connect(str(tmp_path / "old.duckdb"))
    try:
        assert mapping_section(empty, None) == ""
        assert mapping_section(empty, tmp_path) == ""
    finally:
        empty.close()
