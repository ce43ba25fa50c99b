"""The protocol suites of both SDKs against a live sandbox: airbyte-cdk `SourceTestSuiteBase` and
singer-sdk `get_tap_test_class`. Both need the config when the module is collected, so the sandbox
(tests/spectrum_live.py) starts here at collection time."""

from __future__ import annotations

from pathlib import Path

import spectrum_live
from airbyte_cdk.test import standard_tests
from airbyte_cdk.test.models import ConnectorTestScenario
from singer_sdk.testing import SuiteConfig, get_tap_test_class
from source_spectrum.run import source
from source_spectrum.tap import TapSpectrum

pytest_plugins = ["airbyte_cdk.test.standard_tests.pytest_hooks"]


SANDBOX = spectrum_live.start()
INVALID = {
    "transport": "sql",
    "companies": ["MEC"],
    "odbc": {
        "driver": "ODBC Driver 18 for SQL Server",
        "server": "127.0.0.1",
        "database": "Spectrum_0",
        "user": "infolink",
        "password": "not-a-real-password",
    },
}


class TestSourceSpectrumAirbyteStandard(standard_tests.SourceTestSuiteBase):
    @classmethod
    def get_connector_root_dir(cls) -> Path:
        return Path(__file__).parents[1]

    @classmethod
    def create_connector(cls, scenario):
        return source()

    @classmethod
    def get_scenarios(cls) -> list[ConnectorTestScenario]:
        sql = ConnectorTestScenario(
            config_dict=SANDBOX.config("sql"), status="succeed", sections=("connection", "discovery", "basic_read")
        )
        dx = ConnectorTestScenario(
            config_dict=SANDBOX.config("data_exchange"), status="succeed", sections=("connection", "discovery")
        )
        bad = ConnectorTestScenario(config_dict=INVALID, status="failed", sections=("connection",))
        sql._id, dx._id, bad._id = "sandbox_sql", "sandbox_data_exchange", "driver_missing"
        return [sql, dx, bad]


TestTapSpectrumSingerStandard = get_tap_test_class(
    TapSpectrum,
    config=SANDBOX.config("sql"),
    suite_config=SuiteConfig(max_records_limit=200),
)
