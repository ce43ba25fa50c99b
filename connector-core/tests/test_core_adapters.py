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
from tieout_core._airbyte import DeclaredEntrypoint, DeclaredSource
from tieout_core._singer import build_tap_class


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
            StreamDeclaration(
                "numbers", ("n",), numbers_schema, read_numbers(config), ("updated",), checkpoint_every=2
            ),
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

    config_file = make_file(
        Path(pytest.importorskip("tempfile").mkdtemp()) / "c.json", {**CONFIG, "fail_with": "config"}
    )
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
    output = read(
        DeclaredSource(connector), {**CONFIG, "fail_with": "transient"}, catalog("numbers"), expecting_exception=True
    )
    errors = [e.trace.error for e in output.errors]
    assert any(
        e.failure_type == FailureType.transient_error and e.message == "upstream went away while reading numbers"
        for e in errors
    )
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
    assert final_state["bookmarks"]["numbers"]["cursor_state"] == {"next": 7}

    again = run_tap(tap_class, CONFIG, state={"bookmarks": {"numbers": {"cursor_state": {"next": 5}}}})
    assert [m["record"]["n"] for m in again if m["type"] == "RECORD" and m["stream"] == "numbers"] == [5, 6]


def numbers_of(messages, stream="numbers"):
    return [m["record"] for m in messages if m["type"] == "RECORD" and m["stream"] == stream]


def final_bookmark(messages, stream):
    return [m for m in messages if m["type"] == "STATE"][-1]["value"]["bookmarks"][stream]


@pytest.fixture
def tenant_connector(tmp_path):
    """A stream whose cursor is nested (`audit.changed`) and whose state is kept per tenant, as BuildOps'."""
    schema = schema_file(
        tmp_path,
        "tickets",
        {
            "id": {"type": "string"},
            "audit": {"type": "object", "properties": {"changed": {"type": ["string", "null"], "format": "date-time"}}},
        },
    )
    changes = {"t1": ["2026-01-01T00:00:00.000Z", "2026-01-03T00:00:00.000Z"], "t2": ["2026-01-02T00:00:00.000Z"]}

    def read(state):
        tenants = {k: dict(v) for k, v in (state.get("tenants") or {}).items()}
        for tenant, stamps in changes.items():
            since = tenants.get(tenant, {}).get("watermark")
            for stamp in stamps:
                if since is None or stamp > since:
                    yield {"id": f"{tenant}-{stamp}", "audit": {"changed": stamp}}
            tenants[tenant] = {"watermark": stamps[-1], "recent": {}}
            yield Checkpoint({"tenants": {k: dict(v) for k, v in tenants.items()}})

    def build_streams(config):
        return [StreamDeclaration("tickets", ("id",), schema, read, ("audit", "changed"))]

    return ConnectorDefinition(
        "source-toy", "tap-toy", ToyConfig, build_streams, lambda c: None, "https://docs.invalid"
    )


def test_given_a_nested_cursor_when_discovered_by_singer_then_the_stream_is_incremental_on_a_top_level_key(
    tenant_connector,
):
    tap = build_tap_class(tenant_connector)(config=CONFIG, validate_config=True)
    entry = tap.catalog_dict["streams"][0]
    assert entry["replication_method"] == "INCREMENTAL"
    assert entry["replication_key"] == "audit__changed"
    assert entry["schema"]["properties"]["audit__changed"] == {"type": ["string", "null"], "format": "date-time"}
    root = next(m["metadata"] for m in entry["metadata"] if m["breadcrumb"] == [])
    assert root["valid-replication-keys"] == ["audit__changed"]


def test_given_a_sync_by_tenant_when_it_ends_then_the_bookmark_is_standard_and_keeps_each_tenants_cursor(
    tenant_connector,
):
    messages = run_tap(build_tap_class(tenant_connector), CONFIG)
    records = numbers_of(messages, "tickets")
    assert [r["audit__changed"] for r in records] == [r["audit"]["changed"] for r in records]
    schema = next(m for m in messages if m["type"] == "SCHEMA")
    assert schema["bookmark_properties"] == ["audit__changed"]
    assert final_bookmark(messages, "tickets") == {
        "replication_key": "audit__changed",
        "replication_key_value": "2026-01-02T00:00:00.000Z",  # the lowest tenant's: t2 has nothing later
        "cursor_state": {
            "tenants": {
                "t1": {"watermark": "2026-01-03T00:00:00.000Z", "recent": {}},
                "t2": {"watermark": "2026-01-02T00:00:00.000Z", "recent": {}},
            }
        },
    }


def test_given_a_bookmark_written_before_0_1_0_when_the_tap_resumes_then_it_continues_and_writes_the_new_layout(
    tenant_connector,
):
    legacy = {
        "bookmarks": {
            "tickets": {
                "tieout": {
                    "tenants": {
                        "t1": {"watermark": "2026-01-01T00:00:00.000Z"},
                        "t2": {"watermark": "2026-01-02T00:00:00.000Z"},
                    }
                }
            }
        }
    }
    messages = run_tap(build_tap_class(tenant_connector), CONFIG, state=legacy)
    assert [r["id"] for r in numbers_of(messages, "tickets")] == ["t1-2026-01-03T00:00:00.000Z"]
    bookmark = final_bookmark(messages, "tickets")
    assert "tieout" not in bookmark
    assert bookmark["replication_key_value"] == "2026-01-02T00:00:00.000Z"


def test_given_a_replication_key_value_set_by_hand_when_the_tap_resumes_then_every_tenant_restarts_there(
    tenant_connector,
):
    first = final_bookmark(run_tap(build_tap_class(tenant_connector), CONFIG), "tickets")
    rewound = {**first, "replication_key_value": "2026-01-01T12:00:00.000Z"}  # what `meltano state set` writes
    messages = run_tap(build_tap_class(tenant_connector), CONFIG, state={"bookmarks": {"tickets": rewound}})
    assert [r["id"] for r in numbers_of(messages, "tickets")] == [
        "t1-2026-01-03T00:00:00.000Z",
        "t2-2026-01-02T00:00:00.000Z",
    ]
    unchanged = run_tap(build_tap_class(tenant_connector), CONFIG, state={"bookmarks": {"tickets": first}})
    assert numbers_of(unchanged, "tickets") == []


def test_given_a_connector_named_as_its_distribution_when_asked_about_then_version_and_summary_are_its_own():
    from importlib import metadata

    installed = ConnectorDefinition("tieout-connector-core", "tap-core", ToyConfig, list, print, "https://docs.invalid")
    tap_class = build_tap_class(installed)
    assert tap_class.plugin_version == metadata.version("tieout-connector-core")
    assert tap_class.__doc__ == metadata.metadata("tieout-connector-core")["Summary"]

    missing = ConnectorDefinition("no-such-dist", "tap-none", ToyConfig, list, print, "https://docs.invalid")
    assert build_tap_class(missing).__doc__ is None  # not installed: no summary, and no error
