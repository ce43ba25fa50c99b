"""The main job end to end, as `make demo` runs it, at a tiny scale: sandbox -> PyAirbyte -> dbt -> report."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    out = tmp_path_factory.mktemp("demo")
    env = {
        **os.environ,
        "AIRBYTE_OFFLINE_MODE": "1",
        "DO_NOT_TRACK": "1",
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "tieout_demo.cli", "--scale", "0.02", "--seed", "3", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )
    return proc, out


def test_given_a_fresh_output_dir_when_the_demo_runs_then_it_succeeds_and_names_its_outputs(demo_run):
    proc, out = demo_run
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert f"Close report : {out / 'close-report.html'}" in proc.stdout
    assert f"Warehouse    : {out / 'tieout.duckdb'}" in proc.stdout
    assert f"Close desk   : tieout desk --warehouse {out / 'tieout.duckdb'}" in proc.stdout
    assert re.search(r"Close period \d{4}-\d{2}: \d+/\d+ steps ready, \d+ open exceptions", proc.stdout)


def test_given_the_demo_when_buildops_is_synced_then_every_stream_count_equals_the_generated_data(demo_run):
    proc, _ = demo_run
    table = proc.stdout.split("BuildOps streams", 1)[1].split("[4/6]", 1)[0]
    rows = re.findall(r"^\s+(\w+)\s+([\d,]+)\s+([\d,]+) (ok|MISMATCH)$", table, flags=re.M)
    assert len(rows) == 21, table
    assert all(mark == "ok" for *_, mark in rows), table


def test_given_the_report_when_opened_in_headless_chromium_without_network_then_it_renders(demo_run, tmp_path):
    _, out = demo_run
    chromium = shutil.which("chromium")
    assert chromium, "chromium is installed by scripts/install.sh"
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            # Any attempt to reach the network fails: the page must stand on its own.
            "--proxy-server=127.0.0.1:9",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1280,2000",
            f"--screenshot={shot}",
            (out / "close-report.html").as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.stat().st_size > 50_000  # a blank page is a few KB; charts and tables are far more
