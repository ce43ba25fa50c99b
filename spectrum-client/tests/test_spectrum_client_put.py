import base64
import dataclasses
import datetime as dt
import json
from decimal import Decimal

import pytest
from lxml import etree
from spectrum_client import (
    AuthorizationRejected,
    DataExchangeClient,
    DataExchangeError,
    DataExchangeSettings,
    PostingOutcomeUnknown,
    PostingUnconfirmed,
    SpectrumConfigError,
)

AUTH_ID = "TIEOUTAUTH01"


def client(fake, **kw):
    values = dict(url=fake.url, authorization_id=AUTH_ID, use_wsdl=False, backoff_seconds=0.01)
    values.update(kw)
    return DataExchangeClient(DataExchangeSettings(**values))


def test_given_ar_invoice_lines_when_added_then_one_call_per_record_formatted_for_spectrum(fake_dx, soap):
    answers = [
        soap.rows("AddARInvoice", [{}]),
        soap.error_row("AddARInvoice", "E", "Customer Code not on file", "Customer_Code"),
    ]
    fake_dx.handler = lambda seen: soap.Answer(body=answers.pop(0))
    line = {
        "Company_Code": "MEC",
        "Customer_Code": "ACME",
        "Invoice_Or_Transaction": "BO-1001",
        "Invoice_Date": dt.date(2024, 3, 7),
        "Line_Extension": Decimal("1250.00"),
        "Retention_Percent": Decimal("10"),
        "Retention_Amount": Decimal("-0.50"),
    }
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
            {
                "Invoice_Or_Transaction": inv["Invoice_Or_Transaction"],
                "Error_Code": "" if inv["Customer_Code"] != "NOPE" else "E",
                "Error_Description": "" if inv["Customer_Code"] != "NOPE" else "Customer not found",
                "Error_Column": "" if inv["Customer_Code"] != "NOPE" else "Customer_Code",
            }
            for inv in body["arInvoices"]
        ]
        return soap.Answer(body=json.dumps({"results": results}).encode(), content_type="application/json")

    fake_dx.handler = handler
    invoices = [
        {
            "Company_Code": "MEC",
            "Customer_Code": "ACME",
            "Invoice_Or_Transaction": "BO-1",
            "Invoice_Date": dt.date(2024, 3, 7),
            "invoiceDetails": [{"Line_Extension": Decimal("10.00")}],
        },
        {"Company_Code": "MEC", "Customer_Code": "NOPE", "Invoice_Or_Transaction": "BO-2", "invoiceDetails": []},
    ]
    with client(fake_dx) as dx:
        results = dx.post_customer_invoices("MEC", invoices)
    assert [(r.index, r.ok, r.error_description) for r in results] == [(0, True, ""), (1, False, "Customer not found")]
    seen = fake_dx.seen[0]
    assert seen.path == "/customer/invoice"
    assert base64.b64decode(seen.headers["Authorization"].split()[1]).decode() == f"MEC:{AUTH_ID}"
    sent = json.loads(seen.body)["arInvoices"][0]
    assert sent["Invoice_Date"] == "03/07/2024"
    assert sent["invoiceDetails"][0]["Line_Extension"] == "10.00"


def test_given_oauth_client_when_rest_posted_then_token_fetched_once_with_spectrumapi_scope(fake_dx, soap):
    def handler(seen):
        if seen.path == "/connect/token":
            return soap.Answer(
                body=b'{"access_token":"tok-1","expires_in":3600,"token_type":"Bearer"}',
                content_type="application/json",
            )
        assert seen.headers["Authorization"] == "Bearer tok-1"
        return soap.Answer(
            body=b'[{"Error_Code":"","Error_Description":"","Error_Column":""}]', content_type="application/json"
        )

    fake_dx.handler = handler
    with client(fake_dx, authorization_id=None, client_id="cid", client_secret="csecret") as dx:
        dx.update_ap_invoice_hold_flag(
            "MEC",
            [
                {
                    "Company_Code": "MEC",
                    "Vendor_Code": "V1",
                    "Invoice_Number": "1",
                    "Invoice_Type_Code": "I",
                    "Selection_Flag": "H",
                }
            ],
        )
        dx.post_vendor_invoices("MEC", [{"Company_Code": "MEC", "Invoice_Number": "2"}])
    token_calls = [s for s in fake_dx.seen if s.path == "/connect/token"]
    assert len(token_calls) == 1
    form = dict(p.split("=") for p in token_calls[0].body.decode().split("&"))
    assert form == {
        "grant_type": "client_credentials",
        "client_id": "cid",
        "client_secret": "csecret",
        "scope": "spectrumapi",
    }
    assert json.loads(fake_dx.seen[1].body) == {
        "aPInvoiceHoldFlagImports": [
            {
                "Company_Code": "MEC",
                "Vendor_Code": "V1",
                "Invoice_Number": "1",
                "Invoice_Type_Code": "I",
                "Selection_Flag": "H",
            }
        ]
    }


def test_given_bad_oauth_secret_when_called_then_authorization_rejected_names_screen(fake_dx, soap):
    fake_dx.handler = lambda seen: soap.Answer(
        status=401, body=b'{"error":"invalid_client"}', content_type="application/json"
    )
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


# --- a post is confirmed only by Spectrum's own result rows for the document --------------------------------

INVOICE = {
    "Company_Code": "MEC",
    "Customer_Code": "ACME",
    "Invoice_Or_Transaction": "BO-7",
    "invoiceDetails": [{"Line_Extension": Decimal("10.00")}],
}
LOGIN_PAGE = b"<html><body><form action='/login'>Sign in</form></body></html>"


@pytest.mark.parametrize(
    "status, body, content_type, said",
    [
        (200, b"{}", "application/json", "HTTP 200 (application/json, 2 bytes) with no result rows"),
        (201, b"[]", "application/json", "HTTP 201 (application/json, 2 bytes) with no result rows"),
        (200, LOGIN_PAGE, "text/html", "(text/html, 62 bytes) with a body that is not JSON"),
        (
            200,
            b'{"arInvoices": [{"Invoice_Or_Transaction": "BO-7", "Error_Co',
            "application/json",
            "with a body that is not JSON",
        ),
        (
            200,
            b'{"arInvoices": [{"Invoice_Or_Transaction": "BO-8", "Error_Code": " "}]}',
            "application/json",
            "with no result row for BO-7",
        ),
    ],
    ids=["empty object", "empty list", "html login page", "truncated json", "rows for another document"],
)
def test_given_a_put_answered_without_its_result_rows_when_posted_over_rest_then_unconfirmed_never_posted(
    fake_dx, soap, status, body, content_type, said
):
    fake_dx.handler = lambda seen: soap.Answer(status=status, body=body, content_type=content_type)
    with client(fake_dx) as dx, pytest.raises(PostingUnconfirmed) as info:
        dx.post_customer_invoices("MEC", [INVOICE])
    message = str(info.value)
    assert message.startswith("REST /customer/invoice: Data Exchange answered") and said in message, message
    assert "Check Spectrum before posting again" in message
    assert isinstance(info.value, PostingOutcomeUnknown), "callers that handle a lost answer handle this too"
    assert len(fake_dx.seen) == 1, "an unconfirmed Put is never re-sent"


def test_given_a_later_result_row_with_an_error_when_posted_over_rest_then_the_document_is_rejected(fake_dx, soap):
    rows = [
        {"Error_Code": " ", "Error_Description": " ", "Error_Column": " "},
        {"Error_Code": "E", "Error_Description": "Line 2: Phase not on file", "Error_Column": "Phase_Code"},
    ]
    fake_dx.handler = lambda seen: soap.Answer(
        body=json.dumps({"arInvoices": rows}).encode(), content_type="application/json"
    )
    with client(fake_dx) as dx:
        [result] = dx.post_customer_invoices("MEC", [INVOICE])
    assert (result.ok, result.error_code, result.error_description, result.error_column) == (
        False,
        "E",
        "Line 2: Phase not on file",
        "Phase_Code",
    )


def test_given_a_header_row_ok_and_a_detail_line_error_when_posted_over_rest_then_rejected(fake_dx, soap):
    row = {
        "Invoice_Or_Transaction": "BO-7",
        "Error_Code": " ",
        "Error_Description": " ",
        "Error_Column": " ",
        "invoiceDetails": [
            {"Sequence": 1, "Error_Code": " "},
            {
                "Sequence": 2,
                "Error_Code": "E",
                "Error_Description": "Cost type not on file",
                "Error_Column": "Cost_Type",
            },
        ],
    }
    fake_dx.handler = lambda seen: soap.Answer(
        body=json.dumps({"arInvoices": [row]}).encode(), content_type="application/json"
    )
    with client(fake_dx) as dx:
        [result] = dx.post_customer_invoices("MEC", [INVOICE])
    assert (result.ok, result.error_description) == (False, "Cost type not on file")


def test_given_several_documents_and_rows_naming_each_when_posted_then_each_gets_its_own_verdict(fake_dx, soap):
    second = {**INVOICE, "Invoice_Or_Transaction": "BO-9"}
    rows = [
        {"Invoice_Or_Transaction": "BO-9", "Error_Code": "E", "Error_Description": "Job closed"},
        {"Invoice_Or_Transaction": "BO-7", "Error_Code": " "},
        {"Invoice_Or_Transaction": "BO-7", "Error_Code": " ", "Batch_Code": "TIEOUT"},
    ]
    fake_dx.handler = lambda seen: soap.Answer(body=json.dumps(rows).encode(), content_type="application/json")
    with client(fake_dx) as dx:
        results = dx.post_customer_invoices("MEC", [INVOICE, second])
    assert [(r.index, r.ok, r.error_description) for r in results] == [(0, True, ""), (1, False, "Job closed")]


def test_given_a_redirect_on_a_put_when_posted_then_not_followed_and_unconfirmed_naming_status_and_host(fake_dx, soap):
    location = {"Location": "https://login.example.net:8443/sso?next=/customer/invoice"}
    fake_dx.handler = lambda seen: soap.Answer(status=302, headers=location)
    with client(fake_dx) as dx, pytest.raises(PostingUnconfirmed) as info:
        dx.post_customer_invoices("MEC", [INVOICE])
    message = str(info.value)
    assert "HTTP 302, a redirect to https://login.example.net:8443; it was not followed" in message, message
    assert "Set `base_url` to the final address" in message and "sso" not in message
    assert [s.method for s in fake_dx.seen] == ["POST"], "the redirect was followed"


@pytest.mark.parametrize(
    "body, said",
    [(LOGIN_PAGE, "(text/xml, 62 bytes) with a body that is not a SOAP envelope"), (b"", "without a result row")],
    ids=["html login page", "envelope without rows"],
)
def test_given_a_soap_put_answered_without_a_result_row_when_posted_then_unconfirmed(fake_dx, soap, body, said):
    if not body:
        body = soap.rows("AddARInvoice", [])
    fake_dx.handler = lambda seen: soap.Answer(body=body)
    with client(fake_dx) as dx, pytest.raises(PostingUnconfirmed) as info:
        dx.add_ar_invoice([{"Company_Code": "MEC", "Invoice_Or_Transaction": "BO-7"}])
    assert said in str(info.value), str(info.value)
    assert len(fake_dx.seen) == 1


def test_given_several_soap_rows_with_a_later_error_when_put_then_the_record_is_rejected(fake_dx, soap):
    envelope = soap.rows("AddARInvoice", [{}]).replace(
        b"</response>",
        b"</response><response><Error_Code>E</Error_Code><Error_Description>GL period closed</Error_Description>"
        b"<Error_Column>GL_Date</Error_Column></response>",
        1,
    )
    fake_dx.handler = lambda seen: soap.Answer(body=envelope)
    with client(fake_dx) as dx:
        [result] = dx.add_ar_invoice([{"Company_Code": "MEC", "Invoice_Or_Transaction": "BO-7"}])
    assert (result.ok, result.error_description, result.error_column) == (False, "GL period closed", "GL_Date")


def test_given_a_soap_server_fault_on_a_put_when_posted_then_unconfirmed_not_a_crash(fake_dx, soap):
    fault = soap.fault("java.lang.NullPointerException").replace(b"SOAP-ENV:Client", b"SOAP-ENV:Server")
    fake_dx.handler = lambda seen: soap.Answer(status=500, body=fault)
    with client(fake_dx) as dx, pytest.raises(PostingUnconfirmed, match="a SOAP Fault SOAP-ENV:Server"):
        dx.add_ar_invoice([{"Company_Code": "MEC", "Invoice_Or_Transaction": "BO-7"}])


def test_given_a_put_answered_with_several_rows_and_an_error_on_a_later_one_when_added_then_it_is_a_failure(
    fake_dx, soap
):
    # Spectrum has answered one Put with a blank first row and the error on the second: taking the first row's
    # blank Error_Code as success would record a document Spectrum refused as posted.
    later_error = (
        "<response><Error_Code>E</Error_Code><Error_Description>Job J100 is closed</Error_Description>"
        "<Error_Column>Job_Number</Error_Column></response></addARInvoice>"
    )
    body = soap.rows("AddARInvoice", [{}]).replace(b"</addARInvoice>", later_error.encode())
    fake_dx.handler = lambda seen: soap.Answer(body=body)
    line = {
        "Company_Code": "MEC",
        "Customer_Code": "ACME",
        "Invoice_Or_Transaction": "BO-1002",
        "Job_Number": "J100",
        "Line_Extension": Decimal("10.01"),
    }
    with client(fake_dx) as dx:
        (result,) = dx.add_ar_invoice([line])
    assert result.ok is False
    assert (result.error_code, result.error_description, result.error_column) == (
        "E",
        "Job J100 is closed",
        "Job_Number",
    )


def test_given_two_unnumbered_items_and_one_anonymous_row_when_posted_over_rest_then_both_are_named_unconfirmed(
    fake_dx, soap
):
    # One row that names no document cannot be attributed to either of two items: the message counts items from 1.
    rows = [{"Error_Code": " ", "Error_Description": " ", "Error_Column": " "}]
    fake_dx.handler = lambda seen: soap.Answer(
        body=json.dumps({"arInvoices": rows}).encode(), content_type="application/json"
    )
    unnumbered = {"Company_Code": "MEC", "Customer_Code": "ACME", "invoiceDetails": [{"Line_Extension": "1.01"}]}
    with client(fake_dx) as dx, pytest.raises(PostingUnconfirmed, match=r"no result row for #1, #2"):
        dx.post_customer_invoices("MEC", [unnumbered, dict(unnumbered)])


# --- make mutate survivors (issue 19): what a REST answer must look like before it counts -----------------------


def rest_answer(soap, body, status=200):
    return lambda seen: soap.Answer(status=status, body=json.dumps(body).encode(), content_type="application/json")


def test_given_an_answer_that_only_echoes_the_invoice_without_error_codes_when_posted_then_unconfirmed(fake_dx, soap):
    # A proxy or a misconfigured endpoint that hands the request back is not Spectrum saying "posted".
    fake_dx.handler = rest_answer(soap, {"arInvoices": [{"Invoice_Or_Transaction": "BO-7", "Customer_Code": "ACME"}]})
    with client(fake_dx) as dx, pytest.raises(PostingUnconfirmed, match="with no result rows"):
        dx.post_customer_invoices("MEC", [INVOICE])


def test_given_an_error_row_wrapped_one_level_inside_a_list_when_posted_then_the_document_is_rejected(fake_dx, soap):
    wrapped = [
        {
            "result": {
                "Invoice_Or_Transaction": "BO-7",
                "Error_Code": "E",
                "Error_Description": "Job J100 is closed",
                "Error_Column": "Job_Number",
            }
        }
    ]
    fake_dx.handler = rest_answer(soap, wrapped)
    with client(fake_dx) as dx:
        [result] = dx.post_customer_invoices("MEC", [INVOICE])
    assert (result.ok, result.error_code, result.error_column) == (False, "E", "Job_Number")


def test_given_a_400_answer_without_error_rows_when_posted_then_a_refusal_naming_the_status_not_an_unknown_outcome(
    fake_dx, soap
):
    fake_dx.handler = rest_answer(soap, {"message": "Bad Request"}, status=400)
    with client(fake_dx) as dx, pytest.raises(DataExchangeError) as info:
        dx.post_customer_invoices("MEC", [INVOICE])
    assert not isinstance(info.value, PostingOutcomeUnknown), "a 400 is Spectrum refusing the request"
    assert "REST /customer/invoice answered HTTP 400" in str(info.value), str(info.value)


def test_given_a_400_answer_with_the_error_row_when_posted_then_the_document_is_rejected_with_spectrums_reason(
    fake_dx, soap
):
    row = {"Invoice_Or_Transaction": "BO-7", "Error_Code": "E", "Error_Description": "Customer not on file"}
    fake_dx.handler = rest_answer(soap, [row], status=400)
    with client(fake_dx) as dx:
        [result] = dx.post_customer_invoices("MEC", [INVOICE])
    assert (result.ok, result.error_description) == (False, "Customer not on file")


def test_given_two_errors_for_one_document_when_posted_then_the_first_is_reported(fake_dx, soap):
    rows = [
        {"Invoice_Or_Transaction": "BO-7", "Error_Code": "E1", "Error_Description": "GL period closed"},
        {"Invoice_Or_Transaction": "BO-7", "Error_Code": "E2", "Error_Description": "Phase not on file"},
    ]
    fake_dx.handler = rest_answer(soap, rows)
    with client(fake_dx) as dx:
        [result] = dx.post_customer_invoices("MEC", [INVOICE])
    assert (result.ok, result.error_code, result.error_description) == (False, "E1", "GL period closed")


def test_given_a_header_row_with_the_batch_and_a_detail_row_both_ok_when_posted_then_the_verdict_carries_the_header(
    fake_dx, soap
):
    # The destination records the batch Spectrum put the document in from the verdict's row.
    rows = [
        {"Invoice_Or_Transaction": "BO-7", "Error_Code": " ", "Batch_Code": "TIEOUT01"},
        {"Invoice_Or_Transaction": "BO-7", "Error_Code": " ", "Sequence": 1},
    ]
    fake_dx.handler = rest_answer(soap, rows)
    with client(fake_dx) as dx:
        [result] = dx.post_customer_invoices("MEC", [INVOICE])
    assert result.ok and result.response["Batch_Code"] == "TIEOUT01"


def test_given_an_invoice_with_flags_a_sequence_and_a_blank_when_posted_over_rest_then_each_keeps_its_json_type(
    fake_dx, soap
):
    fake_dx.handler = rest_answer(soap, [{"Invoice_Or_Transaction": "BO-7", "Error_Code": ""}])
    invoice = {
        **INVOICE,
        "Taxable": True,
        "Retainage_Billed": False,
        "Remarks": None,
        "invoiceDetails": [{"Sequence": 2, "Line_Extension": Decimal("10.005")}],
    }
    with client(fake_dx) as dx:
        dx.post_customer_invoices("MEC", [invoice])
    sent = json.loads(fake_dx.seen[0].body)["arInvoices"][0]
    assert (sent["Taxable"], sent["Retainage_Billed"], sent["Remarks"]) == ("Y", "N", None)
    assert sent["invoiceDetails"] == [{"Sequence": 2, "Line_Extension": "10.005"}]


def test_given_yes_no_values_when_put_over_soap_then_sent_as_y_and_n(fake_dx, soap):
    fake_dx.handler = lambda seen: soap.Answer(body=soap.rows("AddAPInvoice", [{}]))
    with client(fake_dx) as dx:
        dx.add_ap_invoice([{"Company_Code": "MEC", "Status": True}, {"Company_Code": "MEC", "Status": False}])
    sent = [soap.filters(call)["Status"] for call in fake_dx.soap_calls("AddAPInvoice")]
    assert sent == ["Y", "N"]


def test_given_two_rest_posts_when_made_then_the_client_counts_two_calls(fake_dx, soap):
    # `calls` is the figure the destination's logs and the benchmarks report.
    fake_dx.handler = rest_answer(soap, [{"Invoice_Or_Transaction": "BO-7", "Error_Code": ""}])
    with client(fake_dx) as dx:
        dx.post_customer_invoices("MEC", [INVOICE])
        dx.post_customer_invoices("MEC", [INVOICE])
        assert dx.calls == 2


def test_given_a_verdict_when_a_caller_tries_to_change_it_then_it_is_refused(fake_dx, soap):
    # The ledger records Spectrum's verdict as given; nothing downstream may turn a rejection into a post.
    fake_dx.handler = rest_answer(soap, [{"Invoice_Or_Transaction": "BO-7", "Error_Code": "E"}])
    with client(fake_dx) as dx:
        [result] = dx.post_customer_invoices("MEC", [INVOICE])
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.ok = True  # type: ignore[misc]
