"""Runs `tieout-sandbox` as a subprocess: the demo talks to the twin only through its CLI and its files."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def sandbox_cli() -> str:
    found = shutil.which("tieout-sandbox")
    if not found:
        raise RuntimeError("tieout-sandbox is not on PATH: run `make install` (or `uv sync`) first")
    return found


def generate(out_dir: Path, *, seed: int, scale: float) -> None:
    subprocess.run(
        [sandbox_cli(), "generate", "--out", str(out_dir), "--seed", str(seed), "--scale", str(scale)],
        check=True,
    )


@contextmanager
def serving(data_dir: Path, *, timeout_s: float = 120.0, extra_args: list[str] | None = None) -> Iterator[dict]:
    """Starts `tieout-sandbox serve` on free loopback ports and yields the sandbox.json it writes."""
    info_file = data_dir / "sandbox.json"
    if info_file.exists():
        info_file.unlink()  # a stale file from an earlier run would point at dead ports
    log_path = data_dir / "sandbox-serve.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [
                sandbox_cli(),
                "serve",
                "--data",
                str(data_dir),
                "--port",
                "0",
                "--spectrum-port",
                "0",
                *(extra_args or []),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + timeout_s
            while not info_file.exists():
                if proc.poll() is not None:
                    raise RuntimeError(f"tieout-sandbox serve exited early; see {log_path}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"tieout-sandbox serve did not come up in {timeout_s:.0f} s; see {log_path}")
                time.sleep(0.2)
            time.sleep(0.2)  # the file is written once the sockets listen; let the write finish
            yield json.loads(info_file.read_text())
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
