import base64
import datetime as dt
import json
from decimal import Decimal

import pytest
from lxml import etree
from spectrum_client import (
    AuthorizationRejected,
    DataExchangeClient,
    DataExchangeSettings,
    PostingOutcomeUnknown,
    SpectrumConfigError,
)

AUTH_ID = "TIEOUTAUTH01"


def client(fake, **kw):
    values = dict(url=fake.url, authorization_id=AUTH_ID, use_wsdl=False, backoff_seconds=0.01)
    values.update(kw)
    return DataExchangeClient(DataExchangeSettings(**values))


def test_given_ar_invoice_lines_when_added_then_one_call_per_record_formatted_for_spectrum(fake_dx, soap):
    answers = [soap.rows("AddARInvoice", [{}]),
               soap.error_row("AddARInvoice", "E", "Customer Code not on file", "Customer_Code")]
    fake_dx.handler = lambda seen: soap.Answer(body=answers.pop(0))
    line = {"Company_Code": "MEC", "Customer_Code": "ACME", "Invoice_Or_Transaction": "BO-1001",
            "Invoice_Date": dt.date(2024, 3, 7), "Line_Extension": Decimal("1250.00"),
            "Retention_Percent": Decimal("10"), "Retention_Amount": Decimal("-0.50")}
    with client(fake_dx) as dx:
        results = dx.add_ar_invoice([line, {**line, "Customer_Code": "NOPE"}])
    assert [r.ok for r in results] == [True, False]
    assert results[1].error_code == "E"
    assert results[1].error_description == "Customer Code not on file"
    assert results[1].error_column == "Customer_Code"
    sent = soap.filters(fake_dx.soap_calls("AddARInvoice")[0])
    assert sent["Invoice_Date"] == "03/07/2024"
    assert sent["Line_Extension"] == "1250.00" and sent["Retention_Amount"] == "-0.50"
    assert list(sent)[:4] == ["Authorization_ID", "GUID", "Company_Code", "GL_Date"]


def test_given_unknown_field_when_put_then_config_error_names_field_and_nothing_sent(fake_dx):
    with client(fake_dx) as dx, pytest.raises(SpectrumConfigError, match="AddJCTrans has no field Amount"):
        dx.add_jc_trans([{"Company_Code": "MEC", "Amount": Decimal("1")}])
    assert fake_dx.seen == []


def test_given_float_money_when_put_then_refused(fake_dx):
    with client(fake_dx) as dx, pytest.raises(SpectrumConfigError, match="money must be Decimal"):
        dx.add_ap_invoice([{"Company_Code": "MEC", "Invoice_Amount": 12.5}])


def test_given_put_answered_500_without_fault_when_posting_then_outcome_unknown_and_not_retried(fake_dx, soap):
    fake_dx.handler = lambda seen: soap.Answer(status=502, body=b"bad gateway")
    with client(fake_dx) as dx, pytest.raises(PostingOutcomeUnknown) as info:
        dx.add_ap_invoice([{"Company_Code": "MEC", "Invoice_Number": "SUB-1"}])
    assert "Check Spectrum before posting again" in str(info.value)
    assert len(fake_dx.seen) == 1


def test_given_connection_dropped_after_send_when_posting_then_outcome_unknown(fake_dx, soap):
    fake_dx.handler = lambda seen: soap.Answer(drop=True)
    with client(fake_dx) as dx, pytest.raises(PostingOutcomeUnknown):
        dx.add_jc_trans([{"Company_Code": "MEC", "Reference_1": "R1"}])
    assert len(fake_dx.seen) == 1


def test_given_rest_customer_invoices_when_posted_then_basic_auth_and_per_invoice_results(fake_dx, soap):
    def handler(seen):
        body = json.loads(seen.body)
        results = [
            {"Invoice_Or_Transaction": inv["Invoice_Or_Transaction"],
             "Error_Code": "" if inv["Customer_Code"] != "NOPE" else "E",
             "Error_Description": "" if inv["Customer_Code"] != "NOPE" else "Customer not found",
             "Error_Column": "" if inv["Customer_Code"] != "NOPE" else "Customer_Code"}
            for inv in body["arInvoices"]
        ]
        return soap.Answer(body=json.dumps({"results": results}).encode(), content_type="application/json")

    fake_dx.handler = handler
    invoices = [
        {"Company_Code": "MEC", "Customer_Code": "ACME", "Invoice_Or_Transaction": "BO-1",
         "Invoice_Date": dt.date(2024, 3, 7), "invoiceDetails": [{"Line_Extension": Decimal("10.00")}]},
        {"Company_Code": "MEC", "Customer_Code": "NOPE", "Invoice_Or_Transaction": "BO-2", "invoiceDetails": []},
    ]
    with client(fake_dx) as dx:
        results = dx.post_customer_invoices("MEC", invoices)
    assert [(r.index, r.ok, r.error_description) for r in results] == [
        (0, True, ""), (1, False, "Customer not found")]
    seen = fake_dx.seen[0]
    assert seen.path == "/customer/invoice"
    assert base64.b64decode(seen.headers["Authorization"].split()[1]).decode() == f"MEC:{AUTH_ID}"
    sent = json.loads(seen.body)["arInvoices"][0]
    assert sent["Invoice_Date"] == "03/07/2024"
    assert sent["invoiceDetails"][0]["Line_Extension"] == "10.00"


def test_given_oauth_client_when_rest_posted_then_token_fetched_once_with_spectrumapi_scope(fake_dx, soap):
    def handler(seen):
        if seen.path == "/connect/token":
            return soap.Answer(body=b'{"access_token":"tok-1","expires_in":3600,"token_type":"Bearer"}',
                               content_type="application/json")
        assert seen.headers["Authorization"] == "Bearer tok-1"
        return soap.Answer(body=b'[{"Error_Code":"","Error_Description":"","Error_Column":""}]',
                           content_type="application/json")

    fake_dx.handler = handler
    with client(fake_dx, authorization_id=None, client_id="cid", client_secret="csecret") as dx:
        dx.update_ap_invoice_hold_flag("MEC", [{"Company_Code": "MEC", "Vendor_Code": "V1",
                                                "Invoice_Number": "1", "Invoice_Type_Code": "I",
                                                "Selection_Flag": "H"}])
        dx.post_vendor_invoices("MEC", [{"Company_Code": "MEC", "Invoice_Number": "2"}])
    token_calls = [s for s in fake_dx.seen if s.path == "/connect/token"]
    assert len(token_calls) == 1
    form = dict(p.split("=") for p in token_calls[0].body.decode().split("&"))
    assert form == {"grant_type": "client_credentials", "client_id": "cid", "client_secret": "csecret",
                    "scope": "spectrumapi"}
    assert json.loads(fake_dx.seen[1].body) == {"aPInvoiceHoldFlagImports": [
        {"Company_Code": "MEC", "Vendor_Code": "V1", "Invoice_Number": "1", "Invoice_Type_Code": "I",
         "Selection_Flag": "H"}]}


def test_given_bad_oauth_secret_when_called_then_authorization_rejected_names_screen(fake_dx, soap):
    fake_dx.handler = lambda seen: soap.Answer(status=401, body=b'{"error":"invalid_client"}',
                                               content_type="application/json")
    dx = client(fake_dx, authorization_id=None, client_id="cid", client_secret="bad-secret")
    with dx, pytest.raises(AuthorizationRejected) as info:
        dx.rest_get("/vendors/MEC", "MEC")
    assert "refused the OAuth client credentials" in str(info.value)
    assert "System Administration > Installation > Data Exchange" in str(info.value)
    assert "bad-secret" not in str(info.value)


def test_given_wrong_authorization_id_when_rest_get_then_401_becomes_authorization_rejected(fake_dx, soap):
    fake_dx.handler = lambda seen: soap.Answer(status=401, body=b"{}", content_type="application/json")
    with client(fake_dx) as dx, pytest.raises(AuthorizationRejected) as info:
        dx.rest_get("/vendors/MEC", "MEC")
    assert "Company_Code as user and the Authorization ID as password" in str(info.value)


def test_given_unknown_rest_put_path_when_posted_then_config_error(fake_dx):
    with client(fake_dx) as dx, pytest.raises(SpectrumConfigError, match="unknown REST Put service"):
        dx.post_rest("/customer/invoices", "MEC", [])


def test_given_put_envelope_when_sent_then_authorization_id_is_in_body_only(fake_dx, soap):
    fake_dx.handler = lambda seen: soap.Answer(body=soap.rows("AddJCTrans", [{}]))
    with client(fake_dx) as dx:
        dx.add_jc_trans([{"Company_Code": "MEC", "Tran_Amount": Decimal("5.00")}])
    method = etree.fromstring(fake_dx.seen[0].body)[0][0]
    assert method[0].text == AUTH_ID
    assert "Authorization" not in fake_dx.seen[0].headers
