"""Incremental cursors over unsorted pages, with a lookback window and exact boundary semantics.

APIs like BuildOps have no sort parameter, so the newest record may come on the first page or the last.
`WatermarkCursor` therefore keeps three things per partition (a tenant, a company):

- `watermark`: every change at or before it has been emitted. It only advances when a pass over the
  data completes, and never past the moment that pass started, so a record changed *during* a pass
  (on a page already read) is picked up by the next run instead of being lost.
- `recent`: the keys emitted with a cursor value inside the lookback window below the watermark, with
  that value. The next run reads from `watermark - lookback` (late arrivals and clock skew are caught)
  but skips a record whose key was already emitted with the same cursor value. So rows sharing the
  cursor value are neither lost (`>=`, not `>`) nor repeated run after run (the `recent` check).
- `resume`: while a pass is running, the next page to read and the pass's start time and max value.
  A killed sync restarts at that page with the old lower bound. Pages only shift forward when records
  are inserted (deletes are soft), so a resume can repeat a few rows but cannot skip one.

State is JSON: ISO 8601 UTC strings with milliseconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any


def to_iso(moment: datetime) -> str:
    """ISO 8601 UTC text with milliseconds (`2026-11-30T17:02:11.000Z`), the form state keeps."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def from_iso(text: str) -> datetime:
    """A timezone-aware UTC datetime from ISO 8601 text (`Z` or an offset; naive text is taken as UTC)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


STATE_FIX = (
    "remove the file (or leave out --state) to start a full sync, or restore it from the last STATE "
    "messages a sync emitted"
)


class StateShapeError(ValueError):
    """A saved state whose outer shape is right (a STATE message for a known stream) but whose inside is not
    what this connector writes: says where in the state and what was expected. The adapters add the file."""


def stream_state_problem(connector_name: str, stream: str, error: StateShapeError) -> str:
    """How both adapters describe a stream state of the wrong inner shape (after `The state file <path>`)."""
    return f"holds a state for stream '{stream}' that {connector_name} did not write ({error})"


def expect_mapping(value: Any, where: str) -> Mapping[str, Any]:
    """`value` when it is an object, else a StateShapeError saying where and what was expected."""
    if not isinstance(value, Mapping):
        raise StateShapeError(f"{where} is {_shown(value)}, expected an object")
    return value


def expect_optional(value: Any, where: str, check: Any) -> None:
    if value is not None:
        check(value, where)


def expect_iso(value: Any, where: str) -> None:
    try:
        if not isinstance(value, str):
            raise ValueError
        from_iso(value)
    except ValueError:
        raise StateShapeError(f"{where} is {_shown(value)}, expected an ISO 8601 timestamp") from None


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_watermark_state(state: Any, where: str) -> None:
    """Raise StateShapeError unless `state` is what `WatermarkCursor` writes (or empty)."""
    if state is None:
        return
    state = expect_mapping(state, where)
    expect_optional(state.get("watermark"), f"{where}.watermark", expect_iso)
    recent = expect_mapping(state.get("recent") or {}, f"{where}.recent")
    for key, value in recent.items():
        expect_iso(value, f"{where}.recent[{key!r}]")
    resume = expect_mapping(state.get("resume") or {}, f"{where}.resume")
    page = resume.get("page")
    if page is not None and (not isinstance(page, int) or isinstance(page, bool) or page < 0):
        raise StateShapeError(f"{where}.resume.page is {_shown(page)}, expected a page number (0 or more)")
    expect_optional(resume.get("started_at"), f"{where}.resume.started_at", expect_iso)
    expect_optional(resume.get("max_seen"), f"{where}.resume.max_seen", expect_iso)


def state_key(key: Any) -> str:
    """A record key as the state keeps it. State is JSON, whose object keys are text: an integer id saved as 1042
    comes back as "1042", and compared as an int it would never match, so the boundary record would be sent again
    every run. Integers (`1042`) are therefore kept as their decimal text; any other non-text key is refused,
    since no one spelling of it survives the round trip (pass `str(...)` of a value that identifies the record).
    """
    if isinstance(key, str):
        return key
    if isinstance(key, int) and not isinstance(key, bool):
        return str(key)
    raise TypeError(
        f"WatermarkCursor keys must be text or integers (state is JSON, whose object keys are text), not"
        f" {type(key).__name__} {_shown(key)}: pass the record's id, or str() of a value that identifies it"
    )


class WatermarkCursor:
    """Client-side (or server-assisted) incremental cursor for one partition. See the module docstring."""

    def __init__(
        self,
        state: Mapping[str, Any] | None,
        *,
        start: datetime,
        lookback: timedelta,
        now: datetime | None = None,
    ):
        state = dict(state or {})
        self.lookback = lookback
        self.watermark = from_iso(state["watermark"]) if state.get("watermark") else None
        self.recent: dict[str, str] = dict(state.get("recent") or {})
        resume = state.get("resume") or {}
        self.resume_page: int | None = resume.get("page")
        self.started_at = from_iso(resume["started_at"]) if resume.get("started_at") else (now or utc_now())
        self.max_seen = from_iso(resume["max_seen"]) if resume.get("max_seen") else None
        # A watermark after this pass's start (a hand-edited state, a clock set back) would hide every change
        # until the clock caught up with it: read from the pass's start instead; the caller warns.
        self.future_watermark: datetime | None = None
        if self.watermark and self.watermark > self.started_at:
            self.future_watermark, self.watermark = self.watermark, self.started_at
        self.lower_bound = (self.watermark - lookback) if self.watermark else start
        self._emitted: dict[str, datetime] = {}

    def is_new(self, key: str | int, value: datetime) -> bool:
        """Whether a record with this key and cursor value still has to be emitted. Keys are text (see `state_key`)."""
        if value < self.lower_bound:
            return False
        return self.recent.get(state_key(key)) != to_iso(value)

    def observe(self, key: str | int, value: datetime) -> None:
        """Record that this key was emitted (or seen) with this cursor value in the current pass."""
        if self.max_seen is None or value > self.max_seen:
            self.max_seen = value
        self._emitted[state_key(key)] = value
        if len(self._emitted) > 4096 and len(self._emitted) % 4096 == 0:
            self._prune()

    def checkpoint(self, next_page: int) -> dict[str, Any]:
        """State to persist after a page: same lower bound, resume at `next_page`."""
        return {
            "watermark": to_iso(self.watermark) if self.watermark else None,
            "recent": dict(self.recent),
            "resume": {
                "page": next_page,
                "started_at": to_iso(self.started_at),
                "max_seen": to_iso(self.max_seen) if self.max_seen else None,
            },
        }

    def complete(self) -> dict[str, Any]:
        """State after a full pass: watermark advanced (capped at the pass start), resume cleared."""
        new_watermark = self._candidate_watermark()
        floor = new_watermark - self.lookback if new_watermark else None
        recent = {k: v for k, v in self.recent.items() if floor is None or from_iso(v) >= floor}
        recent.update({k: to_iso(v) for k, v in self._emitted.items() if floor is None or v >= floor})
        return {"watermark": to_iso(new_watermark) if new_watermark else None, "recent": recent}

    def _candidate_watermark(self) -> datetime | None:
        if self.max_seen is None:
            return self.watermark
        candidate = min(self.max_seen, self.started_at)
        if self.watermark and self.watermark > candidate:
            return self.watermark
        return candidate

    def _prune(self) -> None:
        # Anything below (candidate watermark - lookback) can never be needed in `recent` again,
        # because the final watermark is at least the current candidate.
        candidate = self._candidate_watermark()
        if candidate is None:
            return
        floor = candidate - self.lookback
        self._emitted = {k: v for k, v in self._emitted.items() if v >= floor}


def low_water_mark(state: Mapping[str, Any]) -> Any:
    """The cursor value at or before which every partition of a state has emitted everything, or None.

    States are laid out per partition, as the connectors keep them: `{"tenants": {<id>: {"watermark": ...}}}`
    (a `WatermarkCursor` each) or `{"companies": {<code>: {"cursor": ...}}}`. The lowest value wins; a partition
    without one yet (its first pass not complete) means there is none. Values compare as they are stored
    (ISO 8601 text of one format sorts in time order). A single `WatermarkCursor`'s state (no partitions) has
    its own watermark.
    """
    if "watermark" in state and not isinstance(state["watermark"], Mapping):
        return state["watermark"]
    values = [
        cursor.get("watermark", cursor.get("cursor"))
        for partitions in state.values()
        if isinstance(partitions, Mapping)
        for cursor in partitions.values()
        if isinstance(cursor, Mapping)
    ]
    return min(values) if values and None not in values else None
