"""The hand-made contractor as a fixture (tieout_map_fixtures.py builds it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tieout_map_fixtures import MAPPED, MAPPING_HEADER, POLICY, build_warehouse


@pytest.fixture
def contractor(tmp_path) -> Path:
    """DIR with warehouse.duckdb, policy.yml and mapping/ (PART-C/D/E mapped, an empty customer crosswalk)."""
    build_warehouse(tmp_path / "warehouse.duckdb")
    (tmp_path / "policy.yml").write_text(POLICY)
    mapping = tmp_path / "mapping"
    mapping.mkdir()
    (mapping / "cost_code_mapping.csv").write_text(MAPPING_HEADER + MAPPED)
    (mapping / "customer_crosswalk.csv").write_text("buildops_customer_id,company_code,customer_code\n")
    return tmp_path
