import uuid

import pytest
from lxml import etree
from spectrum_client import (
    AuthorizationRejected,
    DataExchangeClient,
    DataExchangeSettings,
    DataExchangeUnreachable,
    Partition,
    ServiceError,
    ServiceNotAuthorized,
    SpectrumConfigError,
    TruncatedResult,
)
from spectrum_client.soap import build_envelope

AUTH_ID = "TIEOUTAUTH01"


def client(fake, **kw):
    return DataExchangeClient(
        DataExchangeSettings(url=fake.url, authorization_id=AUTH_ID, use_wsdl=False, backoff_seconds=0.01, **kw)
    )


def test_given_get_job_when_envelope_built_then_document_literal_in_types_namespace_with_every_parameter():
    envelope = build_envelope("GetJob", "AUTH", "g-1", [("pCompany_Code", "MEC"), ("pDivision", "")])
    root = etree.fromstring(envelope)
    assert etree.QName(root).namespace == "http://schemas.xmlsoap.org/soap/envelope/"
    method = root[0][0]
    assert etree.QName(method).text == "{http://www.northgate-is.com/proiv/webservices/types}GetJob"
    assert [etree.QName(c).localname for c in method] == ["Authorization_ID", "GUID", "pCompany_Code", "pDivision"]
    assert [c.text for c in method] == ["AUTH", "g-1", "MEC", None]


def test_given_hostile_filter_text_when_envelope_built_then_escaped_by_lxml():
    envelope = build_envelope("GetJob", "AUTH", "g", [("pCompany_Code", "</pCompany_Code><x>&")])
    method = etree.fromstring(envelope)[0][0]
    assert method[2].text == "</pCompany_Code><x>&"


def test_given_get_job_when_called_then_every_parameter_sent_in_order_with_fresh_guid(fake_dx, soap):
    fake_dx.handler = lambda seen: soap.Answer(body=soap.rows("GetJob", [{"Job_Number": "   19.50"}]))
    with client(fake_dx) as dx:
        first = dx.get("GetJob", {"pCompany_Code": "MEC", "pStatus_Code": "A"})
        dx.get("GetJob", {"pCompany_Code": "MEC"})
    assert first.rows == [{"Job_Number": "   19.50", "Error_Code": " ", "Error_Description": " ", "Error_Column": " "}]
    assert not first.truncated
    calls = fake_dx.soap_calls("GetJob")
    sent = soap.filters(calls[0])
    assert list(sent) == [
        "Authorization_ID",
        "GUID",
        "pCompany_Code",
        "pDivision",
        "pStatus_Code",
        "pProject_Manager",
        "pSuperintendent",
        "pEstimator",
        "pCustomer_Code",
        "pCost_Center",
        "pSort_By",
    ]
    assert sent["pStatus_Code"] == "A" and sent["pDivision"] == ""
    guids = [soap.filters(c)["GUID"] for c in calls]
    assert len(set(guids)) == 2 and all(uuid.UUID(g) for g in guids)
    assert fake_dx.seen[0].headers["Content-Type"] == "text/xml; charset=utf-8"
    assert fake_dx.seen[0].headers["SOAPAction"] == f"{fake_dx.url}/ws/GetJob"


def test_given_capped_answer_when_get_then_flagged_truncated_and_w_row_removed(fake_dx, soap):
    rows = [{"Job_Number": str(i)} for i in range(500)]
    fake_dx.handler = lambda seen: soap.Answer(body=soap.rows("GetJob", rows, capped=True))
    with client(fake_dx) as dx:
        result = dx.get("GetJob", {"pCompany_Code": "MEC"})
        assert result.truncated and len(result.rows) == 500
        assert result.warning == soap.WARNING
        with pytest.raises(TruncatedResult) as info:
            dx.get_complete("GetJob", {"pCompany_Code": "MEC"})
    message = str(info.value)
    assert "GetJob hit Spectrum's row cap with pCompany_Code='MEC': 500 rows came back" in message
    assert "incomplete and was not used" in message


def test_given_capped_phases_when_read_with_job_partition_then_every_row_and_no_capped_answer_used(fake_dx, soap):
    jobs = {f"J{j}": [{"Job_Number": f"J{j}", "Phase_Code": f"{p:04d}"} for p in range(300)] for j in range(3)}

    def handler(seen):
        filters = soap.filters(etree.fromstring(seen.body)[0][0])
        job = filters["pJob_Number"]
        if not job:
            everything = [r for rows in jobs.values() for r in rows]
            return soap.Answer(body=soap.rows("GetPhase", everything[:500], capped=True))
        return soap.Answer(body=soap.rows("GetPhase", jobs[job]))

    fake_dx.handler = handler
    with client(fake_dx) as dx:
        rows = list(dx.get_all("GetPhase", {"pCompany_Code": "MEC"}, [Partition("pJob_Number", lambda: sorted(jobs))]))
    assert len(rows) == 900
    assert len({(r["Job_Number"], r["Phase_Code"]) for r in rows}) == 900
    assert len(fake_dx.seen) == 4


def test_given_always_partition_when_read_then_split_up_front_including_complete_status(fake_dx, soap):
    def handler(seen):
        status = soap.filters(etree.fromstring(seen.body)[0][0])["pStatus_Code"]
        return soap.Answer(body=soap.rows("GetJob", [{"Job_Number": f"{status}1", "Status_Code": status}]))

    fake_dx.handler = handler
    with client(fake_dx) as dx:
        rows = list(
            dx.get_all("GetJob", {"pCompany_Code": "MEC"}, [Partition("pStatus_Code", ["A", "I", "C"], always=True)])
        )
    assert [r["Status_Code"] for r in rows] == ["A", "I", "C"]


def test_given_partition_still_capped_when_read_then_truncated_error_names_the_filters(fake_dx, soap):
    fake_dx.handler = lambda seen: soap.Answer(body=soap.rows("GetJob", [{"Job_Number": "1"}], capped=True))
    with client(fake_dx) as dx, pytest.raises(TruncatedResult) as info:
        list(dx.get_all("GetJob", {"pCompany_Code": "MEC"}, [Partition("pDivision", [])]))
    assert "give values to split by pDivision" in str(info.value)


def test_given_service_not_built_into_authorization_id_when_called_then_error_names_service_and_screen(fake_dx, soap):
    fault = (
        "Error identifying Web Service: class com.northgateis.proiv.ws.servlet."
        "WebServiceIdentificationException: Could not find WebService named: GetJobMain"
    )
    fake_dx.handler = lambda seen: soap.Answer(status=500, body=soap.fault(fault))
    with client(fake_dx) as dx, pytest.raises(ServiceNotAuthorized) as info:
        dx.get("GetJobMain", {"pCompany_Code": "MEC"})
    message = str(info.value)
    assert "service GetJobMain is not authorised for this Authorization ID" in message
    assert "System Administration > Installation > Data Exchange" in message
    assert "Build the service GetJobMain into it" in message
    assert len(fake_dx.seen) == 1  # a Fault is an answer: not retried
    assert AUTH_ID not in message


def test_given_wrong_authorization_id_row_when_called_then_authorization_rejected_names_setting(fake_dx, soap):
    fake_dx.handler = lambda seen: soap.Answer(
        body=soap.error_row("GetJob", "E", "Invalid Authorization ID", "Authorization_ID")
    )
    with client(fake_dx) as dx, pytest.raises(AuthorizationRejected) as info:
        dx.get("GetJob", {"pCompany_Code": "MEC"})
    assert "rejected the Authorization ID for GetJob" in str(info.value)
    assert "Check `authorization_id`" in str(info.value)


def test_given_wrong_authorization_id_fault_when_called_then_authorization_rejected(fake_dx, soap):
    fake_dx.handler = lambda seen: soap.Answer(status=500, body=soap.fault("Authorization ID is not valid"))
    with client(fake_dx) as dx, pytest.raises(AuthorizationRejected, match="Data Exchange"):
        dx.get("GetJob", {"pCompany_Code": "MEC"})


def test_given_error_row_when_get_then_service_error_carries_code_and_column(fake_dx, soap):
    fake_dx.handler = lambda seen: soap.Answer(
        body=soap.error_row("GetJob", "E", "Company not on file", "pCompany_Code")
    )
    with client(fake_dx) as dx, pytest.raises(ServiceError) as info:
        dx.get("GetJob", {"pCompany_Code": "ZZZ"})
    assert info.value.error_code == "E" and info.value.error_column == "pCompany_Code"
    assert str(info.value) == "GetJob answered Error_Code E: Company not on file (column pCompany_Code)"


def test_given_unknown_filter_when_get_then_config_error_lists_accepted_parameters(fake_dx):
    with client(fake_dx) as dx, pytest.raises(SpectrumConfigError, match="GetJob has no filter pJob_Number"):
        dx.get("GetJob", {"pJob_Number": "1"})


def test_given_503_then_success_when_get_then_retried(fake_dx, soap):
    answers = [soap.Answer(status=503, body=b"busy"), soap.Answer(body=soap.rows("GetJob", [{"Job_Number": "1"}]))]
    fake_dx.handler = lambda seen: answers.pop(0)
    with client(fake_dx) as dx:
        assert len(dx.get("GetJob", {"pCompany_Code": "MEC"}).rows) == 1
    assert len(fake_dx.seen) == 2


def test_given_a_429_without_retry_after_when_get_then_retried(fake_dx, soap):
    answers = [
        soap.Answer(status=429, body=b"too many requests"),
        soap.Answer(body=soap.rows("GetJob", [{"Job_Number": "1"}])),
    ]
    fake_dx.handler = lambda seen: answers.pop(0)
    with client(fake_dx) as dx:
        assert len(dx.get("GetJob", {"pCompany_Code": "MEC"}).rows) == 1
    assert len(fake_dx.seen) == 2


def test_given_nothing_listening_when_get_then_unreachable_names_url():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = DataExchangeSettings(
        url=f"http://127.0.0.1:{port}", authorization_id=AUTH_ID, use_wsdl=False, max_attempts=2, backoff_seconds=0.01
    )
    with DataExchangeClient(settings) as dx, pytest.raises(DataExchangeUnreachable) as info:
        dx.get("GetJob", {"pCompany_Code": "MEC"})
    assert f"at http://127.0.0.1:{port} did not answer after 2 attempts" in str(info.value)


def test_given_wsdl_when_sequence_needed_then_wsdl_order_wins(fake_dx, soap):
    wsdl = b"""<definitions xmlns='http://schemas.xmlsoap.org/wsdl/' xmlns:xsd='http://www.w3.org/2001/XMLSchema'>
      <types><xsd:schema targetNamespace='http://www.northgate-is.com/proiv/webservices/types'>
      <xsd:element name='GetCustomers'><xsd:complexType><xsd:sequence>
        <xsd:element name='Authorization_ID' type='xsd:string'/><xsd:element name='GUID' type='xsd:string'/>
        <xsd:element name='pCompany_Code' type='xsd:string'/><xsd:element name='pStatus' type='xsd:string'/>
        <xsd:element name='pCustomer_Code' type='xsd:string'/>
      </xsd:sequence></xsd:complexType></xsd:element></xsd:schema></types></definitions>"""

    def handler(seen):
        if seen.path == "/wsdls/GetCustomers.jws":
            return soap.Answer(body=wsdl)
        return soap.Answer(body=soap.rows("GetCustomers", []))

    fake_dx.handler = handler
    settings = DataExchangeSettings(url=fake_dx.url, authorization_id=AUTH_ID)
    with DataExchangeClient(settings) as dx:
        dx.get("GetCustomers", {"pCompany_Code": "MEC", "pCustomer_Code": "C1"})
        dx.get("GetCustomers", {"pCompany_Code": "MEC"})
    sent = soap.filters(fake_dx.soap_calls("GetCustomers")[0])
    assert list(sent)[2:] == ["pCompany_Code", "pStatus", "pCustomer_Code"]
    assert [s.path for s in fake_dx.seen].count("/wsdls/GetCustomers.jws") == 1  # read once


def test_given_settings_without_credentials_when_built_then_error_names_both_options():
    with pytest.raises(SpectrumConfigError, match=r"authorization_id.*client_id.*client_secret"):
        DataExchangeSettings(url="https://acme.dexterchaney.com:8482")
    with pytest.raises(SpectrumConfigError, match="at most 20 characters"):
        DataExchangeSettings(url="https://x", authorization_id="A" * 21)
