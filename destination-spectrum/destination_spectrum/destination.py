"""The Airbyte destination: `destination-spectrum spec | check | write`.

STATE is acknowledged only after every record before it has been posted, held or rejected in the ledger
(records are buffered up to `flush_every`; the states that arrived meanwhile are echoed, in order, after the
flush). In dry_run no STATE is echoed: acknowledging would let the source skip records never posted.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from airbyte_cdk.destinations import Destination
from airbyte_cdk.models import (
    AirbyteConnectionStatus,
    AirbyteLogMessage,
    AirbyteMessage,
    AirbyteMessageSerializer,
    ConfiguredAirbyteCatalog,
    ConnectorSpecification,
    DestinationSyncMode,
    Level,
    Status,
    Type,
)
from airbyte_cdk.utils.airbyte_secrets_utils import filter_secrets
from tieout_core import ConfigError, ConnectorError, TransientError, airbyte_spec, to_airbyte_exception

from destination_spectrum.config import DOCUMENTATION_URL, DestinationSpectrumConfig
from destination_spectrum.ledger import ledger_path_problem
from destination_spectrum.postings import PostingInterrupted
from destination_spectrum.session import PostingSession, load_rules, open_gateway

logger = logging.getLogger("airbyte")


def _log(message: str, level: Level = Level.INFO) -> AirbyteMessage:
    return AirbyteMessage(type=Type.LOG, log=AirbyteLogMessage(level=level, message=message))


def _unknown_stream(name: str, streams: set[str]) -> str:
    return (
        f"a RECORD arrived for stream '{name}', which is not in the configured catalog "
        f"({', '.join(sorted(streams)) or 'no streams'}); the write stopped and nothing after the last acknowledged "
        f"STATE was posted. Fix the stream name (a stream prefix on the connection?) or add '{name}' to the "
        f"catalog, then sync again"
    )


def _unreadable_line(number: int) -> str:
    return (
        f"input line {number} is not an Airbyte message (not JSON); the write stopped and nothing after the last "
        "acknowledged STATE was posted. Something other than the source is writing to this destination's stdin "
        "(a print or a log line in a wrapper script?): send only the source's messages, then sync again"
    )


class DestinationSpectrum(Destination):
    def _parse_input_stream(self, input_stream: io.TextIOWrapper) -> Iterable[AirbyteMessage]:
        """airbyte-cdk skips a line that is not JSON with an INFO log; if that line was a RECORD, the next STATE
        would be acknowledged and the invoice never sent again. Stop instead (the line is not echoed: it may
        hold customer data)."""
        for number, line in enumerate(input_stream, start=1):
            if not line.strip():
                continue
            try:
                document = orjson.loads(line)
            except orjson.JSONDecodeError:
                raise to_airbyte_exception(ConfigError(_unreadable_line(number))) from None
            yield AirbyteMessageSerializer.load(document)

    def spec(self, logger: logging.Logger) -> ConnectorSpecification:
        body = airbyte_spec(DestinationSpectrumConfig, DOCUMENTATION_URL)
        return ConnectorSpecification(
            documentationUrl=body["documentationUrl"],
            connectionSpecification=body["connectionSpecification"],
            supported_destination_sync_modes=[DestinationSyncMode.append, DestinationSyncMode.append_dedup],
        )

    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        # The status is printed as is, not through the CDK's log filter: its message is masked here (a driver
        # error may quote the connection string). `run` registered the secrets from the spec's airbyte_secret.
        try:
            parsed = DestinationSpectrumConfig.parse(config)
            load_rules(parsed)
            problem = ledger_path_problem(parsed.ledger_path)
            if problem:
                raise ConfigError(problem)
            gateway = open_gateway(parsed)
            try:
                gateway.check()
            finally:
                gateway.close()
        except ConnectorError as exc:
            return AirbyteConnectionStatus(status=Status.FAILED, message=filter_secrets(exc.message))
        except Exception as exc:
            return AirbyteConnectionStatus(status=Status.FAILED, message=filter_secrets(f"{type(exc).__name__}: {exc}"))
        return AirbyteConnectionStatus(status=Status.SUCCEEDED)

    def write(
        self,
        config: Mapping[str, Any],
        configured_catalog: ConfiguredAirbyteCatalog,
        input_messages: Iterable[AirbyteMessage],
    ) -> Iterable[AirbyteMessage]:
        try:
            parsed = DestinationSpectrumConfig.parse(config)
            session = PostingSession(parsed)
        except ConnectorError as exc:
            raise to_airbyte_exception(exc) from None
        waiting_states: list[AirbyteMessage] = []
        streams = {configured.stream.name for configured in configured_catalog.streams}
        try:
            for message in input_messages:
                if message.type == Type.RECORD:
                    if message.record.stream not in streams:
                        # Dropping it would acknowledge the next STATE and the source would never send it again.
                        raise ConfigError(_unknown_stream(message.record.stream, streams))
                    if session.add(message.record.stream, message.record.data):
                        yield from self._flush(session, waiting_states)
                elif message.type == Type.STATE:
                    waiting_states.append(message)
                    if not session.buffer:
                        yield from self._flush(session, waiting_states)
            yield from self._flush(session, waiting_states)
            yield _log(session.summary())
            if parsed.dry_run:
                for plan in session.report.would_post:
                    yield _log("dry_run: " + json.dumps(plan, sort_keys=True))
        except PostingInterrupted as exc:
            raise to_airbyte_exception(TransientError(str(exc))) from None
        except ConnectorError as exc:
            raise to_airbyte_exception(exc) from None
        finally:
            session.close()

    @staticmethod
    def _flush(session: PostingSession, waiting_states: list[AirbyteMessage]) -> Iterable[AirbyteMessage]:
        session.flush()
        if session.config.dry_run:
            waiting_states.clear()
            return
        yield from waiting_states
        waiting_states.clear()
