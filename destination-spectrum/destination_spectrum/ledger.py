"""The posting ledger: DuckDB table tieout_ledger.postings (contract in docs/ARCHITECTURE.md).

One row per input record, keyed by (source_stream, tenant_id, source_key), in exactly one state:
posted (with Spectrum batch and document), held (reason) or rejected (Spectrum's Error_Description or the
parse error), or changed_after_posting (posted, then edited or voided in BuildOps: the row keeps the document
Spectrum holds, `posted_amount` is its total and `amount` the new BuildOps total). A held or rejected record is
evaluated again when it arrives again; a posted one is compared with `content_fingerprint` (what was posted).

Beside it (additions, read by nobody but this package and the subledger drill-down):
- tieout_ledger.posting_lines: every line of every posted document (daily summary drill-down: ticket line ->
  summary document), with the phase x cost type it was distributed to;
- tieout_ledger.pending_documents: the write-ahead intent written before each Spectrum call and removed when
  its outcome is in the ledger. A leftover intent means the run died between the call and the ledger write:
  the next run asks Spectrum whether that document landed before deciding anything else;
- tieout_ledger.jobs: the BuildOps jobs seen, so invoices synced later still find their job type.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
from tieout_core import ConfigError, ConnectorError

from destination_spectrum.ledger_schema import DDL, POSTINGS_COLUMNS, SCHEMA, migrate

# Verdicts whose row names a document Spectrum holds.
IN_SPECTRUM = ("posted", "changed_after_posting")


@dataclass(frozen=True)
class Outcome:
    """The final state of one input record."""

    source_stream: str
    source_key: str
    tenant_id: str
    state: str
    reason: str = ""
    company_code: str = ""
    spectrum_batch: str = ""
    spectrum_document: str = ""
    posting_mode: str = ""
    summary_key: str = ""
    amount: Decimal | None = None
    content_fingerprint: str = ""  # of what Spectrum holds for this record (posted and changed_after_posting)
    posted_amount: Decimal | None = None  # the total Spectrum holds (posted and changed_after_posting)
    posted_document: str = ""  # the detail document as posted (JSON), so a correction reverses exactly it


@dataclass(frozen=True)
class Known:
    """What the ledger holds for one record."""

    state: str
    spectrum_document: str = ""
    company_code: str = ""
    spectrum_batch: str = ""
    posting_mode: str = ""
    summary_key: str = ""
    amount: Decimal | None = None
    content_fingerprint: str = ""
    posted_amount: Decimal | None = None
    posted_document: str = ""
    reason: str = ""


@dataclass(frozen=True)
class PostedLine:
    source_stream: str
    source_key: str
    tenant_id: str
    line_no: int
    company_code: str
    spectrum_document: str
    phase_code: str
    cost_type: str
    description: str
    amount: Decimal


@dataclass(frozen=True)
class PendingDocument:
    kind: str  # AR or AP
    company_code: str
    vendor_code: str
    spectrum_document: str
    identity: str
    payload: dict


class LedgerWriteError(ConnectorError):
    """The ledger file could not be written (a full disk, a lost mount): the real I/O error, named."""


def ledger_path_problem(path: str | Path) -> str | None:
    """Why the ledger cannot be written at `path`, or None. `check` asks before any `write` does: a probe file
    is created (and removed) in the nearest existing folder, which also catches a read-only mount as root."""
    path = Path(path)
    if str(path) == ":memory:":
        return None
    fix = "set ledger_path to a file in a folder this user can write (it is created if missing)"
    if path.is_dir():
        return f"ledger_path {path} is a folder; {fix}, e.g. {path / 'tieout_ledger.duckdb'}"
    if path.exists() and not os.access(path, os.W_OK):
        return f"ledger_path {path} is not writable by this user; {fix}"
    folder = path.parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        return f"ledger_path {path} cannot be created: {folder} is a file, not a folder; {fix}"
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        return f"ledger_path {path} cannot be written ({exc.strerror or exc} in {folder}); {fix}"
    return None


def _open(path: str) -> duckdb.DuckDBPyConnection:
    """The ledger file attached under a fixed catalog name, not its file name: DuckDB names a database after
    its file, and a file called tieout_ledger.duckdb (the sandbox's default) would make `tieout_ledger.postings`
    ambiguous between that catalog and the schema. transforms attaches it under the same name."""
    if path == ":memory:":
        return duckdb.connect(path)
    con = duckdb.connect(":memory:")
    con.execute(f"ATTACH '{path.replace(chr(39), chr(39) * 2)}' AS tieout_ledger_file")
    con.execute("USE tieout_ledger_file")
    return con


class Ledger:
    def __init__(self, path: str | Path, run_id: str):
        self.path = str(path)
        problem = ledger_path_problem(self.path)
        if problem:
            raise ConfigError(problem)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.run_id = run_id
        self._con = _open(self.path)
        self._lock = threading.Lock()
        with self._transaction():
            self._con.execute(DDL)
            migrate(self._con)

    def close(self) -> None:
        if self._con is not None:
            con, self._con = self._con, None
            # Closing checkpoints the WAL; on a full disk that fails, but every committed transaction is already
            # in the WAL and is replayed by the next open: nothing is lost by not checkpointing now.
            with contextlib.suppress(duckdb.Error):
                con.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """One transaction; a failure surfaces as itself. On an I/O error DuckDB has already ended the
        transaction, so a plain ROLLBACK would raise "cannot rollback - no transaction is active" and hide
        the real cause (a full disk): the rollback's own failure is ignored, the original error is raised."""
        self._con.execute("BEGIN")
        try:
            yield
            self._con.execute("COMMIT")
        except BaseException as exc:
            with contextlib.suppress(duckdb.Error):
                self._con.execute("ROLLBACK")
            # A failed write can also come back as a TransactionException ("Failed to commit: Could not write
            # file ...": the WAL is written at COMMIT), so the text is looked at too.
            if isinstance(exc, (duckdb.IOException, duckdb.FatalException, OSError)) or (
                isinstance(exc, duckdb.Error) and "Could not write" in str(exc)
            ):
                raise LedgerWriteError(
                    f"the ledger {self.path} could not be written: {exc}. Nothing after the last acknowledged "
                    f"STATE is lost: a document Spectrum took meanwhile is settled from its intent on the next run. "
                    f"Free space on that disk (or point ledger_path at another), then sync again"
                ) from exc
            raise

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        """Read-only helper for reports and tests (the ledger holds the only connection to its file)."""
        with self._lock:
            return self._con.execute(sql, list(params)).fetchall()

    # -- reads -------------------------------------------------------------------------------------
    def states(self, source_stream: str, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, str]]:
        """(tenant_id, source_key) -> (state, spectrum_document) for the keys already in the ledger."""
        return {key: (row.state, row.spectrum_document) for key, row in self.known(source_stream, keys).items()}

    def known(self, source_stream: str, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Known]:
        """(tenant_id, source_key) -> the ledger row, for the keys already in the ledger."""
        wanted = set(keys)
        if not wanted:
            return {}
        keys = sorted({k for _, k in wanted})
        rows: list[tuple] = []
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                rows += self._con.execute(
                    f"""SELECT tenant_id, source_key, state, coalesce(spectrum_document, ''),
                               coalesce(company_code, ''), coalesce(spectrum_batch, ''), coalesce(posting_mode, ''),
                               coalesce(summary_key, ''), amount, coalesce(content_fingerprint, ''), posted_amount,
                               coalesce(posted_document, ''), coalesce(reason, '')
                        FROM {SCHEMA}.postings
                        WHERE source_stream = ? AND source_key IN ({", ".join("?" for _ in chunk)})""",
                    [source_stream, *chunk],
                ).fetchall()
        return {(t, k): Known(*rest) for t, k, *rest in rows if (t, k) in wanted}

    def document_owner(self, company_code: str, document: str) -> set[str]:
        """Which identities (source keys or summary keys) a posted AR document belongs to."""
        with self._lock:
            rows = self._con.execute(
                f"""SELECT DISTINCT CASE WHEN posting_mode = 'daily_summary' THEN summary_key ELSE source_key END
                    FROM {SCHEMA}.postings
                    WHERE company_code = ? AND spectrum_document = ?
                      AND state IN ('posted', 'changed_after_posting') AND source_stream <> 'sub_bills'""",
                [company_code, document],
            ).fetchall()
        return {r[0] for r in rows}

    def summary_parts(self, summary_key: str) -> int:
        """How many summary documents this company x customer x job x day already has."""
        with self._lock:
            row = self._con.execute(
                f"""SELECT count(DISTINCT spectrum_document) FROM {SCHEMA}.postings
                    WHERE summary_key = ? AND state IN ('posted', 'changed_after_posting')""",
                [summary_key],
            ).fetchone()
        return int(row[0]) if row else 0

    def pending(self) -> list[PendingDocument]:
        with self._lock:
            rows = self._con.execute(
                f"""SELECT kind, company_code, vendor_code, spectrum_document, identity, payload
                    FROM {SCHEMA}.pending_documents ORDER BY created_at"""
            ).fetchall()
        return [PendingDocument(k, c, v, d, i, json.loads(p)) for k, c, v, d, i, p in rows]

    def jobs(
        self, tenant_ids: Iterable[str] | None = None
    ) -> dict[tuple[str, str], tuple[str, str, str, str, str, int | None]]:
        """(tenant, job id) -> (number, type, customer, status, department, created year)."""
        with self._lock:
            rows = self._con.execute(
                f"SELECT tenant_id, job_id, job_number, job_type, customer_id, status, department, created_year "
                f"FROM {SCHEMA}.jobs"
            ).fetchall()
        return {(t, j): (n or "", jt or "", c or "", s or "", d or "", y) for t, j, n, jt, c, s, d, y in rows}

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._con.execute(f"SELECT state, count(*) FROM {SCHEMA}.postings GROUP BY state").fetchall()
        return dict(rows)

    # -- writes (each call is one transaction, durable when it returns) ------------------------------
    def remember_jobs(self, jobs: Sequence[tuple[str, str, str, str, str, str, str, int | None]]) -> None:
        if not jobs:
            return
        with self._lock, self._transaction():
            _insert_many(self._con, f"INSERT OR REPLACE INTO {SCHEMA}.jobs", list(jobs))

    def add_pending_many(self, documents: Sequence[PendingDocument]) -> None:
        """Intents are durable before any of their Spectrum calls is made (one transaction)."""
        if not documents:
            return
        now = _now()
        with self._lock, self._transaction():
            _insert_many(
                self._con,
                f"INSERT OR REPLACE INTO {SCHEMA}.pending_documents",
                [
                    [
                        d.kind,
                        d.company_code,
                        d.vendor_code,
                        d.spectrum_document,
                        d.identity,
                        json.dumps(d.payload, default=str),
                        now,
                        self.run_id,
                    ]
                    for d in documents
                ],
            )

    def record(
        self,
        outcomes: Sequence[Outcome],
        lines: Sequence[PostedLine] = (),
        clear_pending: PendingDocument | Sequence[PendingDocument] | None = None,
    ) -> None:
        """Write outcomes (and the posted lines) and drop the intent they settle, in one transaction."""
        now = _now()
        with self._lock, self._transaction():
            _insert_many(
                self._con,
                f"INSERT OR REPLACE INTO {SCHEMA}.postings ({', '.join(POSTINGS_COLUMNS)})",
                [
                    [
                        o.source_stream,
                        o.source_key,
                        o.tenant_id,
                        o.company_code or None,
                        o.state,
                        o.reason or None,
                        o.spectrum_batch or None,
                        o.spectrum_document or None,
                        o.posting_mode or None,
                        o.summary_key or None,
                        o.amount,
                        now,
                        self.run_id,
                        o.content_fingerprint or None,
                        o.posted_amount,
                        o.posted_document or None,
                    ]
                    for o in outcomes
                ],
            )
            if lines:
                _insert_many(
                    self._con,
                    f"INSERT OR REPLACE INTO {SCHEMA}.posting_lines",
                    [
                        [
                            x.source_stream,
                            x.source_key,
                            x.tenant_id,
                            x.line_no,
                            x.company_code,
                            x.spectrum_document,
                            x.phase_code,
                            x.cost_type,
                            x.description,
                            x.amount,
                            self.run_id,
                        ]
                        for x in lines
                    ],
                )
            cleared = [clear_pending] if isinstance(clear_pending, PendingDocument) else list(clear_pending or [])
            for start in range(0, len(cleared), 200):
                chunk = cleared[start : start + 200]
                self._con.execute(
                    f"""DELETE FROM {SCHEMA}.pending_documents
                        WHERE (kind, company_code, vendor_code, spectrum_document) IN
                        ({", ".join("(?, ?, ?, ?)" for _ in chunk)})""",
                    [v for d in chunk for v in (d.kind, d.company_code, d.vendor_code, d.spectrum_document)],
                )

    def drop_pending(self, document: PendingDocument) -> None:
        with self._lock, self._transaction():
            self._con.execute(
                f"""DELETE FROM {SCHEMA}.pending_documents
                    WHERE kind = ? AND company_code = ? AND vendor_code = ? AND spectrum_document = ?""",
                [document.kind, document.company_code, document.vendor_code, document.spectrum_document],
            )


def _insert_many(con: duckdb.DuckDBPyConnection, insert: str, rows: Sequence[Sequence[object]]) -> None:
    """Multi-row VALUES statements: DuckDB's executemany runs one statement per row, far slower."""
    if not rows:
        return
    width = len(rows[0])
    marks = "(" + ", ".join("?" for _ in range(width)) + ")"
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        con.execute(f"{insert} VALUES " + ", ".join(marks for _ in chunk), [value for row in chunk for value in row])


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
