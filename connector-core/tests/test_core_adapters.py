"""The two adapters run one toy connector: same records, state that resumes, errors with failure types."""

import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from airbyte_cdk.models import FailureType, Status, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder, ConfiguredAirbyteStreamBuilder
from airbyte_cdk.test.entrypoint_wrapper import discover, read
from airbyte_cdk.test.state_builder import StateBuilder
from pydantic import Field, SecretStr
from tieout_core import (
    Checkpoint,
    ConfigError,
    ConnectorConfig,
    ConnectorDefinition,
    StreamDeclaration,
    TransientError,
)
from tieout_core.airbyte import DeclaredEntrypoint, DeclaredSource
from tieout_core.singer import build_tap_class


class ToyConfig(ConnectorConfig):
    token: SecretStr = Field(description="secret")
    count: int = Field(7, ge=0, le=50)
    fail_with: str = Field("", description="test hook: config | transient")


def read_numbers(config):
    def read(state):
        start = state.get("next", 0)
        for n in range(start, config.count):
            if config.fail_with == "transient" and n == 5:
                raise TransientError("upstream went away while reading numbers")
            yield {"n": n, "updated": n}
            if n % 2 == 1:
                yield Checkpoint({"next": n + 1})
        yield Checkpoint({"next": config.count})

    return read


def read_letters(config):
    def read(_state):
        yield from ({"letter": c} for c in "abc")

    return read


def schema_file(tmp: Path, name: str, props: dict) -> Path:
    path = tmp / f"{name}.json"
    path.write_text(json.dumps({"type": "object", "properties": props}))
    return path


@pytest.fixture
def connector(tmp_path):
    numbers_schema = schema_file(tmp_path, "numbers", {"n": {"type": "integer"}, "updated": {"type": "integer"}})
    letters_schema = schema_file(tmp_path, "letters", {"letter": {"type": "string"}})

    def build_streams(config):
        return [
            StreamDeclaration("numbers", ("n",), numbers_schema, read_numbers(config), ("updated",),
                              checkpoint_every=2),
            StreamDeclaration("letters", ("letter",), letters_schema, read_letters(config)),
        ]

    def check(config):
        if config.fail_with == "config":
            raise ConfigError("token was rejected: check token")
        if config.fail_with == "transient":
            raise TransientError("could not reach toy.invalid: check the host")

    return ConnectorDefinition("source-toy", "tap-toy", ToyConfig, build_streams, check, "https://docs.invalid")


def catalog(*names, mode=SyncMode.incremental):
    builder = CatalogBuilder()
    for name in names:
        builder.with_stream(ConfiguredAirbyteStreamBuilder().with_name(name).with_sync_mode(mode))
    return builder.build()


CONFIG = {"token": "super-secret-token", "count": 7}


def test_given_declared_streams_when_discovering_then_cursor_and_keys_are_source_defined(connector):
    output = discover(DeclaredSource(connector), CONFIG)
    streams = {s.name: s for s in output.catalog.catalog.streams}
    assert streams["numbers"].supported_sync_modes == [SyncMode.full_refresh, SyncMode.incremental]
    assert streams["numbers"].default_cursor_field == ["updated"]
    assert streams["numbers"].source_defined_primary_key == [["n"]]
    assert streams["letters"].supported_sync_modes == [SyncMode.full_refresh]


def test_given_checkpoints_when_reading_incrementally_then_state_is_emitted_during_and_after_the_stream(
    connector,
):
    output = read(DeclaredSource(connector), CONFIG, catalog("numbers"))
    assert [r.record.data["n"] for r in output.records] == list(range(7))
    states = [m.state.stream.stream_state.__dict__ for m in output.state_messages]
    assert states[0] == {"next": 2}  # after 2 records: the checkpoint that covers exactly them
    assert states[-1] == {"next": 7}


def test_given_a_saved_state_when_reading_again_then_only_the_remainder_is_read(connector):
    state = StateBuilder().with_stream_state("numbers", {"next": 4}).build()
    output = read(DeclaredSource(connector), CONFIG, catalog("numbers"), state)
    assert [r.record.data["n"] for r in output.records] == [4, 5, 6]


def test_given_a_saved_state_when_reading_full_refresh_then_everything_is_read(connector):
    state = StateBuilder().with_stream_state("numbers", {"next": 4}).build()
    output = read(DeclaredSource(connector), CONFIG, catalog("numbers", mode=SyncMode.full_refresh), state)
    assert len(output.records) == 7


def test_given_a_config_error_in_check_then_status_failed_with_a_config_error_trace(connector):
    source = DeclaredSource(connector)
    from airbyte_cdk.test.entrypoint_wrapper import _run_command, make_file

    config_file = make_file(Path(pytest.importorskip("tempfile").mkdtemp()) / "c.json",
                            {**CONFIG, "fail_with": "config"})
    output = _run_command(source, ["check", "--config", str(config_file)])
    status = output.connection_status_messages[-1].connectionStatus
    assert status.status == Status.FAILED
    assert status.message == "token was rejected: check token"
    assert output.errors[0].trace.error.failure_type == FailureType.config_error
    Path(config_file).unlink()


def test_given_a_transient_error_in_check_then_status_failed_with_the_message(connector):
    status = DeclaredSource(connector).check(None, {**CONFIG, "fail_with": "transient"})
    assert status.status == Status.FAILED
    assert status.message == "could not reach toy.invalid: check the host"


def test_given_a_transient_error_mid_stream_then_a_transient_trace_and_the_last_checkpoint(connector):
    output = read(DeclaredSource(connector), {**CONFIG, "fail_with": "transient"}, catalog("numbers"),
                  expecting_exception=True)
    errors = [e.trace.error for e in output.errors]
    assert any(e.failure_type == FailureType.transient_error
               and e.message == "upstream went away while reading numbers" for e in errors)
    assert output.state_messages[-1].state.stream.stream_state.__dict__ == {"next": 4}


def run_entrypoint(connector, args):
    """What `launch` runs, captured as messages (no subprocess)."""
    entrypoint = DeclaredEntrypoint(DeclaredSource(connector))
    messages, error = [], None
    try:
        messages.extend(entrypoint.run(entrypoint.parse_args(args)))
    except Exception as exc:
        error = exc
    return [json.loads(m) for m in messages], error


def test_given_an_invalid_config_when_checking_then_the_failed_status_names_the_field(connector, tmp_path):
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps({**CONFIG, "count": 99}))
    messages, error = run_entrypoint(connector, ["check", "--config", str(config_path)])
    assert error is None
    status = [m for m in messages if m["type"] == "CONNECTION_STATUS"][-1]["connectionStatus"]
    assert status == {"status": "FAILED", "message": "Invalid config: count: Input should be less than or equal to 50"}


def test_given_an_invalid_config_when_discovering_then_a_config_error_trace_names_the_field(connector, tmp_path):
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps({"count": 3}))
    _, error = run_entrypoint(connector, ["discover", "--config", str(config_path)])
    assert error is not None and error.failure_type == FailureType.config_error
    assert error.message == "Invalid config: token: Field required"


def run_tap(tap_class, config, state=None):
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        tap = tap_class(config=config, state=state, validate_config=True)
        tap.sync_all()
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def test_given_the_same_connector_when_run_as_a_singer_tap_then_records_and_resumable_state(connector):
    tap_class = build_tap_class(connector)
    assert tap_class.__name__ == "TapToy"
    assert tap_class.config_jsonschema["properties"]["token"]["secret"] is True
    messages = run_tap(tap_class, CONFIG)
    numbers = [m["record"]["n"] for m in messages if m["type"] == "RECORD" and m["stream"] == "numbers"]
    assert numbers == list(range(7))
    final_state = [m for m in messages if m["type"] == "STATE"][-1]["value"]
    assert final_state["bookmarks"]["numbers"]["tieout"] == {"next": 7}

    again = run_tap(tap_class, CONFIG, state={"bookmarks": {"numbers": {"tieout": {"next": 5}}}})
    assert [m["record"]["n"] for m in again if m["type"] == "RECORD" and m["stream"] == "numbers"] == [5, 6]


def test_given_an_invalid_config_when_starting_the_tap_then_the_singer_error_names_the_field(connector):
    from singer_sdk.exceptions import ConfigValidationError

    tap_class = build_tap_class(connector)
    with pytest.raises(ConfigValidationError) as caught:
        tap_class(config={**CONFIG, "count": 99}, validate_config=True)
    assert "count" in str(caught.value.errors) or "count" in str(caught.value)


def read_args(tmp_path, catalog_streams, state_text=None):
    """`read --config --catalog [--state]` arguments over files written in tmp_path."""
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(CONFIG))
    catalog_path = tmp_path / "catalog.json"
    catalog_path.write_text(json.dumps({"streams": [
        {"stream": {"name": name, "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]},
         "sync_mode": "incremental", "destination_sync_mode": "append"}
        for name in catalog_streams
    ]}))
    args = ["read", "--config", str(config_path), "--catalog", str(catalog_path)]
    if state_text is not None:
        state_path = tmp_path / "state.json"
        state_path.write_text(state_text)
        args += ["--state", str(state_path)]
    return args


def test_given_a_catalog_naming_an_unknown_stream_when_reading_then_a_config_error_names_it_and_nothing_is_read(
    connector, tmp_path
):
    messages, error = run_entrypoint(connector, read_args(tmp_path, ["numbers", "no_such_stream"]))
    assert error is not None and error.failure_type == FailureType.config_error
    assert error.message == (
        "The configured catalog names stream(s) not found in source-toy: 'no_such_stream'. Available streams: "
        "numbers, letters. Run discover again and remove the unknown stream(s) from the catalog (refresh the "
        "schema in the Airbyte connection)."
    )
    assert not [m for m in messages if m["type"] == "RECORD"], "streams were read before the catalog was refused"


def test_given_a_catalog_of_known_streams_when_reading_through_the_entrypoint_then_every_stream_is_read(
    connector, tmp_path
):
    messages, error = run_entrypoint(connector, read_args(tmp_path, ["numbers", "letters"]))
    assert error is None
    records = [m["record"]["stream"] for m in messages if m["type"] == "RECORD"]
    assert records.count("numbers") == 7 and records.count("letters") == 3


@pytest.mark.parametrize(
    ("state_text", "problem"),
    [
        ("{not json", "is not valid JSON (Expecting property name enclosed in double quotes: line 1 column 2"),
        ('{"numbers": {"next": 4}}', "holds a JSON dict, not a list of Airbyte STATE messages"),
        ('[{"type": "STREAM", "stream": 42}]', "is not a list of valid Airbyte STATE messages (Schema validation "
         "failed: - 42 is not of type \"object\" (instance_path='stream'))"),
    ],
    ids=["not-json", "a-dict", "a-message-of-the-wrong-shape"],
)
def test_given_a_corrupted_state_file_when_reading_then_a_config_error_names_the_file_and_the_fix(
    connector, tmp_path, state_text, problem
):
    messages, error = run_entrypoint(connector, read_args(tmp_path, ["numbers"], state_text))
    assert error is not None and error.failure_type == FailureType.config_error
    state_path = tmp_path / "state.json"
    assert error.message.startswith(f"The state file {state_path} {problem}")
    assert error.message.endswith(
        ": remove the file (or leave out --state) to start a full sync, or restore it from the last STATE "
        "messages a sync emitted"
    )
    assert not [m for m in messages if m["type"] == "RECORD"]


def test_given_a_missing_state_file_when_reading_then_a_config_error_says_it_does_not_exist(connector, tmp_path):
    args = [*read_args(tmp_path, ["numbers"]), "--state", str(tmp_path / "gone.json")]
    _, error = run_entrypoint(connector, args)
    assert error is not None and error.failure_type == FailureType.config_error
    assert error.message.startswith(f"The state file {tmp_path / 'gone.json'} does not exist: check the --state path")


def test_given_a_valid_state_file_when_reading_then_the_stream_resumes_from_it(connector, tmp_path):
    state = [{"type": "STREAM", "stream": {"stream_descriptor": {"name": "numbers"}, "stream_state": {"next": 5}}}]
    messages, error = run_entrypoint(connector, read_args(tmp_path, ["numbers"], json.dumps(state)))
    assert error is None
    assert [m["record"]["data"]["n"] for m in messages if m["type"] == "RECORD"] == [5, 6]
