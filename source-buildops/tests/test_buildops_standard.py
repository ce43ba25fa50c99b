"""The ecosystem's own standard suites, against the twin: airbyte-cdk `SourceTestSuiteBase` (scenarios
from acceptance-test-config.yml) and singer-sdk `get_tap_test_class`."""

from __future__ import annotations

import pytest
from airbyte_cdk.test.standard_tests import SourceTestSuiteBase
from airbyte_cdk.test.standard_tests.pytest_hooks import (  # the CDK's plugin, scoped to this module
    pytest_generate_tests,  # noqa: F401
    read_from_streams,  # noqa: F401
    read_scenarios,  # noqa: F401
)
from singer_sdk.testing import SuiteConfig, get_tap_test_class
from source_buildops.source import CONNECTOR
from source_buildops.tap import TapBuildOps
from tieout_core import DeclaredSource

pytestmark = pytest.mark.live


@pytest.fixture(autouse=True)
def _configs_for_the_scenarios(standard_test_configs):
    """acceptance-test-config.yml names secrets/*.json: written from the running twin for the session."""


class TestSourceBuildOpsStandard(SourceTestSuiteBase):
    @classmethod
    def create_connector(cls, scenario):
        return DeclaredSource(CONNECTOR)


# get_tap_test_class builds a tap at collection time (to list the streams), before any fixture runs:
# it gets a placeholder (discovery makes no request), which the class fixture below points at the
# running twin before the first test. The runner keeps a reference to this very dict.
LIVE_TAP_CONFIG: dict = {
    "base_url": "http://127.0.0.1:9",
    "client_id": "placeholder",
    "client_secret": "placeholder",
    "tenant_ids": ["00000000-0000-4000-8000-000000000000"],
}

_TapSuite = get_tap_test_class(
    TapBuildOps,
    config=LIVE_TAP_CONFIG,
    suite_config=SuiteConfig(max_records_limit=50),
)


class TestTapBuildOpsStandard(_TapSuite):
    @pytest.fixture(autouse=True, scope="class")
    def _live_config(self, sandbox):
        LIVE_TAP_CONFIG.clear()
        LIVE_TAP_CONFIG.update(sandbox.config)
