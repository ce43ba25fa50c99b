"""TLS: a Data Exchange server with a private-CA certificate is refused naming the caller's `ca_bundle` setting
(before anything is sent, never retried); with that setting pointing at the CA, calls work."""

import ssl
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import trustme
from spectrum_client import CertificateNotTrusted, DataExchangeClient, DataExchangeSettings


@contextmanager
def https_data_exchange(ca: trustme.CA, body: bytes):
    accepted = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            return

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    class Server(ThreadingHTTPServer):
        def get_request(self):
            accepted.append(1)
            return super().get_request()

    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    try:
        yield f"https://127.0.0.1:{httpd.server_address[1]}", accepted
    finally:
        httpd.shutdown()
        httpd.server_close()


def settings(url, **kw):
    return DataExchangeSettings(
        url=url,
        authorization_id="TIEOUTAUTH01",
        use_wsdl=False,
        backoff_seconds=0.01,
        url_setting="data_exchange.base_url",
        ca_bundle_setting="data_exchange.ca_bundle",
        **kw,
    )


def test_given_a_private_ca_certificate_when_read_without_ca_bundle_then_not_trusted_naming_the_setting(soap):
    with https_data_exchange(trustme.CA(), soap.rows("GetJob", [{"Job_Number": "J1"}])) as (url, accepted):
        dx = DataExchangeClient(settings(url))
        with dx, pytest.raises(CertificateNotTrusted) as info:
            dx.get("GetJob", {"pCompany_Code": "MEC"})
    message = str(info.value)
    assert f"The TLS certificate of Spectrum Data Exchange at {url} was not trusted (" in message, message
    assert "set `data_exchange.ca_bundle` to the path of that CA's certificate (a PEM file)" in message
    assert isinstance(info.value, ValueError), "a config error (SpectrumConfigError), not an unreachable host"
    assert len(accepted) == 1, "an untrusted certificate was retried"


def test_given_a_private_ca_certificate_when_put_without_ca_bundle_then_not_trusted_and_nothing_sent(soap):
    with https_data_exchange(trustme.CA(), soap.rows("AddJCTrans", [{}])) as (url, _):
        dx = DataExchangeClient(settings(url))
        with dx, pytest.raises(CertificateNotTrusted, match="Nothing was sent"):
            dx.add_jc_trans([{"Company_Code": "MEC", "Reference_1": "R1"}])


def test_given_ca_bundle_naming_the_ca_when_read_then_rows_come_back(soap, tmp_path):
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    with (
        https_data_exchange(ca, soap.rows("GetJob", [{"Job_Number": "J1"}])) as (url, _),
        DataExchangeClient(settings(url, ca_bundle=str(tmp_path / "ca.pem"))) as dx,
    ):
        assert [r["Job_Number"] for r in dx.get("GetJob", {"pCompany_Code": "MEC"}).rows] == ["J1"]
