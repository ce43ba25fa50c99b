"""Both protocols in-process over the in-memory Spectrum: STATE only after durable outcomes, dry_run, errors."""

import io
import json

import pytest
from airbyte_cdk.models import (
    AirbyteMessage,
    AirbyteRecordMessage,
    AirbyteStateMessage,
    AirbyteStateType,
    AirbyteStreamState,
    ConfiguredAirbyteCatalog,
    StreamDescriptor,
    Type,
)
from airbyte_cdk.models.airbyte_protocol import AirbyteStateBlob
from destination_spectrum import session as session_module
from destination_spectrum.config import DOCUMENTATION_URL, SPEC_PATH, DestinationSpectrumConfig
from destination_spectrum.destination import DestinationSpectrum
from tieout_core.config import check_spec_file


@pytest.fixture
def config(files, tmp_path):
    return {
        "data_exchange": {"base_url": "http://127.0.0.1:9", "authorization_id": "SANDBOXAUTH"},
        "odbc": {"connection_string": "Driver=SQLite3;Database=/nonexistent.sqlite"},
        "mapping_path": str(files["mapping"]), "customer_crosswalk_path": str(files["crosswalk"]),
        "policy_path": str(files["policy"]), "ledger_path": str(tmp_path / "ledger.duckdb"),
    }


@pytest.fixture(autouse=True)
def memory_gateway(monkeypatch, spectrum):
    monkeypatch.setattr(session_module, "open_gateway", lambda config: spectrum)
    return spectrum


def record(stream, data):
    return AirbyteMessage(type=Type.RECORD, record=AirbyteRecordMessage(stream=stream, data=data, emitted_at=0))


def state(stream, value):
    return AirbyteMessage(type=Type.STATE, state=AirbyteStateMessage(
        type=AirbyteStateType.STREAM, stream=AirbyteStreamState(
            stream_descriptor=StreamDescriptor(name=stream), stream_state=AirbyteStateBlob(cursor=value))))


def test_given_the_committed_spec_when_compared_with_the_model_then_they_match():
    assert check_spec_file(DestinationSpectrumConfig, DOCUMENTATION_URL, SPEC_PATH) is None


def test_given_records_and_states_when_writing_then_each_state_follows_its_records_outcomes(
        config, build, spectrum, rows):
    seen_at_state = []

    def messages():
        yield record("jobs", build.job())
        yield record("invoices", build.invoice("a", "5001"))
        yield state("invoices", 1)
        yield record("invoices", build.invoice("b", "5002"))
        yield record("invoices", {"invoiceNumber": "broken"})
        yield state("invoices", 2)

    out = []
    for message in DestinationSpectrum().write({**config, "flush_every": 2}, ConfiguredAirbyteCatalog(streams=[]),
                                               messages()):
        out.append(message)
        if message.type == Type.STATE:
            seen_at_state.append(len(spectrum.ar))
    states = [m for m in out if m.type == Type.STATE]
    assert [s.state.stream.stream_state.cursor for s in states] == [1, 2]
    assert seen_at_state == [1, 2]  # invoice a was in Spectrum before state 1; b before state 2
    summary = [m.log.message for m in out if m.type == Type.LOG][-1]
    assert "posted 2" in summary and "rejected 1" in summary


def test_given_dry_run_when_writing_then_plan_logged_and_no_state_acknowledged(config, build, spectrum):
    out = list(DestinationSpectrum().write(
        {**config, "dry_run": True}, ConfiguredAirbyteCatalog(streams=[]),
        iter([record("jobs", build.job()), record("invoices", build.invoice("a", "5101")), state("invoices", 1)])))
    assert not [m for m in out if m.type == Type.STATE]
    assert spectrum.calls == 0
    plans = [json.loads(m.log.message.split("dry_run: ", 1)[1]) for m in out
             if m.type == Type.LOG and m.log.message.startswith("dry_run: ")]
    assert plans[0]["number"] == "5101" and plans[0]["amount"] == "500.00"


def test_given_a_bad_mapping_file_when_checking_then_failed_status_names_the_row(config, files):
    files["mapping"].write_text("company_code,match_type,match_value,job_type,phase_code,cost_type,note\n"
                                "MEC,sku,X,,100,L,\n")
    status = DestinationSpectrum().check(None, config)
    assert status.status.name == "FAILED"
    assert "row 2" in status.message and "match_type 'sku'" in status.message


def test_given_a_bad_config_when_checking_then_failed_status_names_the_field(config):
    status = DestinationSpectrum().check(
        None, {**config, "data_exchange": {"base_url": "ftp://x", "authorization_id": "SANDBOXAUTH"}})
    assert status.status.name == "FAILED" and "data_exchange.base_url" in status.message
    assert "https://" in status.message
    assert "SANDBOXAUTH" not in status.message


def test_given_records_when_the_singer_target_runs_then_state_is_written_after_posting(
        config, build, spectrum, capsys):
    from destination_spectrum.target import TargetSpectrum

    schema = {"type": "object", "properties": {}}
    lines = [
        {"type": "SCHEMA", "stream": "jobs", "schema": schema, "key_properties": ["id"]},
        {"type": "SCHEMA", "stream": "invoices", "schema": schema, "key_properties": ["id"]},
        {"type": "RECORD", "stream": "jobs", "record": build.job()},
        {"type": "RECORD", "stream": "invoices", "record": build.invoice("s1", "6001")},
        {"type": "RECORD", "stream": "invoices", "record": {"invoiceNumber": "no id"}},
        {"type": "STATE", "value": {"bookmarks": {"invoices": {"n": 1}}}},
    ]
    target = TargetSpectrum(config=config)
    target.listen(file_input=io.StringIO("\n".join(json.dumps(x) for x in lines) + "\n"))
    out = [json.loads(x) for x in capsys.readouterr().out.strip().splitlines()]
    assert [x for x in out if "bookmarks" in x] == [{"bookmarks": {"invoices": {"n": 1}}}]
    assert list(spectrum.ar) == [("MEC", "6001")]
