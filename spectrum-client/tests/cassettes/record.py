"""Re-record the Data Exchange cassettes from a running `tieout-sandbox serve`:

    .venv/bin/python spectrum-client/tests/cassettes/record.py http://127.0.0.1:<spectrum port>

Each scenario is one YAML file of request/response pairs. The Authorization ID is scrubbed from request
bodies (and Basic credentials from headers) before anything is written; the replay test checks that.
"""

from __future__ import annotations

import contextlib
import re
import sys
from decimal import Decimal
from pathlib import Path

import vcr
from spectrum_client import DataExchangeClient, DataExchangeSettings, SpectrumError

HERE = Path(__file__).parent
SCRUBBED = "SCRUBBED"
_AUTH_ELEMENT = re.compile(rb"<(\w+:)?Authorization_ID>[^<]*</(\w+:)?Authorization_ID>")


def scrub_request(request):
    if request.body:
        body = request.body if isinstance(request.body, bytes) else request.body.encode()
        request.body = _AUTH_ELEMENT.sub(rb"<Authorization_ID>" + SCRUBBED.encode() + rb"</Authorization_ID>", body)
    for header in ("Authorization",):
        if header in request.headers:
            request.headers[header] = SCRUBBED
    return request


def recorder() -> vcr.VCR:
    return vcr.VCR(
        cassette_library_dir=str(HERE),
        record_mode="all",
        match_on=["method", "path"],
        before_record_request=scrub_request,
        filter_headers=["authorization"],
        decode_compressed_response=True,
    )


def client(base: str, authorization_id: str) -> DataExchangeClient:
    return DataExchangeClient(DataExchangeSettings(url=base, authorization_id=authorization_id, use_wsdl=True))


def main(base: str) -> None:
    rec = recorder()
    with rec.use_cassette("get_job_with_wsdl.yaml"):
        client(base, "TIEOUTSBX01").get("GetJob", {"pCompany_Code": "FPR", "pStatus_Code": "A"})
    with rec.use_cassette("get_phase_capped.yaml"):
        client(base, "TIEOUTSBX01").get("GetPhaseEnhanced", {"pCompany_Code": "MEC"})
    with rec.use_cassette("service_not_built.yaml"), contextlib.suppress(SpectrumError):
        client(base, "TIEOUTLIMITED").get("GetPhaseEnhanced", {"pCompany_Code": "MEC"})
    with rec.use_cassette("wrong_authorization_id.yaml"), contextlib.suppress(SpectrumError):
        client(base, "NOT-THE-ID").get("GetJob", {"pCompany_Code": "MEC"})
    with rec.use_cassette("add_jc_trans_rejected.yaml"):
        client(base, "TIEOUTSBX01").add_jc_trans(
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
    with rec.use_cassette("customer_invoice_rejected.yaml"):
        client(base, "TIEOUTSBX01").post_customer_invoices(
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
    with rec.use_cassette("rest_vendors.yaml"):
        client(base, "TIEOUTSBX01").rest_get("/vendors/MEC", "MEC")
    print(f"cassettes written to {HERE}")


if __name__ == "__main__":
    main(sys.argv[1])
