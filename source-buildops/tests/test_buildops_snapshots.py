"""The committed spec and catalog snapshots are what the code produces (regenerate with
`.venv/bin/python source-buildops/scripts/write_catalogs.py`)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from source_buildops.config import DOCUMENTATION_URL, BuildOpsConfig
from source_buildops.source import SPEC_PATH
from source_buildops.streams import STREAM_NAMES
from tieout_core import check_spec_file, config_json_schema

SCRIPT = Path(__file__).parents[1] / "scripts" / "write_catalogs.py"


def load_script():
    spec = importlib.util.spec_from_file_location("buildops_write_catalogs", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_given_the_config_model_when_comparing_then_the_committed_spec_is_current():
    assert check_spec_file(BuildOpsConfig, DOCUMENTATION_URL, SPEC_PATH) is None


def test_given_the_spec_when_reading_it_then_only_the_client_secret_is_secret():
    props = json.loads(SPEC_PATH.read_text())["connectionSpecification"]["properties"]
    assert [name for name, prop in props.items() if prop.get("airbyte_secret")] == ["client_secret"]
    singer = config_json_schema(BuildOpsConfig, "singer")["properties"]
    assert [name for name, prop in singer.items() if prop.get("secret")] == ["client_secret"]


def test_given_the_declarations_when_discovering_then_the_committed_catalogs_are_current():
    script = load_script()
    discovered = script.discover_catalog()
    assert json.loads((script.CATALOG_DIR / "discover.json").read_text()) == discovered
    configured = json.loads((script.CATALOG_DIR / "configured_catalog.json").read_text())
    assert configured == script.configured_catalog(discovered)
    assert [s["name"] for s in discovered["streams"]] == list(STREAM_NAMES)


def test_given_the_declarations_when_discovered_by_singer_then_the_committed_streams_are_current_and_incremental():
    from source_buildops.tap import TapBuildOps
    from tieout_core.singer import singer_streams

    script = load_script()
    streams = singer_streams(TapBuildOps, script.OFFLINE_CONFIG)
    assert json.loads((script.CATALOG_DIR / "singer_streams.json").read_text()) == streams
    assert {s["replication_method"] for s in streams["streams"]} == {"INCREMENTAL"}
    assert all(s["replication_key"] for s in streams["streams"])


def test_given_the_config_model_when_rendering_settings_then_the_readme_table_is_current():
    script = load_script()
    readme = script.README.read_text()
    assert script.readme_with_table(readme) == readme
    assert "| `client_secret` (secret) | required |" in readme
