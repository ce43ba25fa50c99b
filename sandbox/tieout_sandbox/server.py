"""`tieout-sandbox serve`: both twins on loopback, plus DIR/sandbox.json and DIR/configs/*.json."""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from . import spectrum
from .buildops.api import BuildOpsApp
from .buildops.auth import TokenIssuer
from .buildops.faults import FaultPlan, FaultSpecError
from .buildops.generator import RESOURCES
from .buildops.store import DataFileError, Store
from .credentials import (
    CLIENT_ID,
    CLIENT_SECRET,
    DEFAULT_TOKEN_TTL_S,
    MAIN_TENANT_ID,
    MAIN_TENANT_NAME,
    SECOND_TENANT_ID,
    SECOND_TENANT_NAME,
)

HOST = "127.0.0.1"  # loopback only, always
TENANT_NAMES = {MAIN_TENANT_ID: MAIN_TENANT_NAME, SECOND_TENANT_ID: SECOND_TENANT_NAME}


class SandboxError(Exception):
    """A problem a user can fix; the message says how."""


class _QuietHandler(WSGIRequestHandler):
    # Per-request access logs would cost more than serving a page; keep stderr for real problems.
    def log_request(self, *args, **kwargs) -> None:
        pass


@dataclass
class RunningSandbox:
    data_dir: Path
    buildops_server: BaseWSGIServer
    spectrum_server: BaseWSGIServer
    buildops_app: BuildOpsApp
    info: dict
    threads: list[threading.Thread] = field(default_factory=list)

    @property
    def buildops_url(self) -> str:
        return f"http://{HOST}:{self.buildops_server.server_port}"

    @property
    def spectrum_url(self) -> str:
        return f"http://{HOST}:{self.spectrum_server.server_port}"

    def stop(self) -> None:
        for server in (self.buildops_server, self.spectrum_server):
            server.shutdown()
            server.server_close()
        for thread in self.threads:
            thread.join(timeout=5)


def _bind(app, port: int, option: str) -> BaseWSGIServer:
    # Bind here rather than in werkzeug, which prints and calls sys.exit() when the port is taken.
    try:
        listener = socket.create_server((HOST, port), backlog=128)
    except OSError as exc:
        raise SandboxError(
            f"cannot listen on {HOST}:{port} ({exc.strerror}); pass {option} 0 for any free "
            f"port, or stop whatever holds it"
        ) from None
    with listener:
        server = make_server(HOST, port, app, threaded=True, request_handler=_QuietHandler, fd=listener.fileno())
    server.server_port = server.socket.getsockname()[1]  # not set when werkzeug is handed a socket
    server.daemon_threads = True
    return server


def start(
    data_dir: Path,
    *,
    port: int = 0,
    spectrum_port: int = 0,
    latency_ms: int = 0,
    faults: str | None = None,
    token_ttl: int = DEFAULT_TOKEN_TTL_S,
    postgres_dsn: str | None = None,
) -> RunningSandbox:
    """Start both twins in background threads and write sandbox.json + configs; `stop()` ends them."""
    data_dir = Path(data_dir).resolve()
    if not (data_dir / "buildops").is_dir():
        raise SandboxError(
            f"--data {data_dir} has no buildops/ folder; run `tieout-sandbox generate --out {data_dir}` first"
        )
    if latency_ms < 0:
        raise SandboxError(f"--latency-ms must be 0 or more (got {latency_ms})")
    if token_ttl < 1:
        raise SandboxError(f"--token-ttl must be at least 1 second (got {token_ttl})")
    try:
        plan = FaultPlan.parse(faults)
    except FaultSpecError as exc:
        raise SandboxError(str(exc)) from None
    store = Store(data_dir)
    try:
        for tenant in store.tenants():  # pre-index everything now, so the first pages are as fast as the rest
            for resource in RESOURCES:
                store.get(tenant, resource)
    except DataFileError as exc:
        raise SandboxError(str(exc)) from None
    try:
        spectrum_info = spectrum.prepare(data_dir, postgres_dsn=postgres_dsn) or {}
        companies = spectrum.dataset_companies(data_dir)
        spectrum_app = spectrum.make_app(data_dir, latency_ms=latency_ms, faults=faults, postgres_dsn=postgres_dsn)
    except (FileNotFoundError, spectrum.NoCompaniesError) as exc:
        raise SandboxError(str(exc)) from None
    except ValueError as exc:  # the Spectrum twin's part of --faults
        raise SandboxError(f"--faults: {exc}") from None
    app = BuildOpsApp(store, TokenIssuer(token_ttl), latency_ms=latency_ms, faults=plan)
    bo_server = _bind(app, port, "--port")
    try:
        sp_server = _bind(spectrum_app, spectrum_port, "--spectrum-port")
    except SandboxError:
        bo_server.server_close()
        raise
    spectrum_info = {**spectrum_info, "companies": list(companies)}  # sandbox.json and every config name them
    running = RunningSandbox(data_dir, bo_server, sp_server, app, {})
    for server in (bo_server, sp_server):
        # A short poll interval only matters to stop(): tests start and stop many twins.
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True, name=f"serve-{server.server_port}"
        )
        thread.start()
        running.threads.append(thread)
    running.info = write_sandbox_files(running, store.tenants(), spectrum_info, token_ttl, latency_ms, faults)
    return running


def write_sandbox_files(
    running: RunningSandbox,
    tenants: list[str],
    spectrum_info: dict,
    token_ttl: int,
    latency_ms: int,
    faults: str | None,
) -> dict:
    data_dir = running.data_dir
    info = {
        "data_dir": str(data_dir),
        "pid": os.getpid(),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "buildops": {
            "base_url": running.buildops_url,
            "port": running.buildops_server.server_port,
            "token_url": f"{running.buildops_url}/v1/auth/token",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "token_ttl_seconds": token_ttl,
            "main_tenant_id": MAIN_TENANT_ID,
            "tenants": [{"tenant_id": t, "name": TENANT_NAMES.get(t, t)} for t in tenants],
            "latency_ms": latency_ms,
            "faults": faults,
        },
        "spectrum": {"base_url": running.spectrum_url, "port": running.spectrum_server.server_port, **spectrum_info},
    }
    configs = {
        "source-buildops.json": {
            "base_url": running.buildops_url,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "tenant_ids": [MAIN_TENANT_ID],
        },
        "source-buildops.multi-tenant.json": {
            "base_url": running.buildops_url,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "tenant_ids": tenants,
        },
    }
    configs.update(spectrum.connector_configs(data_dir, spectrum_info, running.spectrum_server.server_port) or {})
    config_dir = data_dir / "configs"
    config_dir.mkdir(exist_ok=True)
    for name, config in configs.items():
        _write_private(config_dir / name, config)
    info["configs"] = {name: str(config_dir / name) for name in configs}
    _write_private(data_dir / "sandbox.json", info)
    return info


def _write_private(path: Path, payload: dict) -> None:
    # Sandbox credentials are public, but configs are the shape real secrets take: keep them owner-only.
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(orjson.dumps(payload, option=orjson.OPT_INDENT_2))
    tmp.replace(path)


def serve_forever(args) -> int:
    try:
        running = start(
            args.data,
            port=args.port,
            spectrum_port=args.spectrum_port,
            latency_ms=args.latency_ms,
            faults=args.faults,
            token_ttl=args.token_ttl,
            postgres_dsn=args.postgres_dsn,
        )
    except SandboxError as exc:
        print(f"tieout-sandbox serve: error: {exc}", file=sys.stderr)
        return 2
    info = running.info
    print(
        f"BuildOps API twin      {running.buildops_url}  (tenants: "
        f"{', '.join(t['tenant_id'] for t in info['buildops']['tenants'])})"
    )
    print(f"Spectrum Data Exchange {running.spectrum_url}")
    print(f"Credentials and ports  {running.data_dir / 'sandbox.json'}")
    for path in info["configs"].values():
        print(f"Connector config       {path}")
    print("Ctrl-C to stop.", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    running.stop()
    return 0
