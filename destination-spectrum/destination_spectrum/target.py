"""The Singer target `target-spectrum` (singer-sdk): the same posting session as the Airbyte destination.

Sinks only hand records to the session; the records are posted when the SDK is about to emit a STATE (and at
end of input), so a STATE reaches stdout only after every record before it is posted, held or rejected.
Record validation is the engine's: a malformed record is rejected into the ledger, it does not stop the run.
"""

from __future__ import annotations

import json
from typing import Any

from singer_sdk import Target
from singer_sdk.sinks import BatchSink
from tieout_core import ConnectorError, builtin_setting_names, config_json_schema

from destination_spectrum.config import DestinationSpectrumConfig
from destination_spectrum.postings import PostingInterrupted
from destination_spectrum.session import PostingSession


class PostingSink(BatchSink):
    def __init__(self, target: TargetSpectrum, stream_name: str, schema: dict, key_properties: Any) -> None:
        super().__init__(target, stream_name, schema, key_properties)
        self.spectrum_target = target

    def get_validator(self):  # the engine validates and rejects into the ledger
        return None

    def _singer_validate_message(self, record: dict) -> None:
        """A record without its key is rejected by the engine, not a crash here."""

    def process_record(self, record: dict, context: dict) -> None:
        self.spectrum_target.buffer_record(self.stream_name, record)

    def process_batch(self, context: dict) -> None:
        """Records went to the session as they arrived; posting happens before the next STATE."""


class TargetSpectrum(Target):
    name = "target-spectrum"
    config_jsonschema = config_json_schema(DestinationSpectrumConfig, "singer")
    default_sink_class = PostingSink
    max_parallelism = 1

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._session: PostingSession | None = None

    @property
    def session(self) -> PostingSession:
        if self._session is None:
            try:
                self._session = PostingSession(
                    DestinationSpectrumConfig.parse(dict(self.config), host_keys=builtin_setting_names(self))
                )
            except ConnectorError as exc:
                self.logger.error(exc.message)
                raise SystemExit(1) from None
        return self._session

    def buffer_record(self, stream: str, record: dict) -> None:
        if self.session.add(stream, record):
            self._post()

    def _post(self) -> None:
        if self._session is None:
            return
        try:
            self._session.flush()
        except (ConnectorError, PostingInterrupted) as exc:
            self.logger.error(getattr(exc, "message", str(exc)))
            raise SystemExit(1) from None

    def _write_state_message(self, state: dict) -> None:
        self._post()
        if self._session is not None and self._session.config.dry_run:
            return  # acknowledging would let the tap skip records that were never posted
        super()._write_state_message(state)

    def drain_all(self, *, is_endofpipe: bool = False) -> None:
        super().drain_all(is_endofpipe=is_endofpipe)
        self._post()
        if is_endofpipe and self._session is not None:
            self.logger.info(self._session.summary())
            if self._session.config.dry_run:
                for plan in self._session.report.would_post:
                    self.logger.info("dry_run: %s", json.dumps(plan, sort_keys=True))
            self._session.close()
            self._session = None


cli = TargetSpectrum.cli
