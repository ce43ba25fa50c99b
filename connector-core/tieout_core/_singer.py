"""Adapter: a ConnectorDefinition as a singer-sdk `Tap` whose streams are our declarations.

singer-sdk writes every SCHEMA/RECORD/STATE message and handles `--about/--discover/--catalog/--state`.
A stream with a cursor is discovered as INCREMENTAL with its `replication_key`. Singer replication keys are
top-level properties, so for a nested cursor (`audit.lastUpdatedDateTime`) the stream carries a copy of it at
the top level, named as singer-sdk's flattening names it (`audit__lastUpdatedDateTime`).

The bookmark of each stream is a standard one, which `meltano state get/set` reads and writes:

    {"replication_key": "audit__lastUpdatedDateTime",
     "replication_key_value": "2026-11-30T17:02:11.000Z",     # everything at or before it has been emitted
     "cursor_state": {"tenants": {"<id>": {"watermark": ..., "recent": ..., "resume": ...}}}}

`cursor_state` is the read function's own state (per tenant or company: see `tieout_core._state`), flushed
every `checkpoint_every` records and at the end; `replication_key_value` is its low-water mark
(`StreamDeclaration.bookmark_value`). Changing `replication_key_value` by hand (`meltano state set`) moves every
partition in `cursor_state` to that value. A bookmark written before 0.1.0 (the cursor state alone under
`tieout`) resumes as it was. With state a sync resumes; without it (Meltano `--full-refresh`) it reads
everything.
"""

from __future__ import annotations

import copy
import logging
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from importlib import metadata
from typing import Any

from singer_sdk import Stream, Tap
from singer_sdk.exceptions import ConfigValidationError

from tieout_core._config import config_json_schema
from tieout_core._connector import ConnectorDefinition
from tieout_core._declarations import StreamDeclaration, records_applying_checkpoints
from tieout_core._errors import ConfigError, ConnectorError
from tieout_core._family import Family
from tieout_core._state import STATE_FIX, StateShapeError, stream_state_problem

STATE_KEY = "cursor_state"
LEGACY_STATE_KEY = "tieout"  # before 0.1.0: the cursor state alone, under a private key
PARTITION_CURSOR_KEYS = ("watermark", "cursor")  # WatermarkCursor's, and a plain per-partition cursor's


def replication_key(declaration: StreamDeclaration) -> str | None:
    """The top-level property Singer names as the replication key (`a__b` for a nested cursor `a.b`)."""
    return "__".join(declaration.cursor_field) if declaration.cursor_field else None


def starting_state(bookmark: Mapping[str, Any], declaration: StreamDeclaration) -> Any:
    """The read function's state from a Singer bookmark: ours, the pre-0.1.0 layout, or one edited by hand.

    Anything that is not a state this connector wrote is handed on unchanged, for `check_state` to name.
    """
    if LEGACY_STATE_KEY in bookmark and STATE_KEY not in bookmark:
        return bookmark[LEGACY_STATE_KEY] or {}
    state = bookmark.get(STATE_KEY) or {}
    wanted = bookmark.get("replication_key_value")
    if wanted is None or not state or not isinstance(state, Mapping):
        return state
    try:
        written = declaration.bookmark_value(state)
    except (TypeError, ValueError, AttributeError):
        return state  # a damaged state: check_state says what is wrong with it
    return state if wanted == written else moved_to(state, wanted)


def moved_to(state: Mapping[str, Any], value: Any) -> dict[str, Any]:
    """Every partition restarts from `value` (a `meltano state set` rewind or skip); in-pass detail is dropped."""
    if "watermark" in state and not isinstance(state["watermark"], Mapping):
        return {"watermark": value}  # one cursor, no partitions
    moved: dict[str, Any] = {}
    for kind, partitions in state.items():
        if isinstance(partitions, Mapping):
            moved[kind] = {
                partition: {key: value for key in PARTITION_CURSOR_KEYS if key in cursor} or {"watermark": value}
                for partition, cursor in partitions.items()
                if isinstance(cursor, Mapping)
            }
    return moved


class DeclaredSingerStream(Stream):
    def __init__(self, tap: Tap, declaration: StreamDeclaration, family: Family | None = None):
        self.declaration = declaration
        self.family = family or Family([declaration])
        self.STATE_MSG_FREQUENCY = declaration.checkpoint_every
        key = replication_key(declaration)
        cursor = declaration.cursor_field
        self._copied_cursor = cursor if cursor is not None and len(cursor) > 1 else None
        schema = declaration.json_schema
        if self._copied_cursor is not None and key is not None:
            copied = _property_at(schema, self._copied_cursor)
            schema = {**schema, "properties": {**schema["properties"], key: copied}}
        super().__init__(tap, schema=schema, name=declaration.name)
        self.primary_keys = list(declaration.primary_key)
        self.replication_key = key  # INCREMENTAL (singer-sdk derives the method from the key)

    def get_replication_key_signpost(self, context: Any = None) -> None:
        return None  # our cursors already stop at the moment their pass started (tieout_core._state)

    def _increment_stream_state(self, latest_record: Any, *, context: Any = None) -> None:
        """The read function keeps the cursor (its checkpoints); the SDK's per-record maximum is not used."""

    def start_state(self) -> Any:
        """Our read function's state, as the last sync left it (see `starting_state`)."""
        return starting_state(self.stream_state, self.declaration)

    def get_records(self, context: Mapping[str, Any] | None) -> Iterable[dict[str, Any]]:
        start = self.start_state()
        records = records_applying_checkpoints(self.family.read(self.declaration, start), self._set_state)
        records = self.family.passing(self.declaration, records, full_pass=not start)
        if self._copied_cursor is None:
            yield from map(dict, records)
        else:
            yield from _with_top_level_cursor(records, self._copied_cursor, self.replication_key)

    def _set_state(self, state: dict[str, Any]) -> None:
        bookmark = self.stream_state
        bookmark.pop(LEGACY_STATE_KEY, None)
        bookmark[STATE_KEY] = state
        if self.replication_key:
            bookmark["replication_key"] = self.replication_key
            bookmark["replication_key_value"] = self.declaration.bookmark_value(state)
        manager = getattr(self, "state_manager", None)  # singer-sdk 0.54; 0.53 keeps the flag on the stream
        if manager is not None:
            manager.is_flushed = False
        else:
            self._is_state_flushed = False


def _property_at(schema: Mapping[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    node: Mapping[str, Any] = schema
    for part in path:
        node = (node.get("properties") or {}).get(part) or {}
    return dict(node) or {"type": ["string", "null"], "format": "date-time"}


def _with_top_level_cursor(records: Iterator[Any], path: tuple[str, ...], key: str | None) -> Iterator[dict]:
    for record in records:
        record = dict(record)
        value: Any = record
        for part in path:
            value = value.get(part) if isinstance(value, Mapping) else None
        record[key] = value
        yield record


def build_tap_class(connector: ConnectorDefinition) -> type[Tap]:
    """A Tap subclass for this connector (its settings schema comes from the pydantic model)."""

    class DeclaredTap(Tap):
        name = connector.tap_name
        # `--about` reads the version of the distribution called `package_name` (default: the tap name, which
        # is not ours) and the class docstring: both come from the connector's installed package metadata.
        package_name = connector.name
        config_jsonschema = config_json_schema(connector.config_model, "singer")

        state_file = ""  # the --state path, for messages (the SDK hands the tap only the parsed JSON)

        @classmethod
        def invoke(cls, *, state=None, **options: Any) -> None:
            cls.state_file = getattr(state, "name", "") or ""
            super().invoke(state=state, **options)

        def discover_streams(self) -> list[Stream]:
            try:
                parsed = connector.parse_config(self.config, host_keys=builtin_setting_names(self))
            except ConfigError as error:
                raise ConfigValidationError(error.message, errors=[error.message]) from None
            # Parents first (singer-sdk syncs in this order): a driven child reuses its parent's pass.
            family = Family(connector.build_streams(parsed))
            return [DeclaredSingerStream(self, d, family) for d in family.declarations]

        def load_state(self, state: dict[str, Any]) -> None:
            """The SDK's loading, then every stream's saved state checked before anything is read (see
            `StreamDeclaration.check_state`): a damaged state is a config error naming the file."""
            super().load_state(state)
            if not state:
                return
            for name, stream in self.streams.items():
                if not isinstance(stream, DeclaredSingerStream) or not stream.declaration.check_state:
                    continue
                try:
                    stream.declaration.check_state(stream.start_state())
                except StateShapeError as error:
                    raise ConfigError(
                        f"The state file {self.state_file or 'given with --state'} "
                        f"{stream_state_problem(connector.name, name, error)}: {STATE_FIX}"
                    ) from None

    DeclaredTap.__doc__ = _summary(connector.name)
    DeclaredTap.__name__ = DeclaredTap.__qualname__ = "Tap" + "".join(
        part.capitalize() for part in connector.tap_name.split("-")[1:]
    )
    return DeclaredTap


def singer_streams(tap_class: type[Tap], config: Mapping[str, Any]) -> dict[str, Any]:
    """What Singer discovery declares per stream (keys, replication method and key): a committed snapshot of it
    shows a change to incremental behaviour in review, as the Airbyte catalogs do."""
    catalog = tap_class(config=dict(config), validate_config=False).catalog_dict
    return {
        "streams": [
            {
                "tap_stream_id": entry["tap_stream_id"],
                "key_properties": entry.get("key_properties") or [],
                "replication_method": entry.get("replication_method"),
                "replication_key": entry.get("replication_key"),
            }
            for entry in catalog["streams"]
        ]
    }


def _summary(distribution: str) -> str | None:
    """The one-line description a distribution's pyproject.toml declares, when it is installed."""
    try:
        return metadata.metadata(distribution)["Summary"]
    except metadata.PackageNotFoundError:
        return None


def builtin_setting_names(plugin: Any) -> set[str]:
    """The settings singer-sdk itself adds to every tap or target (stream_maps, flattening_enabled, ...)."""
    schema = copy.deepcopy(plugin.config_jsonschema)
    plugin.append_builtin_config(schema)
    return set(schema.get("properties", {}))


def _fail(tap_name: str, failure_type: str, message: str) -> None:
    logging.getLogger(tap_name).error("%s: %s", failure_type, message)
    print(f"{tap_name}: {failure_type}: {message}", file=sys.stderr)
    sys.exit(1)


def build_cli(tap_class: type[Tap]) -> Callable[[], None]:
    """The console entry point: the SDK's CLI, with our errors printed as one clear line (exit 1)."""

    def cli() -> None:
        try:
            tap_class.cli()
        except ConnectorError as error:
            _fail(tap_class.name, error.failure_type, error.message)
        except ConfigValidationError as error:
            _fail(tap_class.name, "config_error", "; ".join(error.errors) or str(error))

    return cli
