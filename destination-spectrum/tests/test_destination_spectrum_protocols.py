"""Both protocols in-process over the in-memory Spectrum: STATE only after durable outcomes, dry_run, errors."""

import io
import json
from pathlib import Path

import pytest
from airbyte_cdk.models import (
    AirbyteMessage,
    AirbyteRecordMessage,
    AirbyteStateMessage,
    AirbyteStateType,
    AirbyteStreamState,
    ConfiguredAirbyteCatalogSerializer,
    StreamDescriptor,
    Type,
)
from airbyte_cdk.models.airbyte_protocol import AirbyteStateBlob
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from destination_spectrum import session as session_module
from destination_spectrum.config import DOCUMENTATION_URL, SPEC_PATH, DestinationSpectrumConfig
from destination_spectrum.destination import DestinationSpectrum
from tieout_core import check_spec_file


@pytest.fixture
def config(files, tmp_path):
    return {
        "data_exchange": {"base_url": "http://127.0.0.1:9", "authorization_id": "SANDBOXAUTH"},
        "odbc": {"connection_string": "Driver=SQLite3;Database=/nonexistent.sqlite"},
        "mapping_path": str(files["mapping"]),
        "customer_crosswalk_path": str(files["crosswalk"]),
        "policy_path": str(files["policy"]),
        "ledger_path": str(tmp_path / "ledger.duckdb"),
    }


@pytest.fixture(autouse=True)
def memory_gateway(monkeypatch, spectrum):
    monkeypatch.setattr(session_module, "open_gateway", lambda config: spectrum)
    return spectrum


def record(stream, data):
    return AirbyteMessage(type=Type.RECORD, record=AirbyteRecordMessage(stream=stream, data=data, emitted_at=0))


def state(stream, value):
    return AirbyteMessage(
        type=Type.STATE,
        state=AirbyteStateMessage(
            type=AirbyteStateType.STREAM,
            stream=AirbyteStreamState(
                stream_descriptor=StreamDescriptor(name=stream), stream_state=AirbyteStateBlob(cursor=value)
            ),
        ),
    )


def catalog(*streams):
    return ConfiguredAirbyteCatalogSerializer.load(
        {
            "streams": [
                {
                    "stream": {"name": name, "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
                    "sync_mode": "full_refresh",
                    "destination_sync_mode": "append",
                }
                for name in streams
            ]
        }
    )


def test_given_a_record_of_a_stream_not_in_the_catalog_when_writing_then_it_stops_naming_the_stream(
    config, build, spectrum
):
    messages = iter(
        [
            record("invoices", build.invoice("a", "5201")),
            record("invoice", build.invoice("b", "5202")),
            state("invoices", 1),
        ]
    )
    with pytest.raises(AirbyteTracedException) as raised:
        list(DestinationSpectrum().write(config, catalog("jobs", "invoices"), messages))
    assert "stream 'invoice', which is not in the configured catalog (invoices, jobs)" in raised.value.message
    assert spectrum.calls == 0


def test_given_a_line_that_is_not_json_on_stdin_when_writing_then_it_stops_naming_the_line_not_its_content(
    config, build, spectrum
):
    lines = [
        json.dumps(
            {"type": "RECORD", "record": {"stream": "invoices", "data": build.invoice("a", "5301"), "emitted_at": 0}}
        ),
        "Progress: customer O'Brien Mechanical 42%",
        json.dumps({"type": "STATE", "state": {"type": "LEGACY", "data": {"n": 1}}}),
    ]
    messages = DestinationSpectrum()._parse_input_stream(io.StringIO("\n".join(lines) + "\n\n"))
    with pytest.raises(AirbyteTracedException) as raised:
        list(DestinationSpectrum().write(config, catalog("invoices"), messages))
    assert "input line 2 is not an Airbyte message (not JSON); the write stopped" in raised.value.message
    assert "send only the source's messages" in raised.value.message
    assert "O'Brien" not in raised.value.message
    assert spectrum.calls == 0


def test_given_the_committed_spec_when_compared_with_the_model_then_they_match():
    assert check_spec_file(DestinationSpectrumConfig, DOCUMENTATION_URL, SPEC_PATH) is None


def test_given_the_code_when_regenerating_then_spec_and_meltano_settings_are_not_stale():
    from destination_spectrum.artefacts import ARTEFACTS
    from tieout_core.artefacts import stale

    root = Path(__file__).resolve().parents[2]
    assert stale(ARTEFACTS, root) == [], "run: .venv/bin/python -m tieout_core.artefacts"


def test_given_records_and_states_when_writing_then_each_state_follows_its_records_outcomes(
    config, build, spectrum, rows
):
    seen_at_state = []

    def messages():
        yield record("jobs", build.job())
        yield record("invoices", build.invoice("a", "5001"))
        yield state("invoices", 1)
        yield record("invoices", build.invoice("b", "5002"))
        yield record("invoices", {"invoiceNumber": "broken"})
        yield state("invoices", 2)

    out = []
    for message in DestinationSpectrum().write({**config, "flush_every": 2}, catalog("jobs", "invoices"), messages()):
        out.append(message)
        if message.type == Type.STATE:
            seen_at_state.append(len(spectrum.ar))
    states = [m for m in out if m.type == Type.STATE]
    assert [s.state.stream.stream_state.cursor for s in states] == [1, 2]
    assert seen_at_state == [1, 2]  # invoice a was in Spectrum before state 1; b before state 2
    summary = [m.log.message for m in out if m.type == Type.LOG][-1]
    assert "posted 2" in summary and "rejected 1" in summary


def test_given_dry_run_when_writing_then_plan_logged_and_no_state_acknowledged(config, build, spectrum):
    out = list(
        DestinationSpectrum().write(
            {**config, "dry_run": True},
            catalog("jobs", "invoices"),
            iter([record("jobs", build.job()), record("invoices", build.invoice("a", "5101")), state("invoices", 1)]),
        )
    )
    assert not [m for m in out if m.type == Type.STATE]
    assert spectrum.calls == 0
    plans = [
        json.loads(m.log.message.split("dry_run: ", 1)[1])
        for m in out
        if m.type == Type.LOG and m.log.message.startswith("dry_run: ")
    ]
    assert plans[0]["number"] == "5101" and plans[0]["amount"] == "500.00"


def test_given_a_bad_mapping_file_when_checking_then_failed_status_names_the_row(config, files):
    files["mapping"].write_text(
        "company_code,match_type,match_value,job_type,phase_code,cost_type,note\nMEC,sku,X,,100,L,\n"
    )
    status = DestinationSpectrum().check(None, config)
    assert status.status.name == "FAILED"
    assert "row 2" in status.message and "match_type 'sku'" in status.message


def test_given_a_bad_config_when_checking_then_failed_status_names_the_field(config):
    status = DestinationSpectrum().check(
        None, {**config, "data_exchange": {"base_url": "ftp://x", "authorization_id": "SANDBOXAUTH"}}
    )
    assert status.status.name == "FAILED" and "data_exchange.base_url" in status.message
    assert "https://" in status.message
    assert "SANDBOXAUTH" not in status.message


def test_given_records_when_the_singer_target_runs_then_state_is_written_after_posting(config, build, spectrum, capsys):
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


@pytest.fixture
def gateways_opened(monkeypatch):
    from destination_spectrum import destination as destination_module

    opened = []

    def record(parsed):
        opened.append(parsed)
        raise AssertionError("the gateway must not be opened for this config")

    monkeypatch.setattr(destination_module, "open_gateway", record)
    return opened


def test_given_plain_http_to_a_remote_host_when_checking_then_failed_naming_field_and_fix_before_any_call(
    config, gateways_opened
):
    status = DestinationSpectrum().check(
        None,
        {
            **config,
            "data_exchange": {"base_url": "http://erp.contractor.invalid:8482", "authorization_id": "SANDBOXAUTH"},
        },
    )
    assert status.status.name == "FAILED"
    assert status.message.startswith("Invalid config: data_exchange.base_url must use https://")
    assert "or set data_exchange.allow_insecure_http: true" in status.message
    assert "SANDBOXAUTH" not in status.message
    assert gateways_opened == []  # refused before any connection is made


@pytest.mark.parametrize("url", ["http://127.0.0.1:8482", "http://localhost:8482", "http://[::1]:8482"])
def test_given_plain_http_to_this_machine_when_parsed_then_accepted(config, url):
    parsed = DestinationSpectrumConfig.parse({**config, "data_exchange": {"base_url": url, "authorization_id": "A"}})
    assert parsed.data_exchange.base_url == url


def test_given_the_opt_in_when_the_gateway_is_built_then_plain_http_to_a_remote_host_reaches_the_client(config):
    from destination_spectrum.spectrum_gateway import SpectrumGateway

    parsed = DestinationSpectrumConfig.parse(
        {
            **config,
            "data_exchange": {
                "base_url": "http://erp.contractor.invalid:8482",
                "authorization_id": "A",
                "allow_insecure_http": True,
            },
        }
    )
    gateway = SpectrumGateway(parsed)  # builds its clients; connects to nothing until asked
    try:
        assert gateway.dx.settings.allow_insecure_http is True
        assert gateway.dx.settings.base == "http://erp.contractor.invalid:8482"
    finally:
        gateway.close()


def test_given_the_spec_when_read_by_both_protocols_then_every_nested_secret_is_marked():
    from airbyte_cdk.utils.airbyte_secrets_utils import get_secret_paths
    from destination_spectrum.target import TargetSpectrum

    airbyte = DestinationSpectrum().spec(None).connectionSpecification
    assert sorted(get_secret_paths(airbyte)) == [
        ["data_exchange", "authorization_id"],
        ["data_exchange", "client_secret"],
        ["odbc", "connection_string"],
    ]
    singer = TargetSpectrum.config_jsonschema["properties"]
    assert singer["data_exchange"]["properties"]["authorization_id"]["secret"] is True
    assert singer["data_exchange"]["properties"]["client_secret"]["secret"] is True
    assert singer["odbc"]["properties"]["connection_string"]["secret"] is True


@pytest.fixture
def registered_secrets():
    from airbyte_cdk.utils.airbyte_secrets_utils import update_secrets

    yield
    update_secrets([])  # the CDK keeps them in a module global


def test_given_a_check_whose_error_quotes_the_secrets_when_run_by_the_cli_then_they_are_masked(
    config, tmp_path, monkeypatch, registered_secrets
):
    from destination_spectrum import destination as destination_module

    connection = "Driver=SQLite3;Database=/x.sqlite;Uid=infolink;Pwd=OdbcPw-91"
    config = {
        **config,
        "odbc": {"connection_string": connection},
        "data_exchange": {
            "base_url": "http://127.0.0.1:9",
            "authorization_id": "AUTH-ID-77",
            "client_id": "tieout",
            "client_secret": "Oauth-Secret-55",
        },
    }

    class ChattyGateway:
        def check(self):
            raise RuntimeError(f"driver said: {connection}; posted with AUTH-ID-77 and Oauth-Secret-55")

        def close(self):
            pass

    monkeypatch.setattr(destination_module, "open_gateway", lambda parsed: ChattyGateway())
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    destination = DestinationSpectrum()
    [message] = list(destination.run_cmd(destination.parse_args(["check", "--config", str(path)])))
    status = message.connectionStatus
    assert status.status.name == "FAILED" and status.message.startswith("RuntimeError: driver said: ****")
    for secret in (connection, "AUTH-ID-77", "Oauth-Secret-55"):
        assert secret not in status.message
