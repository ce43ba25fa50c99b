"""Runs the dbt project in transforms/ against the warehouse the hosts landed into."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
TRANSFORMS = REPO_ROOT / "transforms"


def as_of_date(data_dir: Path, override: dt.date | None = None) -> tuple[dt.date, str]:
    """The day the books are closed as of, and where it came from: --as-of, else the generator's truth.json,
    else today (a hand-written dataset has no truth.json; its as-of day is a human's choice, so say so)."""
    if override is not None:
        return override, "--as-of"
    truth_file = data_dir / "truth.json"
    if truth_file.exists():
        as_of = json.loads(truth_file.read_text()).get("spectrum", {}).get("as_of")
        if as_of:
            return dt.date.fromisoformat(as_of), "truth.json"
    return dt.datetime.now(dt.timezone.utc).date(), "today (no truth.json; pass --as-of YYYY-MM-DD to choose)"


def close_vars(data_dir: Path, as_of: dt.date | None = None) -> dict:
    """The vars a close needs, read from the sandbox directory: the policy humans set, the as-of date, and the
    month being closed (the last complete month before the as-of date)."""
    import yaml

    as_of, _ = as_of_date(data_dir, as_of)  # the ledger's books are as of this day
    closed_month = as_of.replace(day=1) - dt.timedelta(days=1)
    return {
        "policy": yaml.safe_load((data_dir / "policy.yml").read_text()),
        "as_of_date": as_of.isoformat(),
        "close_period": closed_month.strftime("%Y-%m"),
    }


def dbt_build(
    warehouse: Path, data_dir: Path, *, dbt_vars: dict | None = None, log_file: Path, as_of: dt.date | None = None
) -> None:
    dbt = shutil.which("dbt")
    if not dbt:
        raise RuntimeError("dbt is not on PATH: run `make install` first")
    env = {
        **os.environ,
        "TIEOUT_WAREHOUSE": str(warehouse),
        "TIEOUT_DATA_DIR": str(data_dir),
        "TIEOUT_MAPPING_DIR": str(data_dir / "mapping"),
        "DO_NOT_TRACK": "1",
    }
    cmd = [dbt, "build", "--project-dir", str(TRANSFORMS), "--profiles-dir", str(TRANSFORMS), "--target", "duckdb"]
    cmd += ["--vars", json.dumps({**close_vars(data_dir, as_of), **(dbt_vars or {})})]
    with open(log_file, "wb") as log:
        proc = subprocess.run(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
    if proc.returncode != 0:
        tail = log_file.read_text(errors="replace").splitlines()[-25:]
        raise RuntimeError("dbt build failed:\n" + "\n".join(tail) + f"\n(full log: {log_file})")
