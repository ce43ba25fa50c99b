"""No Data Exchange call follows a redirect: each carries a credential (Authorization ID, Basic, Bearer, secret)."""

import pytest
from spectrum_client import DataExchangeClient, DataExchangeSettings, RedirectRefused

AUTH_ID = "TIEOUTAUTH01"


def client(fake, **kw):
    values = dict(
        url=fake.url,
        authorization_id=AUTH_ID,
        use_wsdl=False,
        backoff_seconds=0.01,
        url_setting="data_exchange.base_url",
    )
    values.update(kw)
    return DataExchangeClient(DataExchangeSettings(**values))


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_given_a_soap_get_redirected_when_read_then_refused_naming_status_host_and_setting(fake_dx, soap, status):
    fake_dx.handler = lambda seen: soap.Answer(
        status=status, headers={"Location": "https://sso.example.org/login?token=abc"}
    )
    with client(fake_dx) as dx, pytest.raises(RedirectRefused) as info:
        dx.get("GetJob", {"pCompany_Code": "MEC"})
    message = str(info.value)
    assert f"GetJob: Spectrum Data Exchange answered HTTP {status}, a redirect to https://sso.example.org;" in message
    assert "Set `data_exchange.base_url` to the final address" in message and "token=abc" not in message
    assert len(fake_dx.seen) == 1, "the redirect was followed (the envelope carries the Authorization ID)"


def test_given_a_rest_read_redirected_when_read_then_refused(fake_dx, soap):
    fake_dx.handler = lambda seen: soap.Answer(status=302, headers={"Location": "/vendors/MEC/"})
    with client(fake_dx) as dx, pytest.raises(RedirectRefused, match=r"REST /vendors/MEC: .* HTTP 302"):
        dx.rest_get("/vendors/MEC", "MEC")
    assert len(fake_dx.seen) == 1


def test_given_the_oauth_token_request_redirected_when_called_then_the_secret_is_never_resent(fake_dx, soap):
    fake_dx.handler = lambda seen: soap.Answer(status=307, headers={"Location": "http://127.0.0.2:9/connect/token"})
    dx = client(fake_dx, authorization_id=None, client_id="cid", client_secret="csecret")
    with (
        dx,
        pytest.raises(RedirectRefused, match=r"POST /connect/token: .* HTTP 307, a redirect to http://127.0.0.2:9"),
    ):
        dx.rest_get("/vendors/MEC", "MEC")
    assert [s.path for s in fake_dx.seen] == ["/connect/token"]
