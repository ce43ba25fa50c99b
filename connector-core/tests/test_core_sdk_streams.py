"""Integer cursor keys, and child streams driven by their parent's records under both adapters."""

import io
import json
from contextlib import redirect_stdout
from datetime import datetime, timedelta, timezone

import pytest
from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder, ConfiguredAirbyteStreamBuilder
from airbyte_cdk.test.entrypoint_wrapper import read
from tieout_core import (
    ConnectorConfig,
    ConnectorDefinition,
    DeclaredSource,
    StreamDeclaration,
    WatermarkCursor,
    build_tap_class,
)

PARENTS_THEN_CHILDREN = [
    ("projects", 1),
    ("projects", 2),
    ("projects", 3),
    ("tasks", 100),
    ("tasks", 200),
    ("tasks", 300),
]
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_given_integer_ids_when_a_cursor_resumes_from_json_state_then_the_boundary_record_is_not_sent_again():
    first = WatermarkCursor(None, start=T0, lookback=timedelta(minutes=5), now=T0 + timedelta(days=1))
    first.observe(1042, T0 + timedelta(hours=1))
    saved = json.loads(json.dumps(first.complete()))  # what the host keeps between runs
    again = WatermarkCursor(saved, start=T0, lookback=timedelta(minutes=5), now=T0 + timedelta(days=2))
    assert again.is_new(1042, T0 + timedelta(hours=1)) is False
    assert again.is_new(1042, T0 + timedelta(hours=2)) is True


@pytest.mark.parametrize("key", [10.5, None, True, ("a", 1)])
def test_given_a_key_that_is_neither_text_nor_integer_when_observed_then_a_type_error_says_what_to_pass(key):
    cursor = WatermarkCursor(None, start=T0, lookback=timedelta(0))
    with pytest.raises(TypeError, match=r"keys must be text or integers .* pass the record's id, or str\(\)"):
        cursor.observe(key, T0)


class NoConfig(ConnectorConfig):
    pass


def family_connector(tmp_path, listings):
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"type": "object", "properties": {"id": {"type": "integer"}}}))

    def read_projects(state):
        listings.append("projects")
        yield from ({"id": i, "name": f"p{i}"} for i in (1, 2, 3))

    def read_tasks(state, parents):
        for parent in parents:
            yield {"id": parent["id"] * 100, "project_id": parent["id"]}

    def build_streams(config):
        return [
            StreamDeclaration("tasks", ("id",), schema, read_tasks, parent="projects", parent_keys=("id",)),
            StreamDeclaration("projects", ("id",), schema, read_projects),
        ]

    return ConnectorDefinition("source-fam", "tap-fam", NoConfig, build_streams, lambda c: None, "https://x.invalid")


def airbyte_records(connector, names):
    catalog = CatalogBuilder()
    for name in names:
        catalog.with_stream(ConfiguredAirbyteStreamBuilder().with_name(name).with_sync_mode(SyncMode.full_refresh))
    output = read(DeclaredSource(connector), {}, catalog.build())
    return [(m.record.stream, m.record.data["id"]) for m in output.records]


def test_given_a_child_listed_before_its_parent_when_read_by_airbyte_then_the_parent_is_listed_once(tmp_path):
    listings = []
    records = airbyte_records(family_connector(tmp_path, listings), ["tasks", "projects"])
    assert listings == ["projects"]
    assert records == [
        ("projects", 1),
        ("projects", 2),
        ("projects", 3),
        ("tasks", 100),
        ("tasks", 200),
        ("tasks", 300),
    ]


def test_given_only_the_child_selected_when_read_by_airbyte_then_the_parent_is_read_but_not_emitted(
    tmp_path,
):
    listings = []
    records = airbyte_records(family_connector(tmp_path, listings), ["tasks"])
    assert listings == ["projects"]
    assert records == [("tasks", 100), ("tasks", 200), ("tasks", 300)]


def test_given_a_parent_and_child_when_synced_by_singer_then_the_parent_is_listed_once(tmp_path):
    listings = []
    tap_class = build_tap_class(family_connector(tmp_path, listings))
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        tap_class(config={}, validate_config=True).sync_all()
    records = [json.loads(line) for line in buffer.getvalue().splitlines()]
    emitted = [(m["stream"], m["record"]["id"]) for m in records if m["type"] == "RECORD"]
    assert listings == ["projects"]
    assert emitted == [
        ("projects", 1),
        ("projects", 2),
        ("projects", 3),
        ("tasks", 100),
        ("tasks", 200),
        ("tasks", 300),
    ]


def test_given_a_child_whose_parent_is_not_declared_when_building_then_a_value_error_names_both(tmp_path):
    connector = family_connector(tmp_path, [])
    only_child = ConnectorDefinition(
        "source-fam", "tap-fam", NoConfig, lambda c: connector.build_streams(c)[:1], lambda c: None, "https://x"
    )
    with pytest.raises(Exception, match="'tasks' is driven by parent 'projects', which is not declared"):
        DeclaredSource(only_child).streams({})
