"""Start `tieout-sandbox` as a subprocess (never imported: the twin and the connector share no code)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SANDBOX_CLI = Path(sys.executable).parent / "tieout-sandbox"
# Test-speed settings on top of the configs `serve` writes: short backoff, full pages.
FAST = {"retry_backoff_seconds": 0.05, "page_size": 100, "max_concurrency": 8}


@dataclass
class Sandbox:
    data_dir: Path
    info: dict
    config: dict
    multi_tenant_config: dict

    @property
    def base_url(self) -> str:
        return self.info["buildops"]["base_url"]

    def resource_lines(self, resource: str, tenant: str | None = None) -> list[dict]:
        folder = self.data_dir / "buildops"
        if tenant and tenant != self.info["buildops"]["main_tenant_id"]:
            folder = folder / "tenants" / tenant
        with open(folder / f"{resource}.jsonl") as handle:
            return [json.loads(line) for line in handle if line.strip()]


def generate(out: Path, seed: int, scale: float) -> None:
    subprocess.run(
        [str(SANDBOX_CLI), "generate", "--out", str(out), "--seed", str(seed), "--scale", str(scale)],
        check=True,
        capture_output=True,
        timeout=600,
    )


@contextmanager
def serve(data_dir: Path, *extra: str) -> Iterator[Sandbox]:
    for stale in (data_dir / "sandbox.json", data_dir / "configs"):
        if stale.is_dir():
            shutil.rmtree(stale)
        elif stale.exists():
            stale.unlink()
    process = subprocess.Popen(
        [str(SANDBOX_CLI), "serve", "--data", str(data_dir), "--port", "0", "--spectrum-port", "0", *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        info = _wait_until_serving(data_dir, process)
        configs = data_dir / "configs"
        config = {**json.loads((configs / "source-buildops.json").read_text()), **FAST}
        multi = configs / "source-buildops.multi-tenant.json"
        multi_config = {**json.loads(multi.read_text()), **FAST} if multi.exists() else config
        yield Sandbox(data_dir, info, config, multi_config)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _wait_until_serving(data_dir: Path, process: subprocess.Popen, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    info_path = data_dir / "sandbox.json"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"tieout-sandbox serve exited: {process.stderr.read().decode()[-2000:]}")
        if info_path.exists() and (data_dir / "configs" / "source-buildops.json").exists():
            try:
                info = json.loads(info_path.read_text())
                with socket.create_connection(("127.0.0.1", info["buildops"]["port"]), timeout=1):
                    return info
            except (ValueError, KeyError, OSError):
                pass
        time.sleep(0.1)
    raise RuntimeError("tieout-sandbox serve did not come up within 60 s")
