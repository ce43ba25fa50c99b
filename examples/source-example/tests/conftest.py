"""The fake API for the whole session, and the configs acceptance-test-config.yml names (under secrets/)."""

import json
import shutil
import sys
from pathlib import Path

import pytest
from tieout_core.testing import scripted_server

# Test helpers live beside the tests under connector-unique module names (pytest runs with importlib mode).
sys.path.insert(0, str(Path(__file__).parent))

from source_example_fake import CLIENT_ID, CLIENT_SECRET, install

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="session")
def api():
    with scripted_server() as server:
        install(server)
        yield server


@pytest.fixture(scope="session")
def api_config(api):
    return {"base_url": api.base_url, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "page_size": 2}


@pytest.fixture(scope="session")
def standard_test_configs(api_config):
    secrets = ROOT / "secrets"
    secrets.mkdir(exist_ok=True)
    (secrets / "config.json").write_text(json.dumps(api_config))
    (secrets / "invalid_config.json").write_text(json.dumps({**api_config, "client_secret": "wrong"}))
    yield secrets
    shutil.rmtree(secrets, ignore_errors=True)
