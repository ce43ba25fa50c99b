"""The committed spec and catalog snapshots are what the code produces (regenerate with
`.venv/bin/python -m tieout_core.artefacts`)."""

from __future__ import annotations

import json
from pathlib import Path

from source_buildops import artefacts as script
from source_buildops.config import DOCUMENTATION_URL, BuildOpsConfig
from source_buildops.source import SPEC_PATH
from source_buildops.streams import STREAM_NAMES
from tieout_core import check_spec_file, config_json_schema
from tieout_core.artefacts import readme_with_table, stale

ROOT = Path(__file__).resolve().parents[2]
CATALOG_DIR = ROOT / script.CATALOG_DIR
README = ROOT / "source-buildops" / "README.md"


def test_given_the_config_model_when_comparing_then_the_committed_spec_is_current():
    assert check_spec_file(BuildOpsConfig, DOCUMENTATION_URL, SPEC_PATH) is None


def test_given_the_spec_when_reading_it_then_only_the_client_secret_is_secret():
    props = json.loads(SPEC_PATH.read_text())["connectionSpecification"]["properties"]
    assert [name for name, prop in props.items() if prop.get("airbyte_secret")] == ["client_secret"]
    singer = config_json_schema(BuildOpsConfig, "singer")["properties"]
    assert [name for name, prop in singer.items() if prop.get("secret")] == ["client_secret"]


def test_given_the_declarations_when_discovering_then_the_committed_catalogs_are_current():
    discovered = script.discover_catalog()
    assert json.loads((CATALOG_DIR / "discover.json").read_text()) == discovered
    configured = json.loads((CATALOG_DIR / "configured_catalog.json").read_text())
    assert configured == script.configured_catalog(discovered)
    assert [s["name"] for s in discovered["streams"]] == list(STREAM_NAMES)


def test_given_the_declarations_when_discovered_by_singer_then_the_committed_streams_are_current_and_incremental():
    from source_buildops.tap import TapBuildOps
    from tieout_core import singer_streams

    streams = singer_streams(TapBuildOps, script.OFFLINE_CONFIG)
    assert json.loads((CATALOG_DIR / "singer_streams.json").read_text()) == streams
    assert {s["replication_method"] for s in streams["streams"]} == {"INCREMENTAL"}
    assert all(s["replication_key"] for s in streams["streams"])


def test_given_the_config_model_when_rendering_settings_then_the_readme_table_is_current():
    readme = README.read_text()
    assert readme_with_table(readme, BuildOpsConfig) == readme
    assert "| `client_secret` (secret) | required |" in readme


def test_given_the_code_when_regenerating_then_no_committed_artefact_is_stale():
    """Spec, catalogs, the README table and meltano.yml's tap-buildops settings: all what the code writes."""
    assert stale(script.ARTEFACTS, ROOT) == [], "run: .venv/bin/python -m tieout_core.artefacts"
