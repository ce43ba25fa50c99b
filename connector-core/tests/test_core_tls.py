"""TLS: a private-CA certificate is a config error naming `ca_bundle`; the right `ca_bundle` makes calls work."""

import ssl
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import trustme
from tieout_core import ConfigError, HttpClient, RetryPolicy
from tieout_core._tls import check_ca_bundle

FAST = RetryPolicy(attempts=3, backoff_factor=0.01, backoff_max=0.05, jitter=0.0)


@contextmanager
def https_server(ca: trustme.CA):
    """A loopback HTTPS server whose certificate is signed by `ca` (which no system trust store holds)."""
    handshakes = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            return

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "11")
            self.end_headers()
            self.wfile.write(b'{"ok":true}')

    class Server(ThreadingHTTPServer):
        def get_request(self):
            handshakes.append(1)
            return super().get_request()

    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    try:
        yield f"https://127.0.0.1:{httpd.server_address[1]}", handshakes
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_given_a_private_ca_certificate_when_called_without_ca_bundle_then_config_error_naming_it_not_retried():
    ca = trustme.CA()
    with https_server(ca) as (url, handshakes):
        client = HttpClient(url, retry=FAST)
        with pytest.raises(ConfigError) as info:
            client.get_json("/v1/things")
    message = str(info.value)
    assert f"The TLS certificate of {url.removeprefix('https://')} was not trusted (" in message, message
    assert "set ca_bundle to the path of that CA's certificate (a PEM file)" in message
    assert "cannot be turned off" in message and "reachable" not in message
    assert len(handshakes) == 1, "an untrusted certificate was retried"


def test_given_ca_bundle_naming_the_ca_when_called_then_the_call_succeeds(tmp_path):
    ca = trustme.CA()
    pem = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    with https_server(ca) as (url, _):
        assert HttpClient(url, retry=FAST, ca_bundle=check_ca_bundle(str(pem))).get_json("/x") == {"ok": True}


def test_given_a_ca_bundle_path_that_is_missing_or_not_pem_when_checked_then_the_error_says_which(tmp_path):
    with pytest.raises(ValueError, match=r"no file at .*missing.pem: give the path of the CA certificate"):
        check_ca_bundle(str(tmp_path / "missing.pem"))
    (tmp_path / "key.der").write_bytes(b"\x30\x82\x01")
    with pytest.raises(ValueError, match="holds no PEM certificate"):
        check_ca_bundle(str(tmp_path / "key.der"))
