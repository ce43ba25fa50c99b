"""Replays of real exchanges with the sandbox's Data Exchange emulator (cassettes/record.py re-records them).

Requests are matched on method and path only (each call carries a fresh GUID); the Authorization ID was
scrubbed before the cassettes were written.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import vcr
from spectrum_client import (
    AuthorizationRejected,
    DataExchangeClient,
    DataExchangeSettings,
    ServiceNotAuthorized,
)

CASSETTES = Path(__file__).parent / "cassettes"
REPLAY = vcr.VCR(cassette_library_dir=str(CASSETTES), record_mode="none", match_on=["method", "path"])
BASE = "http://127.0.0.1:36009"


def client() -> DataExchangeClient:
    return DataExchangeClient(DataExchangeSettings(url=BASE, authorization_id="SCRUBBED"))


def test_given_cassettes_when_scanned_then_no_authorization_id_or_credentials_recorded():
    for path in CASSETTES.glob("*.yaml"):
        text = path.read_text()
        for secret in ("TIEOUTSBX01", "TIEOUTLIMITED", "NOT-THE-ID", "Basic "):
            assert secret not in text, f"{secret!r} in {path.name}"
        assert "SCRUBBED" in text or "Authorization_ID" not in text


def test_given_recorded_get_job_when_replayed_then_wsdl_sequence_used_and_keys_trimmed():
    with REPLAY.use_cassette("get_job_with_wsdl.yaml"):
        result = client().get("GetJob", {"pCompany_Code": "FPR", "pStatus_Code": "A"})
    assert not result.truncated
    assert result.rows and all(row["Company_Code"] == "FPR" and row["Status_Code"] == "A" for row in result.rows)
    assert all(row["Job_Number"] == row["Job_Number"].strip() for row in result.rows)


def test_given_recorded_capped_answer_when_replayed_then_truncated_with_500_rows_and_no_w_row():
    with REPLAY.use_cassette("get_phase_capped.yaml"):
        result = client().get("GetPhaseEnhanced", {"pCompany_Code": "MEC"})
    assert result.truncated
    assert len(result.rows) == 500
    assert all(row["Error_Code"].strip() == "" for row in result.rows)
    assert result.warning.startswith("WARNING - Number of returnable records exceeds")


def test_given_recorded_fault_when_replayed_then_service_not_authorized_names_service_and_screen():
    with REPLAY.use_cassette("service_not_built.yaml"), pytest.raises(ServiceNotAuthorized) as info:
        client().get("GetPhaseEnhanced", {"pCompany_Code": "MEC"})
    assert "GetPhaseEnhanced" in str(info.value)
    assert "System Administration > Installation > Data Exchange" in str(info.value)


def test_given_recorded_wrong_authorization_id_when_replayed_then_authorization_rejected():
    with REPLAY.use_cassette("wrong_authorization_id.yaml"), pytest.raises(AuthorizationRejected) as info:
        client().get("GetJob", {"pCompany_Code": "MEC"})
    assert "Authorization ID is not valid" in str(info.value)


def test_given_recorded_put_rejection_when_replayed_then_result_carries_spectrums_triple():
    with REPLAY.use_cassette("add_jc_trans_rejected.yaml"):
        [result] = client().add_jc_trans(
            [
                {
                    "Company_Code": "MEC",
                    "Job_Number": "NOPE",
                    "Phase_Code": "100",
                    "Cost_Type": "L",
                    "Tran_Amount": Decimal("1.00"),
                    "Tran_Date": "11/20/2026",
                    "Batch_Code": "T1",
                    "Reference_1": "X",
                }
            ]
        )
    assert not result.ok
    assert (result.error_code, result.error_column) == ("E", "Job_Number")
    assert "Job_Number 'NOPE' is not on file for company MEC" in result.error_description


def test_given_recorded_rest_invoice_rejection_when_replayed_then_per_invoice_result():
    with REPLAY.use_cassette("customer_invoice_rejected.yaml"):
        [result] = client().post_customer_invoices(
            "MEC",
            [
                {
                    "Company_Code": "MEC",
                    "Customer_Code": "ZZNOSUCH",
                    "Invoice_Or_Transaction": "T1",
                    "invoiceDetails": [{"Line_Extension": Decimal("1.00")}],
                }
            ],
        )
    assert not result.ok and result.error_column == "Customer_Code"


def test_given_recorded_rest_vendors_when_replayed_then_json_rows():
    with REPLAY.use_cassette("rest_vendors.yaml"):
        body = client().rest_get("/vendors/MEC", "MEC")
    rows = body if isinstance(body, list) else next(v for v in body.values() if isinstance(v, list))
    assert rows and all("Vendor_Code" in row for row in rows)
