"""Decisions: the desk's only write. One append-only row per decision in `<desk_schema>.decisions`, the table
the dbt project's hooks create and its views read (transforms/macros/desk.sql holds the same DDL; a test
holds the two equal). Nothing here updates or deletes a row: the latest decision on a subject is in force."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import duckdb

STATUSES = {
    "exception": ("open", "acknowledged", "resolved", "waived"),
    "close_step": ("prepared", "reviewed"),
}
NEEDS_REASON = frozenset({"resolved", "waived"})
BUILD = "tieout build"  # the name the dbt build decides under; no person may use it

DECISION_COLUMNS = (
    ("decision_id", "varchar not null primary key"),
    ("decided_at", "timestamp not null"),
    ("decided_by", "varchar not null"),
    ("subject_kind", "varchar not null"),
    ("subject_id", "varchar not null"),
    ("status", "varchar not null"),
    ("reason", "varchar"),
    ("note", "varchar"),
)
SIGHTING_COLUMNS = (
    ("exception_id", "varchar not null primary key"),
    ("exception_type", "varchar not null"),
    ("company_code", "varchar"),
    ("close_step", "varchar"),
    ("occurred_on", "date"),
    ("amount_at_stake", "decimal(18, 2)"),
    ("first_seen_at", "timestamp not null"),
    ("first_seen_build", "varchar not null"),
)


class DecisionError(ValueError):
    """A decision the desk refuses; the message names the field and the fix."""


@dataclass(frozen=True)
class Decision:
    subject_kind: str
    subject_id: str
    status: str
    decided_by: str
    reason: str = ""
    note: str = ""

    def validated(self) -> Decision:
        who = " ".join(self.decided_by.split())
        if not who:
            raise DecisionError("name: say who decides (your name), so the decision can be traced to a person")
        if who.casefold() == BUILD:
            raise DecisionError(f"name: '{BUILD}' is the name builds decide under; use your own name")
        allowed = STATUSES.get(self.subject_kind)
        if allowed is None:
            raise DecisionError(f"subject_kind '{self.subject_kind}': use exception or close_step")
        if self.status not in allowed:
            subject = {"exception": "an exception", "close_step": "a close step"}[self.subject_kind]
            raise DecisionError(f"status '{self.status}': a decision on {subject} is one of {', '.join(allowed)}")
        reason = self.reason.strip()
        if self.status in NEEDS_REASON and not reason:
            raise DecisionError(f"reason: say why the exception is {self.status}; the auditor reads it")
        if not self.subject_id.strip():
            raise DecisionError("subject: say which exception or close step the decision is about")
        return Decision(self.subject_kind, self.subject_id, self.status, who, reason, self.note.strip())


def ensure_tables(con: duckdb.DuckDBPyConnection, schema: str) -> None:
    """Create the desk's tables when no build has yet (the build's hook creates the same ones)."""
    con.execute(f"create schema if not exists {schema}")
    for table, columns in (("decisions", DECISION_COLUMNS), ("exception_sightings", SIGHTING_COLUMNS)):
        con.execute(f"create table if not exists {schema}.{table} ({', '.join(f'{n} {t}' for n, t in columns)})")


def record(con: duckdb.DuckDBPyConnection, schema: str, decision: Decision, now: dt.datetime | None = None) -> str:
    """Append one validated decision and return its id; `now` is UTC (naive, as the build writes it)."""
    d = decision.validated()
    decision_id = str(uuid.uuid4())
    at = (now or dt.datetime.now(dt.timezone.utc)).replace(tzinfo=None)
    con.execute(
        f"insert into {schema}.decisions values (?, ?, ?, ?, ?, ?, ?, ?)",
        [decision_id, at, d.decided_by, d.subject_kind, d.subject_id, d.status, d.reason or None, d.note or None],
    )
    return decision_id
