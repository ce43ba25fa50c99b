"""The remaining messages a user can meet, each read: crosswalk files, void/draft records, unbilled POs, unknown
vendors, a lost answer Spectrum cannot settle, an unreachable database in `check`."""

import pytest
from destination_spectrum.crosswalk import CrosswalkFileError, CustomerCrosswalk, VendorCrosswalk
from destination_spectrum.destination import DestinationSpectrum
from destination_spectrum.postings import PostingInterrupted


def test_given_a_missing_or_headerless_crosswalk_when_loading_then_error_names_setting_and_column(tmp_path):
    with pytest.raises(CrosswalkFileError, match="set customer_crosswalk_path"):
        CustomerCrosswalk.load(tmp_path / "none.csv")
    bad = tmp_path / "vendors.csv"
    bad.write_text("id,company\n")
    with pytest.raises(CrosswalkFileError, match="lacks a buildops_vendor_id column"):
        VendorCrosswalk.load(bad)


def test_given_void_draft_and_deleted_invoices_when_processed_then_held_naming_why(make_engine, build, rows):
    make_engine().process(
        [
            ("jobs", build.job()),
            ("invoices", build.invoice("v", "1", status="Void")),
            ("invoices", build.invoice("d", "2", status="Draft")),
            ("invoices", build.invoice("x", "3", audit={"deletedDateTime": 1763000000000})),
        ]
    )
    reasons = dict(rows("select source_key, reason from tieout_ledger.postings"))
    assert reasons == {
        "v": "not posted: invoice 1 is status 'Void' in BuildOps",
        "d": "not posted: invoice 2 is status 'Draft' in BuildOps",
        "x": "not posted: invoice 3 is deleted in BuildOps",
    }


def test_given_an_unreceived_materials_po_and_an_unknown_vendor_when_processed_then_held_naming_the_fix(
    make_engine, build, rows, spectrum
):
    make_engine().process(
        [
            ("jobs", build.job()),
            ("purchase_orders", build.bill("po-open", "PO1", poType="Materials", status="Ordered")),
            ("purchase_orders", build.bill("po-novendor", "PO2", vendor="", vendorName="Nobody Inc")),
        ]
    )
    reasons = dict(rows("select source_key, reason from tieout_ledger.postings"))
    assert "not billed yet: Materials order PO1 is 'Ordered'" in reasons["po-open"]
    assert "no Spectrum vendor code for BuildOps vendor Nobody Inc" in reasons["po-novendor"]
    assert spectrum.ap == {}


def test_given_a_lost_answer_spectrum_cannot_settle_when_posting_then_sync_stops_and_intent_stays(
    make_engine, build, rows, spectrum
):
    spectrum.unknown_outcome_once = True
    spectrum.ar_documents = lambda company, numbers: {}  # Spectrum cannot tell whether it landed
    with pytest.raises(PostingInterrupted, match=r"Spectrum did not confirm AR invoice 9601 .*next run checks"):
        make_engine().process([("jobs", build.job()), ("invoices", build.invoice("u", "9601"))])
    assert rows("select spectrum_document from tieout_ledger.pending_documents") == [("9601",)]
    assert rows("select count(*) from tieout_ledger.postings") == [(0,)]


def test_given_an_unreachable_database_when_checking_then_failed_status_names_the_file(files, tmp_path):
    config = {
        "data_exchange": {"base_url": "http://127.0.0.1:9", "authorization_id": "SANDBOXAUTH"},
        "odbc": {"connection_string": f"Driver=SQLite3;Database={tmp_path / 'missing.sqlite'}"},
        "mapping_path": str(files["mapping"]),
        "customer_crosswalk_path": str(files["crosswalk"]),
        "policy_path": str(files["policy"]),
        "ledger_path": str(tmp_path / "l.duckdb"),
    }
    status = DestinationSpectrum().check(None, config)
    assert status.status.name == "FAILED"
    assert "missing.sqlite' does not exist" in status.message and "SANDBOXAUTH" not in status.message


def test_given_a_record_with_lower_cased_names_as_pyairbyte_caches_them_when_processed_then_it_posts(
    make_engine, build, rows
):
    lowered = {key.lower(): value for key, value in build.invoice("p", "4").items()}
    make_engine().process([("jobs", {k.lower(): v for k, v in build.job().items()}), ("invoices", lowered)])
    assert rows("select state, spectrum_document from tieout_ledger.postings") == [("posted", "4")]


def test_given_a_timestamp_without_offset_when_parsed_on_a_machine_west_of_utc_then_its_utc_date_is_kept(monkeypatch):
    import datetime as dt
    import time

    from destination_spectrum.money import to_date

    monkeypatch.setenv("TZ", "Pacific/Honolulu")
    time.tzset()
    try:
        assert to_date("2026-11-14T23:30:00", "issuedDate") == dt.date(2026, 11, 14)
    finally:
        monkeypatch.undo()
        time.tzset()
