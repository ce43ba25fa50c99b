"""The cross-package harness: the sandbox, the connectors and the hosts, driven only through their CLIs.

Nothing here imports tieout_sandbox or a connector package. The twin is started with `tieout-sandbox serve`
on free loopback ports, the connectors run as the executables an Airbyte host or Meltano would run, and
PyAirbyte and Meltano are the real hosts. Every server a test starts is stopped by the test (process group,
by pid). `TIEOUT_IT_SCALE` sets the generated contractor's size (default 0.02: a few thousand records).
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SCALE = float(os.environ.get("TIEOUT_IT_SCALE", "0.02"))
SEED = 7

os.environ.setdefault("AIRBYTE_OFFLINE_MODE", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")
# PyAirbyte's own logs (and each connector's stderr, which it copies) go to a folder the secret scan reads.
os.environ.setdefault("AIRBYTE_LOGGING_ROOT", tempfile.mkdtemp(prefix="pyairbyte-logs-"))

# Test modules import these helpers as `tieout_it` (pytest runs with --import-mode=importlib, where a bare
# `import conftest` would be ambiguous across the workspace's packages).
sys.modules.setdefault("tieout_it", sys.modules[__name__])
# Helpers beside the tests (the hostile HTTP front) under repo-unique module names.
sys.path.insert(0, str(Path(__file__).resolve().parent))


def executable(name: str) -> str:
    """The console script in this venv (what a host would run), or fail naming the install step."""
    path = VENV_BIN / name
    if not path.exists():
        found = shutil.which(name)
        if not found:
            pytest.fail(f"{name} is not installed: run `make install`")
        return found
    return str(path)


# ---------------------------------------------------------------------------------------------------------
# The sandbox, as a user runs it
# ---------------------------------------------------------------------------------------------------------


def generate(out_dir: Path, *, scale: float = SCALE, seed: int = SEED) -> Path:
    subprocess.run(
        [executable("tieout-sandbox"), "generate", "--out", str(out_dir), "--seed", str(seed), "--scale", str(scale)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return out_dir


@dataclass
class Sandbox:
    """A running `tieout-sandbox serve`: its data directory, sandbox.json and the configs it wrote."""

    data_dir: Path
    info: dict[str, Any]
    process: subprocess.Popen
    log_path: Path

    def config(self, connector: str) -> dict[str, Any]:
        return json.loads(self.config_file(connector).read_text())

    def config_file(self, connector: str) -> Path:
        """DIR/configs/<connector>.json; source-spectrum's default is its SQL (ODBC) variant."""
        plain = self.data_dir / "configs" / f"{connector}.json"
        return plain if plain.exists() else self.data_dir / "configs" / f"{connector}.sql.json"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def secrets(self) -> list[str]:
        """Every secret the sandbox hands out (sandbox.json and the configs), for leak scans."""
        found: set[str] = set()
        for document in [self.info, *(json.loads(p.read_text()) for p in (self.data_dir / "configs").glob("*.json"))]:
            found.update(_secret_values(document))
        return sorted(found)


SECRET_KEY_PARTS = ("secret", "password", "authorization_id", "authorization", "token", "pwd", "guid")


def _secret_values(node: Any, key: str = "") -> Iterator[str]:
    if isinstance(node, Mapping):
        for k, v in node.items():
            yield from _secret_values(v, str(k))
    elif isinstance(node, list):
        for item in node:
            yield from _secret_values(item, key)
    elif isinstance(node, str) and len(node) >= 6 and any(part in key.lower() for part in SECRET_KEY_PARTS):
        yield node
    elif isinstance(node, str) and "PWD=" in node.upper():
        # an ODBC connection string carries its password inline
        for part in node.split(";"):
            name, _, value = part.partition("=")
            if name.strip().upper() in ("PWD", "PASSWORD") and len(value.strip()) >= 4:
                yield value.strip()


@contextmanager
def serve(
    data_dir: Path,
    *,
    faults: str | None = None,
    latency_ms: int | None = None,
    extra_args: Sequence[str] = (),
    timeout_s: float = 120.0,
) -> Iterator[Sandbox]:
    """`tieout-sandbox serve --data DIR --port 0 --spectrum-port 0 [--faults SPEC]` until the block ends."""
    info_file = data_dir / "sandbox.json"
    info_file.unlink(missing_ok=True)
    log_path = data_dir / f"serve-{time.monotonic_ns()}.log"
    args = [executable("tieout-sandbox"), "serve", "--data", str(data_dir), "--port", "0", "--spectrum-port", "0"]
    if faults:
        args += ["--faults", faults]
    if latency_ms:
        args += ["--latency-ms", str(latency_ms)]
    args += list(extra_args)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout_s
        while not (info_file.exists() and (data_dir / "configs").is_dir()):
            if process.poll() is not None:
                raise RuntimeError(f"tieout-sandbox serve exited early:\n{log_path.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"tieout-sandbox serve did not come up in {timeout_s:.0f} s")
            time.sleep(0.1)
        info = _read_json_when_complete(info_file)
        yield Sandbox(data_dir=data_dir, info=info, process=process, log_path=log_path)
    finally:
        stop_process_group(process)


def _read_json_when_complete(path: Path, attempts: int = 50) -> dict[str, Any]:
    for _ in range(attempts):
        try:
            return json.loads(path.read_text())
        except json.JSONDecodeError:
            time.sleep(0.1)
    return json.loads(path.read_text())


def stop_process_group(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def copy_data(source: Path, target: Path) -> Path:
    """A private copy of generated data: each server (and its faults, its postings) gets its own."""
    shutil.copytree(
        source,
        target,
        ignore=shutil.ignore_patterns("sandbox.json", "configs", "serve-*.log", "*.sqlite-journal", "*.sqlite-wal"),
    )
    return target


# ---------------------------------------------------------------------------------------------------------
# Fresh work for the destination: invoices Spectrum has not seen, added to the BuildOps data before serving
# ---------------------------------------------------------------------------------------------------------

FRESH_NUMBER = "9{:05d}"


def as_of(data_dir: Path) -> dt.date:
    return dt.date.fromisoformat(json.loads((data_dir / "truth.json").read_text())["spectrum"]["as_of"])


def _crosswalk_target(rows: list[dict[str, str]], job: dict[str, Any]) -> tuple[str, str] | None:
    """The (company, Spectrum job) job_crosswalk.csv sends a BuildOps job to, read from its sentence: a one-to-one
    row, then a job type rule of the job's department's company, then a department rule; the job's creation year
    before every year. Never the equal number (projects and umbrella jobs carry Spectrum numbers of their own)."""
    department = str(((job.get("departments") or [{}])[0] or {}).get("name") or "")
    company = department.split(" - ", 1)[0].strip().upper() if " - " in department else ""
    created = (job.get("audit") or {}).get("createdDateTime")
    year = str(dt.datetime.fromtimestamp(int(created) / 1000, dt.timezone.utc).year) if created else ""
    for kind, value in (
        ("job_number", job.get("jobNumber")),
        ("job_type", job.get("jobTypeName")),
        ("department", department),
    ):
        for wanted in (year, ""):
            for row in rows:
                if (
                    row["match_type"] == kind
                    and row["match_value"].strip().upper() == str(value or "").strip().upper()
                    and row["year"].strip() == ("" if kind == "job_number" else wanted)
                    and (kind != "job_type" or row["company_code"].strip().upper() == company)
                ):
                    return row["company_code"].strip(), row["spectrum_job_number"].strip()
    return None


def open_jobs_of_active_customers(data_dir: Path) -> set[str]:
    """BuildOps job numbers Spectrum still takes invoices on: the Spectrum job job_crosswalk.csv sends the job to is
    active (Status_Code A) and has an active customer (an umbrella job, which names no customer, is left out)."""
    spectrum = data_dir / "spectrum"
    with (spectrum / "CR_CUSTOMER_MASTER_MC.csv").open(newline="") as handle:
        active = {
            (r["Company_Code"].strip(), r["Customer_Code"].strip())
            for r in csv.DictReader(handle)
            if r["Status"].strip() == "A"
        }
    with (spectrum / "JC_JOB_MASTER_MC.csv").open(newline="") as handle:
        open_jobs = {
            (r["Company_Code"].strip(), r["Job_Number"].strip())
            for r in csv.DictReader(handle)
            if r["Status_Code"].strip() == "A" and (r["Company_Code"].strip(), r["Customer_Code"].strip()) in active
        }
    with (data_dir / "mapping" / "job_crosswalk.csv").open(newline="", encoding="utf-8") as handle:
        crosswalk = list(csv.DictReader(handle))
    jobs = [
        json.loads(line) for line in (data_dir / "buildops" / "jobs.jsonl").read_text().splitlines() if line.strip()
    ]
    return {str(job.get("jobNumber")) for job in jobs if _crosswalk_target(crosswalk, job) in open_jobs}


def add_fresh_invoices(data_dir: Path, count: int) -> list[str]:
    """Invoices Spectrum has not seen: clones of generated ones, new ids and numbers, issued on the as-of day."""
    path = data_dir / "buildops" / "invoices.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    issued = int(dt.datetime.combine(as_of(data_dir), dt.time(16), tzinfo=dt.timezone.utc).timestamp())
    open_jobs = open_jobs_of_active_customers(data_dir)
    templates = [
        r
        for r in rows
        if r.get("invoiceItems")
        and r.get("status") not in ("Draft", "Void")
        and r.get("jobNumber") in open_jobs
        and not (r.get("audit") or {}).get("deletedDateTime")
    ]
    assert len(templates) >= count, f"only {len(templates)} invoices on open jobs to clone"
    added = []
    for index, template in enumerate(templates[:count]):
        fresh = copy.deepcopy(template)
        fresh.update(
            id=str(uuid.UUID(int=index + 1, version=4)),
            invoiceNumber=FRESH_NUMBER.format(index),
            status="Posted",
            issuedDate=issued,
            postingDate=issued,
            dueDate=issued + 30 * 86400,
            closedDate=None,
            payments=[],
        )
        for n, item in enumerate(fresh["invoiceItems"]):
            item["id"] = str(uuid.UUID(int=(index + 1) * 1000 + n, version=4))
        rows.append(fresh)
        added.append(fresh["id"])
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return added


# ---------------------------------------------------------------------------------------------------------
# Connectors as processes (the Airbyte protocol on stdout, the Singer protocol on stdout)
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Run:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    messages: list[dict[str, Any]] = field(default_factory=list)

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m.get("type") == kind]

    @property
    def records(self) -> list[dict[str, Any]]:
        """Airbyte RECORD bodies ({stream, data, emitted_at}) or Singer RECORD messages."""
        return [m.get("record", m) for m in self.of_type("RECORD")]

    @property
    def states(self) -> list[dict[str, Any]]:
        return [m.get("state", m) for m in self.of_type("STATE")]

    @property
    def trace_errors(self) -> list[dict[str, Any]]:
        return [m["trace"]["error"] for m in self.of_type("TRACE") if m["trace"].get("type") == "ERROR"]

    @property
    def connection_status(self) -> dict[str, Any] | None:
        statuses = self.of_type("CONNECTION_STATUS")
        return statuses[-1]["connectionStatus"] if statuses else None

    def output(self) -> str:
        return self.stdout + "\n" + self.stderr


def parse_lines(text: str) -> list[dict[str, Any]]:
    messages = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(message, dict) and "type" in message:
            messages.append(message)
    return messages


def run_cli(
    args: Sequence[str],
    *,
    stdin: str | None = None,
    timeout: float = 300,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Run:
    full_env = {**os.environ, **(env or {})}
    completed = subprocess.run(
        list(args), input=stdin, capture_output=True, text=True, timeout=timeout, env=full_env, cwd=cwd
    )
    return Run(list(args), completed.returncode, completed.stdout, completed.stderr, parse_lines(completed.stdout))


def failure_text(run: Run) -> str:
    """What the user reads when a verb fails: TRACE error messages, a FAILED status message, and stderr."""
    parts = [e.get("message", "") for e in run.trace_errors]
    status = run.connection_status
    if status and status.get("status") == "FAILED":
        parts.append(status.get("message") or "")
    parts.append(run.stderr[-4000:])
    return "\n".join(parts)


def write_json(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document))
    return path


def configured_catalog(
    discovered: Mapping[str, Any],
    streams: Iterable[str] | None = None,
    *,
    incremental: bool = True,
) -> dict[str, Any]:
    """A configured catalog from a DISCOVER catalog: incremental where the stream supports it."""
    wanted = set(streams) if streams is not None else None
    configured = []
    for stream in discovered["streams"]:
        if wanted is not None and stream["name"] not in wanted:
            continue
        modes = stream.get("supported_sync_modes") or ["full_refresh"]
        mode = "incremental" if incremental and "incremental" in modes else "full_refresh"
        entry: dict[str, Any] = {
            "stream": stream,
            "sync_mode": mode,
            "destination_sync_mode": "append_dedup" if stream.get("source_defined_primary_key") else "append",
        }
        if stream.get("source_defined_primary_key"):
            entry["primary_key"] = stream["source_defined_primary_key"]
        if mode == "incremental" and stream.get("default_cursor_field"):
            entry["cursor_field"] = stream["default_cursor_field"]
        configured.append(entry)
    return {"streams": configured}


def discover(exe: str, config_file: Path) -> dict[str, Any]:
    run = run_cli([exe, "discover", "--config", str(config_file)], timeout=120)
    catalogs = run.of_type("CATALOG")
    assert catalogs, f"{exe} discover gave no CATALOG:\n{run.output()[-3000:]}"
    return catalogs[-1]["catalog"]


def primary_keys(discovered: Mapping[str, Any]) -> dict[str, list[str]]:
    """stream -> its primary key field paths, flattened to top-level field names."""
    keys = {}
    for stream in discovered["streams"]:
        pk = stream.get("source_defined_primary_key") or []
        keys[stream["name"]] = [path[0] if isinstance(path, list) else path for path in pk]
    return keys


def key_of(record: Mapping[str, Any], fields: Sequence[str]) -> tuple:
    return tuple(_canonical(record.get(name)) for name in fields)


def _canonical(value: Any) -> Any:
    return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else str(value)


def records_by_stream(records: Iterable[Mapping[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        grouped.setdefault(record["stream"], []).append(record["data"] if "data" in record else record["record"])
    return grouped


def keyed(
    records: Mapping[str, list[Mapping[str, Any]]], keys: Mapping[str, Sequence[str]]
) -> dict[str, dict[tuple, str]]:
    """stream -> {primary key: canonical JSON of the record}; later versions of a key win (dedup by PK)."""
    result: dict[str, dict[tuple, str]] = {}
    for stream, rows in records.items():
        fields = keys.get(stream) or []
        by_key = result.setdefault(stream, {})
        for row in rows:
            by_key[key_of(row, fields) if fields else (json.dumps(row, sort_keys=True),)] = json.dumps(
                row, sort_keys=True
            )
    return result


def scan_for_secrets(secrets: Iterable[str], texts: Mapping[str, str]) -> list[str]:
    """Which (secret, place) pairs leak: a name for every place a secret shows up."""
    leaks = []
    for place, text in texts.items():
        for secret in secrets:
            if secret and secret in text:
                leaks.append(f"{secret[:3]}... in {place}")
    return leaks


def files_text(root: Path) -> dict[str, str]:
    texts = {}
    if not root.exists():
        return texts
    for path in root.rglob("*"):
        if path.is_file() and path.stat().st_size < 20_000_000:
            texts[str(path)] = path.read_bytes().decode("utf-8", errors="replace")
    return texts


# ---------------------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> Path:
    """One generated contractor for the session; tests serve private copies of it."""
    return generate(tmp_path_factory.mktemp("generated") / "data")


@pytest.fixture(scope="session")
def clean_sandbox(generated, tmp_path_factory) -> Iterator[Sandbox]:
    """A fault-free server over a copy of the session's data (read-only use: nothing posts to it)."""
    data = copy_data(generated, tmp_path_factory.mktemp("clean") / "data")
    with serve(data) as sandbox:
        yield sandbox


@pytest.fixture
def private_data(generated, tmp_path) -> Path:
    """A private copy of the data, for a test that starts its own server (faults, postings, edits)."""
    return copy_data(generated, tmp_path / "data")


# ---------------------------------------------------------------------------------------------------------
# A real network fault: a loopback TCP proxy that cuts connections mid-stream
# ---------------------------------------------------------------------------------------------------------


class DroppingProxy:
    """Forwards 127.0.0.1:<port> to a target; resets a connection once it has carried `after_bytes` bytes from
    the server, `drops` times in all. What a database connection dropped by a firewall, a failover or a VPN
    blip looks like to the client: a TCP reset in the middle of a result set.

    Any connection can be the one cut (a client's first connection is often a short one: a login, a probe).
    The cut shuts the read side of both sockets down before closing: closing a socket another thread is
    blocked in recv() on sends nothing on Linux, and the client would wait for ever; shutdown wakes that
    thread, whose close then sends the RST (SO_LINGER 0) a dropped link produces.

    `silent=True` drops the link the other way, the way a VPN or a firewall ending an idle session does: from
    the cut on, nothing more is carried in either direction, and no reset or close ever reaches the client.
    """

    def __init__(self, target_host: str, target_port: int, *, after_bytes: int, drops: int = 1, silent: bool = False):
        self.target = (target_host, target_port)
        self.after_bytes = after_bytes
        self.silent = silent
        self._silenced: set[socket.socket] = set()  # both sockets of each silently dropped connection
        self.drops_left = drops
        self.dropped = 0
        self.connections = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stopping = False
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    def _accept_loop(self) -> None:
        while not self._stopping:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            try:
                upstream = socket.create_connection(self.target, timeout=10)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            threading.Thread(target=self._pipe, args=(client, upstream, None), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, self.after_bytes), daemon=True).start()

    def _pipe(self, source, sink, cut_after) -> None:
        carried = 0
        try:
            while True:
                chunk = source.recv(65536)
                if not chunk:
                    break
                if source in self._silenced or sink in self._silenced:
                    continue  # a silently dropped link: what is sent is lost, and nobody is told
                if cut_after is not None and carried + len(chunk) >= cut_after:
                    with self._lock:
                        doomed = self.drops_left > 0
                        if doomed:
                            self.drops_left -= 1
                            self.dropped += 1
                    if doomed and self.silent:
                        sink.sendall(chunk[: max(0, cut_after - carried)])
                        self._silenced.update((source, sink))
                        cut_after = None
                        continue
                    if doomed:
                        sink.sendall(chunk[: max(0, cut_after - carried)])
                        for sock in (source, sink):
                            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                            with suppress(OSError):
                                sock.shutdown(socket.SHUT_RD)
                        return
                    cut_after = None
                sink.sendall(chunk)
                carried += len(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with suppress(OSError):
                    sock.close()

    def close(self) -> None:
        self._stopping = True
        self._listener.close()
