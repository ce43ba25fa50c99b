"""Adapter: a ConnectorDefinition as a singer-sdk `Tap` whose streams are our declarations.

singer-sdk writes every SCHEMA/RECORD/STATE message and handles `--about/--discover/--catalog/--state`.
Our read functions keep their own cursor state (see `tieout_core.state`); it lives in the Singer state
under `bookmarks.<stream>.tieout` and is flushed every `checkpoint_every` records and at the end.
Incremental behaviour follows the state: with state a sync resumes, without it (or with Meltano's
`--full-refresh`) it reads everything.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from singer_sdk import Stream, Tap
from singer_sdk.exceptions import ConfigValidationError

from tieout_core.config import config_json_schema
from tieout_core.connector import ConnectorDefinition
from tieout_core.declarations import StreamDeclaration, records_applying_checkpoints
from tieout_core.errors import ConfigError, ConnectorError
from tieout_core.state import STATE_FIX, StateShapeError, stream_state_problem

STATE_KEY = "tieout"


class DeclaredSingerStream(Stream):
    def __init__(self, tap: Tap, declaration: StreamDeclaration):
        self.declaration = declaration
        self.STATE_MSG_FREQUENCY = declaration.checkpoint_every
        super().__init__(tap, schema=declaration.json_schema, name=declaration.name)
        self.primary_keys = list(declaration.primary_key)

    def start_state(self) -> dict[str, Any]:
        """Our read function's state, as the last sync left it."""
        return self.stream_state.get(STATE_KEY) or {}

    def get_records(self, context: Mapping[str, Any] | None) -> Iterable[dict[str, Any]]:
        for record in records_applying_checkpoints(self.declaration.read(self.start_state()), self._set_state):
            yield dict(record)

    def _set_state(self, state: dict[str, Any]) -> None:
        self.stream_state[STATE_KEY] = state
        self.state_manager.is_flushed = False


def build_tap_class(connector: ConnectorDefinition) -> type[Tap]:
    """A Tap subclass for this connector (its settings schema comes from the pydantic model)."""

    class DeclaredTap(Tap):
        name = connector.tap_name
        config_jsonschema = config_json_schema(connector.config_model, "singer")

        state_file = ""  # the --state path, for messages (the SDK hands the tap only the parsed JSON)

        @classmethod
        def invoke(cls, *, state=None, **options: Any) -> None:  # type: ignore[override]
            cls.state_file = getattr(state, "name", "") or ""
            super().invoke(state=state, **options)

        def discover_streams(self) -> list[Stream]:
            try:
                parsed = connector.parse_config(self.config)
            except ConfigError as error:
                raise ConfigValidationError(error.message, errors=[error.message]) from None
            return [DeclaredSingerStream(self, d) for d in connector.build_streams(parsed)]

        def load_state(self, state: dict[str, Any]) -> None:
            """The SDK's loading, then every stream's saved state checked before anything is read (see
            `StreamDeclaration.check_state`): a damaged state is a config error naming the file."""
            super().load_state(state)
            if not state:
                return
            for name, stream in self.streams.items():
                check = getattr(stream, "declaration", None) and stream.declaration.check_state
                if not check:
                    continue
                try:
                    check(stream.start_state())
                except StateShapeError as error:
                    raise ConfigError(
                        f"The state file {self.state_file or 'given with --state'} "
                        f"{stream_state_problem(connector.name, name, error)}: {STATE_FIX}"
                    ) from None

    DeclaredTap.__name__ = DeclaredTap.__qualname__ = "Tap" + "".join(
        part.capitalize() for part in connector.tap_name.split("-")[1:]
    )
    return DeclaredTap


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
