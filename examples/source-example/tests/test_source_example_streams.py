"""What the streams do against the fake API: OAuth2 once, every Link page, each project listed once for its
tasks, and an incremental second run that sends nothing already sent."""

import json

import pytest
from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder, ConfiguredAirbyteStreamBuilder
from airbyte_cdk.test.entrypoint_wrapper import read
from airbyte_cdk.test.state_builder import StateBuilder
from source_example.config import Config
from source_example.source import CONNECTOR, DOCS, HERE
from source_example_fake import INVOICES, PROJECTS, TASKS
from tieout_core import ConfigError, DeclaredSource, check_spec_file


def catalog(*names, mode=SyncMode.full_refresh):
    builder = CatalogBuilder()
    for name in names:
        builder.with_stream(ConfiguredAirbyteStreamBuilder().with_name(name).with_sync_mode(mode))
    return builder.build()


def test_given_the_config_model_when_compared_then_the_committed_spec_is_current():
    assert check_spec_file(Config, DOCS, HERE / "spec.json") is None


def test_given_all_streams_when_read_then_every_record_arrives_and_projects_are_listed_once(api, api_config):
    before = len(api.calls("GET", "/projects"))
    output = read(DeclaredSource(CONNECTOR), api_config, catalog("tasks", "projects", "invoices"))
    by_stream = {}
    for message in output.records:
        by_stream.setdefault(message.record.stream, []).append(message.record.data["id"])
    assert by_stream["projects"] == [p["id"] for p in PROJECTS]
    assert sorted(by_stream["tasks"]) == sorted(t["id"] for tasks in TASKS.values() for t in tasks)
    assert by_stream["invoices"] == [i["id"] for i in INVOICES]
    assert len(api.calls("GET", "/projects")) - before == 3  # 5 projects, 2 a page: listed once


def test_given_the_state_of_a_first_run_when_read_again_then_no_invoice_is_sent_twice(api_config):
    first = read(DeclaredSource(CONNECTOR), api_config, catalog("invoices", mode=SyncMode.incremental))
    state = json.loads(json.dumps(first.most_recent_state.stream_state.__dict__))
    again = read(
        DeclaredSource(CONNECTOR),
        api_config,
        catalog("invoices", mode=SyncMode.incremental),
        StateBuilder().with_stream_state("invoices", state).build(),
    )
    assert len(first.records) == len(INVOICES)
    assert again.records == []


def test_given_a_wrong_secret_when_checked_then_the_error_names_the_settings_and_the_reason(api_config):
    with pytest.raises(ConfigError) as raised:
        CONNECTOR.check(CONNECTOR.parse_config({**api_config, "client_secret": "not-the-secret"}))
    assert str(raised.value) == (
        "The token endpoint refused the client credentials with HTTP 401 (invalid_client: Client authentication"
        " failed): check client_id and client_secret"
    )
