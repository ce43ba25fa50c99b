"""The ecosystems' own standard suites against the fake API: airbyte-cdk `SourceTestSuiteBase` (scenarios from
acceptance-test-config.yml) and singer-sdk `get_tap_test_class`."""

import pytest
from airbyte_cdk.test.standard_tests import SourceTestSuiteBase
from airbyte_cdk.test.standard_tests.pytest_hooks import (  # the CDK's plugin, scoped to this module
    pytest_generate_tests,  # noqa: F401
    read_from_streams,  # noqa: F401
    read_scenarios,  # noqa: F401
)
from singer_sdk.testing import SuiteConfig, get_tap_test_class
from source_example.source import CONNECTOR
from source_example.tap import TapExample
from tieout_core import DeclaredSource


@pytest.fixture(autouse=True)
def _configs_for_the_scenarios(standard_test_configs):
    """acceptance-test-config.yml names secrets/*.json: written from the running fake API."""


class TestAirbyteStandard(SourceTestSuiteBase):
    @classmethod
    def create_connector(cls, scenario):
        return DeclaredSource(CONNECTOR)


# get_tap_test_class builds a tap at collection time, before any fixture runs: it gets this dict, which the
# class fixture below fills in from the running fake API before the first test (discovery makes no request).
TAP_CONFIG: dict = {"base_url": "http://127.0.0.1:9", "client_id": "placeholder", "client_secret": "placeholder"}


class TestSingerStandard(get_tap_test_class(TapExample, config=TAP_CONFIG, suite_config=SuiteConfig())):
    @pytest.fixture(autouse=True, scope="class")
    @classmethod
    def _fake_api_config(cls, api_config):
        TAP_CONFIG.update(api_config)
