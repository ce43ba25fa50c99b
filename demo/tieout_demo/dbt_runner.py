"""Runs the dbt project in transforms/ against the warehouse the hosts landed into."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
TRANSFORMS = REPO_ROOT / "transforms"


def dbt_build(warehouse: Path, data_dir: Path, *, dbt_vars: dict | None = None, log_file: Path) -> None:
    dbt = shutil.which("dbt")
    if not dbt:
        raise RuntimeError("dbt is not on PATH: run `make install` first")
    env = {
        **os.environ,
        "TIEOUT_WAREHOUSE": str(warehouse),
        "TIEOUT_DATA_DIR": str(data_dir),
        "DO_NOT_TRACK": "1",
    }
    cmd = [dbt, "build", "--project-dir", str(TRANSFORMS), "--profiles-dir", str(TRANSFORMS),
           "--target", "duckdb"]
    if dbt_vars:
        cmd += ["--vars", json.dumps(dbt_vars)]
    with open(log_file, "wb") as log:
        proc = subprocess.run(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
    if proc.returncode != 0:
        tail = log_file.read_text(errors="replace").splitlines()[-25:]
        raise RuntimeError("dbt build failed:\n" + "\n".join(tail) + f"\n(full log: {log_file})")
