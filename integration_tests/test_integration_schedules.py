"""Issue 16 §3: the schedules in meltano.yml, as Meltano itself reads them (`meltano schedule list`)."""

from __future__ import annotations

import subprocess

import pytest
from tieout_it import ROOT

MELTANO = ROOT / ".venv-meltano" / "bin" / "meltano"


def test_given_meltano_yml_when_meltano_lists_its_schedules_then_taps_and_dbt_run_every_15_minutes_and_posting_daily():
    if not MELTANO.exists():
        pytest.skip("Meltano's venv is missing: scripts/install-meltano.sh (make test runs it)")

    listed = subprocess.run(
        [str(MELTANO), "--log-level=warning", "schedule", "list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert listed.returncode == 0, listed.stderr[-2000:]
    refresh = "tap-buildops target-duckdb tap-spectrum target-duckdb dbt-duckdb:build"
    assert f"[*/15 * * * *] job tieout-every-15-minutes: tieout → ['{refresh}']" in listed.stdout
    assert (
        f"[0 6 * * *] job tieout-daily-posting: tieout-posting → ['tap-buildops target-spectrum', '{refresh}']"
        in listed.stdout
    )
