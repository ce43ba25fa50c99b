"""A small built warehouse for the desk's tests, made once per session the way the transforms tests make theirs:
the sandbox at scale 0.03, landed by the transforms development fixture (transforms/dev/land_sandbox_files.py:
no servers, a few seconds) and built by the real dbt project. Each test gets its own copy to decide in."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
PROJECT = REPO / "transforms"
BIN = Path(sys.executable).parent
SCALE, SEED = "0.03", "1"
# Owners by type and company (policy.yml desk section, as a controller would write it).
DESK_POLICY = {
    "default_owner": "controller",
    "owners": [
        {"exception_type": "payroll_timing_gap", "owner": "payroll"},
        {"exception_type": "retainage_mismatch", "owner": "project-accounting"},
        {"company": "FPR", "owner": "fpr-controller"},
    ],
    "materiality": {"default": 0, "unbilled_work": 150.00},
}


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "DO_NOT_TRACK": "1", "AIRBYTE_OFFLINE_MODE": "1", **extra}


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("desk-warehouse")
    data = root / "data"
    subprocess.run(
        [str(BIN / "tieout-sandbox"), "generate", "--out", str(data), "--scale", SCALE, "--seed", SEED],
        check=True,
        capture_output=True,
        timeout=600,
    )
    warehouse = root / "tieout.duckdb"
    subprocess.run(
        [sys.executable, str(PROJECT / "dev" / "land_sandbox_files.py"), str(data), str(warehouse)],
        check=True,
        capture_output=True,
        timeout=600,
        env=_env(),
    )
    as_of = json.loads((data / "truth.json").read_text())["spectrum"]["as_of"]
    policy = {**yaml.safe_load((data / "policy.yml").read_text()), "desk": DESK_POLICY}
    dbt_vars = {"as_of_date": as_of, "close_period": as_of[:7], "policy": policy}
    result = subprocess.run(
        [
            str(BIN / "dbt"),
            "build",
            "--project-dir",
            str(PROJECT),
            "--profiles-dir",
            str(PROJECT),
            "--target-path",
            str(root / "target"),
            "--log-path",
            str(root / "logs"),
            "--vars",
            json.dumps(dbt_vars),
        ],
        env=_env(TIEOUT_WAREHOUSE=str(warehouse), TIEOUT_MAPPING_DIR=str(data / "mapping")),
        capture_output=True,
        text=True,
        timeout=900,
    )
    if result.returncode != 0:
        raise AssertionError(f"dbt build failed:\n{result.stdout[-6000:]}")
    return warehouse


@pytest.fixture()
def warehouse_file(built, tmp_path) -> Path:
    """A private copy to decide in (same file name: DuckDB views name their catalog after the file)."""
    copy = tmp_path / "wh" / built.name
    copy.parent.mkdir()
    shutil.copy(built, copy)
    return copy


@pytest.fixture()
def warehouse(warehouse_file):
    from tieout_desk.warehouse import Warehouse

    return Warehouse(warehouse_file)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def desk_server(warehouse_file, tmp_path):
    """`tieout desk` as a user starts it, on a free loopback port; yields its base URL."""
    port = free_port()
    log = (tmp_path / "desk.log").open("w")
    process = subprocess.Popen(
        [str(BIN / "tieout"), "desk", "--warehouse", str(warehouse_file), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=_env(),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/static/desk.css", timeout=2):  # noqa: S310 (loopback, our server)
                break
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"tieout desk did not start: {(tmp_path / 'desk.log').read_text()}") from None
            time.sleep(0.2)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
