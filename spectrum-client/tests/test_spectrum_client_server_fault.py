"""A SOAP `Server` Fault on a Get is Spectrum failing inside, so it is retried; a `Client` Fault is not."""

from __future__ import annotations

import pytest
from spectrum_client import DataExchangeClient, DataExchangeError, DataExchangeSettings

AUTH_ID = "TIEOUTAUTH01"


def server_fault(text: str) -> bytes:
    return (
        "<SOAP-ENV:Envelope xmlns:SOAP-ENV='http://schemas.xmlsoap.org/soap/envelope/'><SOAP-ENV:Body>"
        f"<SOAP-ENV:Fault><faultcode>SOAP-ENV:Server</faultcode><faultstring>{text}</faultstring>"
        "</SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>"
    ).encode()


def client(fake, **kw):
    settings = DataExchangeSettings(url=fake.url, authorization_id=AUTH_ID, use_wsdl=False, backoff_seconds=0.01, **kw)
    return DataExchangeClient(settings)


def test_given_a_burst_of_server_faults_when_getting_then_the_call_is_retried_until_it_answers(fake_dx, soap):
    def handler(seen):
        if len(fake_dx.seen) <= 2:
            return soap.Answer(status=500, body=server_fault("Internal error in web service"))
        return soap.Answer(body=soap.rows("GetJob", [{"Job_Number": "40001"}]))

    fake_dx.handler = handler
    with client(fake_dx) as dx:
        result = dx.get("GetJob", {"pCompany_Code": "MEC"})
    assert [r["Job_Number"] for r in result.rows] == ["40001"]
    assert len(fake_dx.seen) == 3


def test_given_server_faults_that_never_stop_when_getting_then_the_error_names_the_service_and_the_fault(fake_dx, soap):
    fake_dx.handler = lambda seen: soap.Answer(status=500, body=server_fault("Internal error in web service"))
    with client(fake_dx, max_attempts=3) as dx, pytest.raises(DataExchangeError) as raised:
        dx.get("GetCustomers", {"pCompany_Code": "MEC"})
    assert "GetCustomers answered with a SOAP Fault SOAP-ENV:Server: Internal error in web service" in str(raised.value)
    assert len(fake_dx.seen) == 3
