import json
from pathlib import Path

import pytest
from source_spectrum.artefacts import ARTEFACTS, CATALOG_DIR, SCHEMA_DIR
from source_spectrum.catalog import DX_STREAMS, SQL_STREAMS
from source_spectrum.config import SpectrumConfig
from source_spectrum.source import CONNECTOR, DOCS, SPEC_PATH
from tieout_core import ConfigError, check_spec_file
from tieout_core.artefacts import stale

ROOT = Path(__file__).resolve().parents[2]
REGENERATE = "run: .venv/bin/python -m tieout_core.artefacts"

SQL = {"transport": "sql", "companies": ["MEC", "FPR"], "odbc": {"driver": "SQLite3", "database": "/x.sqlite"}}
DX = {
    "transport": "data_exchange",
    "companies": ["MEC"],
    "data_exchange": {"base_url": "https://acme.dexterchaney.com:8482", "authorization_id": "AUTH"},
}


def test_given_committed_spec_when_compared_with_model_then_current():
    assert check_spec_file(SpectrumConfig, DOCS, SPEC_PATH) is None


def test_given_committed_schemas_when_compared_with_catalog_then_current():
    assert [path for path in stale(ARTEFACTS, ROOT) if path.startswith(SCHEMA_DIR)] == [], REGENERATE


def test_given_spec_when_read_then_nested_secrets_are_found_by_the_airbyte_masker():
    from airbyte_cdk.utils.airbyte_secrets_utils import get_secret_paths

    spec = json.loads(SPEC_PATH.read_text())["connectionSpecification"]
    assert sorted(get_secret_paths(spec)) == [
        ["data_exchange", "authorization_id"],
        ["data_exchange", "client_secret"],
        ["odbc", "connection_string"],
        ["odbc", "password"],
    ]


@pytest.mark.parametrize("code", ["mec", "ABCD", "M-C", ""])
def test_given_bad_company_code_when_parsed_then_error_names_field_and_rule(code):
    with pytest.raises(ConfigError) as info:
        CONNECTOR.parse_config({**SQL, "companies": [code]})
    assert "companies" in str(info.value)
    assert "1-3 characters A-Z or 0-9" in str(info.value)


def test_given_duplicate_company_when_parsed_then_error():
    with pytest.raises(ConfigError, match="listed twice"):
        CONNECTOR.parse_config({**SQL, "companies": ["MEC", "MEC"]})


def test_given_sql_without_odbc_settings_when_parsed_then_error_names_the_block():
    with pytest.raises(ConfigError, match="transport `sql` needs the `odbc` settings"):
        CONNECTOR.parse_config({"transport": "sql", "companies": ["MEC"]})
    with pytest.raises(ConfigError, match=r"odbc: .*odbc needs `connection_string`, or `driver`"):
        CONNECTOR.parse_config({**SQL, "odbc": {"server": "db"}})


def test_given_data_exchange_without_credentials_when_parsed_then_error_names_fields():
    with pytest.raises(ConfigError, match="needs `authorization_id`, or `client_id` and `client_secret`"):
        CONNECTOR.parse_config({**DX, "data_exchange": {"base_url": "https://x:8482"}})
    with pytest.raises(ConfigError, match=r"data_exchange\.base_url: Field required"):
        CONNECTOR.parse_config({**DX, "data_exchange": {"authorization_id": "A"}})
    with pytest.raises(ConfigError, match=r"data_exchange\.base_url: .*must start with https://"):
        CONNECTOR.parse_config({**DX, "data_exchange": {"base_url": "acme:8482", "authorization_id": "A"}})


def test_given_bad_config_when_parsed_then_secret_values_not_echoed():
    with pytest.raises(ConfigError) as info:
        CONNECTOR.parse_config(
            {**DX, "companies": ["bad"], "data_exchange": {"base_url": "x", "authorization_id": "SUPERSECRET"}}
        )
    assert "SUPERSECRET" not in str(info.value)


def test_given_catalog_when_listed_then_every_required_stream_is_declared():
    sql = {s.name for s in SQL_STREAMS}
    assert {
        "jobs",
        "phases",
        "cost_types",
        "job_cost_transactions",
        "customers",
        "ar_contracts",
        "ar_invoices",
        "ar_invoice_lines",
        "ar_open_items",
        "ar_payments",
        "progress_billings",
        "progress_billing_items",
        "vendors",
        "vendor_compliance",
        "subcontracts",
        "ap_invoices",
        "ap_invoice_lines",
        "ap_open_items",
        "ap_payments",
        "payroll_time_cards",
        "gl_detail",
    } <= sql
    assert {s.name for s in DX_STREAMS} == {
        "jobs",
        "job_main",
        "job_dates",
        "phases",
        "customers",
        "vendors",
        "employees",
        "equipment",
    }


def test_given_readme_when_read_then_support_table_lists_every_stream():
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    for name in {s.name for s in (*SQL_STREAMS, *DX_STREAMS)}:
        assert f"| `{name}` |" in readme, name


def test_given_committed_catalog_snapshot_when_rediscovered_then_current():
    assert [path for path in stale(ARTEFACTS, ROOT) if path.startswith(CATALOG_DIR)] == [], REGENERATE


def test_given_the_code_when_regenerating_then_no_committed_artefact_is_stale():
    """Spec, schemas, catalogs and meltano.yml's tap-spectrum settings: all what the code writes."""
    assert stale(ARTEFACTS, ROOT) == [], REGENERATE


def test_given_plain_http_data_exchange_url_to_a_remote_host_when_parsed_then_refused_naming_field_and_fix():
    with pytest.raises(ConfigError) as info:
        CONNECTOR.parse_config(
            {
                **DX,
                "data_exchange": {"base_url": "http://erp.contractor.invalid:8482", "authorization_id": "SUPERSECRET"},
            }
        )
    message = str(info.value)
    assert message.startswith("Invalid config: data_exchange.base_url must use https://")
    assert "or set data_exchange.allow_insecure_http: true" in message
    assert "SUPERSECRET" not in message


def test_given_plain_http_data_exchange_url_when_checked_through_main_py_then_failed_before_any_request(tmp_path):
    import subprocess
    import sys

    config = {**DX, "data_exchange": {"base_url": "http://erp.contractor.invalid:8482", "authorization_id": "AUTH"}}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    main = Path(__file__).parents[1] / "main.py"
    out = subprocess.run(
        [sys.executable, str(main), "check", "--config", str(path)], capture_output=True, text=True, timeout=120
    )
    messages = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    statuses = [m["connectionStatus"] for m in messages if m["type"] == "CONNECTION_STATUS"]
    assert statuses and statuses[-1]["status"] == "FAILED", out.stdout[-2000:]
    assert "data_exchange.base_url must use https://" in statuses[-1]["message"]
    assert "did not answer" not in out.stdout + out.stderr  # refused up front, never dialled


@pytest.mark.parametrize("url", ["http://127.0.0.1:8482", "http://localhost:8482", "http://[::1]:8482"])
def test_given_plain_http_to_this_machine_when_parsed_then_accepted(url):
    config = CONNECTOR.parse_config({**DX, "data_exchange": {"base_url": url, "authorization_id": "AUTH"}})
    assert config.data_exchange.base_url == url


def test_given_the_opt_in_when_parsed_then_plain_http_to_a_remote_host_reaches_the_client_settings():
    from source_spectrum.transports.data_exchange import dx_settings

    config = CONNECTOR.parse_config(
        {
            **DX,
            "data_exchange": {
                "base_url": "http://erp.contractor.invalid:8482",
                "authorization_id": "AUTH",
                "allow_insecure_http": True,
            },
        }
    )
    settings = dx_settings(config)
    assert settings.url == "http://erp.contractor.invalid:8482" and settings.allow_insecure_http is True


def test_given_a_negative_stall_timeout_when_parsed_then_error_names_the_setting_and_zero_means_never():
    with pytest.raises(ConfigError, match=r"odbc\.stall_timeout_seconds: .*greater than or equal to 0"):
        CONNECTOR.parse_config({**SQL, "odbc": {**SQL["odbc"], "stall_timeout_seconds": -5}})
    from source_spectrum.transports.sql import odbc_settings

    never = CONNECTOR.parse_config({**SQL, "odbc": {**SQL["odbc"], "stall_timeout_seconds": 0}})
    assert odbc_settings(never).stall_timeout is None
    assert odbc_settings(CONNECTOR.parse_config(SQL)).stall_timeout == 1800
