"""What a connector declares about each stream, independent of transport and of protocol.

A stream is a name, its keys, its JSON schema file and a `read` function. `read(state)` is a generator of
records (plain dicts) interleaved with `Checkpoint(state)` markers. A checkpoint promises: "if the sync
stops after this point, restarting with this state loses nothing". The adapters emit that state at their
own cadence (Airbyte every N records, Singer every N records) and always at the end. Read functions may
call HTTP, SQL, SOAP or files: the core does not care.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from tieout_core._state import low_water_mark


@dataclass(frozen=True)
class Checkpoint:
    """A state that is safe to persist: every record it accounts for has already been yielded."""

    state: dict[str, Any]


Record = Mapping[str, Any]
ReadItem = Record | Checkpoint
ReadFunction = Callable[..., Iterator[ReadItem]]  # read(state), or read(state, parents) for a driven child


@dataclass(frozen=True)
class StreamDeclaration:
    """One stream. `cursor_field` is a path (`("audit", "lastUpdatedDateTime")`) or None for full refresh.

    `parent` names the stream whose records this one is derived from. With `parent_keys` (the fields of a
    parent record the child needs, such as `("id",)`) the core drives the child: its read function is
    `read(state, parents)`, where `parents` yields those fields of every parent record, taken from the parent's
    own pass in the same sync when it made a full one, so the parent is listed once (see `tieout_core._family`).
    Without `parent_keys`, `parent` is documentation and the read function does the joining.

    `checkpoint_every` is the number of records between state messages the adapters emit, on top of one at the
    end of the stream. `check_state`, when set, raises `StateShapeError` for a saved state the read function
    could not use: the adapters call it on every stream's state before reading anything, so a damaged state
    file is a config error naming the file, not a crash in the middle of a sync. `bookmark_value(state)` is the
    Singer bookmark's `replication_key_value` for a state the read function checkpointed (default: the
    low-water mark of a state kept per tenant or company).
    """

    name: str
    primary_key: tuple[str, ...]
    schema_path: Path
    read: ReadFunction = field(compare=False, repr=False)
    cursor_field: tuple[str, ...] | None = None
    parent: str | None = None
    parent_keys: tuple[str, ...] | None = None
    description: str = ""
    checkpoint_every: int = 500
    check_state: Callable[[Mapping[str, Any]], None] | None = field(default=None, compare=False, repr=False)
    bookmark_value: Callable[[Mapping[str, Any]], Any] = field(default=low_water_mark, compare=False, repr=False)

    @cached_property
    def json_schema(self) -> dict[str, Any]:
        return json.loads(self.schema_path.read_text())

    def __post_init__(self) -> None:
        if self.parent_keys is not None and not self.parent:
            raise ValueError(f"stream {self.name!r} has parent_keys but no parent: name the parent stream")

    @property
    def incremental(self) -> bool:
        return self.cursor_field is not None


def load_schema(directory: Path, stream_name: str) -> Path:
    """The conventional place of a stream's schema: `<package>/schemas/<stream>.json`."""
    path = directory / f"{stream_name}.json"
    if not path.exists():
        raise FileNotFoundError(f"no JSON schema for stream {stream_name!r} at {path}")
    return path


def records_applying_checkpoints(
    items: Iterator[ReadItem], on_checkpoint: Callable[[dict[str, Any]], None]
) -> Iterator[Record]:
    """Yield records, calling `on_checkpoint` for each Checkpoint *before* the record it follows is handed on.

    Hosts ask for state right after receiving a record. Holding one record back until we know whether a
    checkpoint follows it means that state already accounts for that record, instead of lagging a page.
    """
    pending: Record | None = None
    for item in items:
        if isinstance(item, Checkpoint):
            on_checkpoint(item.state)
            if pending is not None:
                yield pending
                pending = None
        else:
            if pending is not None:
                yield pending
            pending = item
    if pending is not None:
        yield pending
