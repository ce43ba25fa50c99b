"""Adapter: a ConnectorDefinition as an airbyte-cdk `AbstractSource` with `Stream` + `CheckpointMixin`.

The CDK does all message serialization, config validation against the spec, secret masking in logs,
stream statuses and state bookkeeping. This module only maps our declarations onto its classes and our
ConnectorErrors onto `AirbyteTracedException` with the right `failure_type`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from itertools import filterfalse
from typing import Any

from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.logger import PRINT_BUFFER
from airbyte_cdk.models import (
    AirbyteConnectionStatus,
    AirbyteStateMessage,
    ConfiguredAirbyteCatalog,
    ConnectorSpecification,
    Status,
    SyncMode,
)
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.connector_state_manager import ConnectorStateManager
from airbyte_cdk.sources.streams import CheckpointMixin, Stream
from airbyte_cdk.sources.utils.schema_helpers import split_config
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from tieout_core._config import airbyte_spec
from tieout_core._connector import ConnectorDefinition
from tieout_core._declarations import Checkpoint, StreamDeclaration, records_applying_checkpoints
from tieout_core._errors import ConfigError, ConnectorError, to_airbyte_exception
from tieout_core._family import Family
from tieout_core._state import STATE_FIX, StateShapeError, stream_state_problem


@contextlib.contextmanager
def _as_airbyte_errors() -> Iterator[None]:
    """A ConnectorError raised while reading becomes the CDK's traced exception (a context, not a generator
    layer: records pass through no extra frame)."""
    try:
        yield
    except ConnectorError as error:
        raise to_airbyte_exception(error) from error


class DeclaredFullRefreshStream(Stream):
    """A stream without a cursor: every read returns everything."""

    def __init__(self, declaration: StreamDeclaration, family: Family | None = None):
        super().__init__()
        self.declaration = declaration
        self.family = family or Family([declaration])

    @property
    def name(self) -> str:
        return self.declaration.name

    @property
    def primary_key(self) -> list[str]:
        return list(self.declaration.primary_key)

    # The CDK caches its own (computed) schema with lru_cache; ours is the declaration's, already in memory.
    def get_json_schema(self) -> Mapping[str, Any]:  # type: ignore[override]
        return self.declaration.json_schema

    def read_records(self, sync_mode, cursor_field=None, stream_slice=None, stream_state=None):
        # filterfalse with the type's own check runs in C: no Python frame per record on a hot path
        with _as_airbyte_errors():
            records = filterfalse(Checkpoint.__instancecheck__, self.family.read(self.declaration, {}))
            yield from self.family.passing(self.declaration, records, full_pass=True)


class DeclaredIncrementalStream(DeclaredFullRefreshStream, CheckpointMixin):
    """A stream with a cursor. State is whatever the read function last checkpointed.

    The CDK asks for `state` every `checkpoint_every` records and at the end of the stream; it always
    gets the latest `Checkpoint`, which accounts only for records already emitted.
    """

    def __init__(self, declaration: StreamDeclaration, family: Family | None = None):
        super().__init__(declaration, family)
        self._state: MutableMapping[str, Any] = {}
        self._cursor_field = list(declaration.cursor_field or ())

    @property
    def cursor_field(self) -> list[str]:
        return self._cursor_field  # the CDK reads it once per record: built once

    @property
    def source_defined_cursor(self) -> bool:
        return True

    @property
    def state_checkpoint_interval(self) -> int | None:
        return self.declaration.checkpoint_every

    @property
    def state(self) -> MutableMapping[str, Any]:
        return self._state

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        self._state = dict(value or {})

    def read_records(self, sync_mode, cursor_field=None, stream_slice=None, stream_state=None):
        start_state = self._state if sync_mode == SyncMode.incremental else {}
        with _as_airbyte_errors():
            records = records_applying_checkpoints(self.family.read(self.declaration, start_state), self._set_state)
            yield from self.family.passing(self.declaration, records, full_pass=not start_state)

    def _set_state(self, state: dict[str, Any]) -> None:
        self._state = state


def state_file_error(path: str, problem: str, fix: str = STATE_FIX) -> AirbyteTracedException:
    return to_airbyte_exception(ConfigError(f"The state file {path} {problem}: {fix}"))


class DeclaredSource(AbstractSource):
    def __init__(self, connector: ConnectorDefinition):
        self.connector = connector
        self._streams_for_read: list[Stream] | None = None
        self._state_path = ""

    @property
    def name(self) -> str:
        return self.connector.name

    def spec(self, logger: logging.Logger) -> ConnectorSpecification:
        spec = airbyte_spec(self.connector.config_model, self.connector.documentation_url)
        return ConnectorSpecification(
            documentationUrl=spec["documentationUrl"],
            connectionSpecification=spec["connectionSpecification"],
        )

    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        # A config error (bad credentials, unknown tenant, invalid setting) becomes a TRACE with
        # failure_type config_error plus a FAILED status (exit 0), as the CDK entrypoint does for it.
        # Anything else the user can meet (host unreachable) is a FAILED status with the message.
        try:
            self.connector.check(self.connector.parse_config(config))
        except ConfigError as error:
            raise to_airbyte_exception(error) from error
        except ConnectorError as error:
            return AirbyteConnectionStatus(status=Status.FAILED, message=error.message)
        return AirbyteConnectionStatus(status=Status.SUCCEEDED)

    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> tuple[bool, Any]:
        status = self.check(logger, config)
        return status.status == Status.SUCCEEDED, status.message

    @property
    def raise_exception_on_missing_stream(self) -> bool:
        return True  # unreachable after `read`'s own check, which names the streams; kept as a backstop

    # An instance method where the CDK's is a classmethod: it keeps the path for `read`'s messages (below).
    def read_state(self, state_path: str) -> list[AirbyteStateMessage]:  # type: ignore[override]
        """The CDK's reading of `--state`, with errors that name the file and the fix (config_error).

        Left to the CDK, a file that is not JSON or not a list of state messages ends in its generic
        "Something went wrong in the connector" system error, before any record is read. The path is kept:
        `read` names it when a stream's state inside is of the wrong shape.
        """
        if not state_path:
            return []
        self._state_path = state_path
        try:
            with open(state_path, encoding="utf-8") as file:
                state = json.load(file)
        except FileNotFoundError:
            raise state_file_error(
                state_path, "does not exist", "check the --state path, or leave out --state to start a full sync"
            ) from None
        except (OSError, UnicodeDecodeError) as error:
            raise state_file_error(state_path, f"cannot be read ({error})") from None
        except json.JSONDecodeError as error:
            raise state_file_error(state_path, f"is not valid JSON ({error})") from None
        if state and not isinstance(state, list):
            raise state_file_error(
                state_path,
                f"holds a JSON {type(state).__name__}, not a list of Airbyte STATE messages "
                '(each like {"type": "STREAM", "stream": {"stream_descriptor": {"name": ...}, '
                '"stream_state": {...}}})',
            )
        try:
            return super().read_state(state_path)
        except Exception as error:  # the CDK's own parser: a wrong shape inside a message
            # Its schema errors span lines ("Schema validation failed:\n- 42 is not of type ..."): keep one line.
            detail = " ".join(str(error).split())[:300] or type(error).__name__
            raise state_file_error(state_path, f"is not a list of valid Airbyte STATE messages ({detail})") from None

    def read(
        self,
        logger: logging.Logger,
        config: Mapping[str, Any],
        catalog: ConfiguredAirbyteCatalog,
        state: list[AirbyteStateMessage] | None = None,
    ) -> Iterator[Any]:
        # Refuse a catalog naming streams this source does not have before reading anything: the CDK would
        # only mark them INCOMPLETE (or, with raise_exception_on_missing_stream, raise a message that does
        # not name them). The streams built here are the ones the CDK reads, so they are built once.
        streams = self.streams(split_config(config)[0])
        available = [stream.name for stream in streams]
        unknown = [s.stream.name for s in catalog.streams if s.stream.name not in available]
        if unknown:
            names = ", ".join(repr(name) for name in unknown)
            raise to_airbyte_exception(
                ConfigError(
                    f"The configured catalog names stream(s) not found in {self.name}: {names}. Available "
                    f"streams: {', '.join(available)}. Run discover again and remove the unknown stream(s) "
                    "from the catalog (refresh the schema in the Airbyte connection)."
                )
            )
        if state:
            self._check_stream_states(streams, catalog, state)
        self._streams_for_read = streams
        # Parents before their driven children, so a child reuses its parent's pass instead of listing it again.
        family = getattr(streams[0], "family", None) if streams else None
        if family is not None:
            order = family.parents_first([configured.stream.name for configured in catalog.streams])
            rank = {name: position for position, name in enumerate(order)}
            catalog = ConfiguredAirbyteCatalog(streams=sorted(catalog.streams, key=lambda s: rank[s.stream.name]))
        try:
            yield from super().read(logger, config, catalog, state)
        finally:
            self._streams_for_read = None

    def _check_stream_states(
        self, streams: list[Stream], catalog: ConfiguredAirbyteCatalog, state: list[AirbyteStateMessage]
    ) -> None:
        """Every selected stream's saved state checked before any record is read (see `check_state`)."""
        by_name = {stream.name: stream for stream in streams}
        manager = ConnectorStateManager(state)
        for configured in catalog.streams:
            stream = by_name.get(configured.stream.name)
            check = getattr(getattr(stream, "declaration", None), "check_state", None)
            if check is None:
                continue
            stream_state = manager.get_stream_state(configured.stream.name, configured.stream.namespace)
            try:
                check(dict(stream_state or {}))
            except StateShapeError as error:
                raise state_file_error(
                    self._state_path or "given with --state",
                    stream_state_problem(self.name, configured.stream.name, error),
                ) from None

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        if self._streams_for_read is not None:
            return self._streams_for_read
        try:
            parsed = self.connector.parse_config(config)
            family = Family(self.connector.build_streams(parsed))
        except ConnectorError as error:
            raise to_airbyte_exception(error) from error
        return [
            DeclaredIncrementalStream(d, family) if d.incremental else DeclaredFullRefreshStream(d, family)
            for d in family.declarations
        ]


class DeclaredEntrypoint(AirbyteEntrypoint):
    """The CDK entrypoint, validating config with the pydantic model first.

    The CDK's own JSON-schema check reports "99 is greater than the maximum of 100" without saying which
    setting; the model names every bad field (and says how to fix it where a validator knows). Whatever
    the model accepts still goes through the CDK's check against the spec.
    """

    # An instance method where the CDK's is static: it needs this entrypoint's source (the connector's model).
    def validate_connection(  # type: ignore[override]
        self, source_spec: ConnectorSpecification, config: Mapping[str, Any]
    ) -> None:
        """The model first (errors name the field), then the CDK's own check against the spec."""
        connector: ConnectorDefinition = self.source.connector  # type: ignore[attr-defined]
        try:
            connector.parse_config(config)
        except ConfigError as error:
            raise to_airbyte_exception(error) from None
        AirbyteEntrypoint.validate_connection(source_spec, config)


def launch(connector: ConnectorDefinition, args: Iterable[str] | None = None) -> None:
    """`spec | check | discover | read` through the CDK entrypoint (see `DeclaredEntrypoint`)."""
    source = DeclaredSource(connector)
    entrypoint = DeclaredEntrypoint(source)
    parsed_args = entrypoint.parse_args(list(sys.argv[1:] if args is None else args))
    with PRINT_BUFFER:  # as the CDK's own launch(): one print per message, buffered
        for message in entrypoint.run(parsed_args):
            print(f"{message}\n", end="")
