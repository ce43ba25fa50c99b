"""Plain http to a Data Exchange host other than this machine is refused before any request, unless opted in."""

import pytest
import requests
from spectrum_client import DataExchangeClient, DataExchangeSettings, SpectrumConfigError, insecure_url_problem


@pytest.fixture
def requests_made(monkeypatch):
    made = []

    def record(self, method, url, *args, **kwargs):
        made.append((method, url))
        raise requests.ConnectionError("no network in this test")

    monkeypatch.setattr(requests.Session, "request", record)
    return made


@pytest.mark.parametrize(
    "url",
    [
        "http://erp.contractor.invalid:8482",
        "http://10.0.0.5:8482",
        "http://127.0.0.1.evil.example:8482",
        "http://localhost.evil.example",
    ],
)
def test_given_plain_http_to_a_remote_host_when_settings_are_built_then_refused_naming_field_and_fix(
    url, requests_made
):
    with pytest.raises(SpectrumConfigError) as info:
        DataExchangeClient(DataExchangeSettings(url=url, authorization_id="AUTH"))
    message = str(info.value)
    assert message.startswith("`base_url` must use https://")
    assert "allow_insecure_http: true" in message
    assert "localhost, 127.0.0.1 and ::1" in message
    assert requests_made == []


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8482", "http://127.8.9.10", "http://localhost:36009", "http://LOCALHOST", "http://[::1]:8482"],
)
def test_given_plain_http_to_this_machine_when_settings_are_built_then_accepted(url):
    assert DataExchangeSettings(url=url, authorization_id="AUTH").base == url


def test_given_https_or_the_opt_in_when_settings_are_built_then_a_remote_host_is_accepted():
    assert DataExchangeSettings(url="https://acme.dexterchaney.com:8482", authorization_id="A").uses_oauth is False
    settings = DataExchangeSettings(
        url="http://erp.contractor.invalid:8482", authorization_id="A", allow_insecure_http=True
    )
    assert settings.allow_insecure_http is True


def test_given_a_url_carrying_credentials_when_refused_then_the_message_does_not_echo_them():
    problem = insecure_url_problem(
        "http://infolink:Hunter2@erp.example:8482",
        allow_insecure_http=False,
        field="data_exchange.base_url",
        opt_in="data_exchange.allow_insecure_http",
    )
    assert problem is not None
    assert problem.startswith("data_exchange.base_url must use https://")
    assert "set data_exchange.allow_insecure_http: true" in problem
    assert "Hunter2" not in problem and "infolink" not in problem


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("ftp://erp.example", "`data_exchange.base_url` must start with https:// (got 'ftp://erp.example')"),
        ("http://erp.example:8482", "`data_exchange.base_url` must use https://"),
    ],
)
def test_given_the_callers_setting_name_when_the_url_is_refused_then_the_message_names_that_setting(url, expected):
    with pytest.raises(SpectrumConfigError) as info:
        DataExchangeSettings(url=url, authorization_id="AUTH", url_setting="data_exchange.base_url")
    assert str(info.value).startswith(expected)
    assert "sandbox" not in str(info.value)
