"""Fixtures for spectrum-client tests: a scripted Data Exchange on a loopback port, and SOAP builders.

The scripted server is a test double of our own making (it answers what each test tells it to). Faithful
behaviour is checked against the sandbox's emulator in the `live` tests and in the recorded cassettes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from lxml import etree

TYPES = "http://www.northgate-is.com/proiv/webservices/types"
WARNING = "WARNING - Number of returnable records exceeds maximum number of records allowed."


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/xml; charset=utf-8"
    drop: bool = False
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeDataExchange:
    handler: Callable[[Seen], Answer] = lambda seen: Answer(404)
    seen: list[Seen] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def soap_calls(self, service: str) -> list[etree._Element]:
        """The method elements of every SOAP request sent to /ws/<service>."""
        out = []
        for s in self.seen:
            if s.path == f"/ws/{service}":
                root = etree.fromstring(s.body)
                out.append(root.find(f".//{{{TYPES}}}{service}"))
        return out


def soap_rows(service: str, rows: list[dict[str, str]], *, capped: bool = False) -> bytes:
    """An answer shaped like the captured Spectrum responses (nis: prefix, single-quoted attributes)."""
    method = service[0].lower() + service[1:]
    parts = []
    for row in rows:
        cells = "".join(f"<{k}>{v}</{k}>" for k, v in row.items())
        parts.append(
            f"<response>{cells}<Error_Code> </Error_Code><Error_Description> </Error_Description>"
            "<Error_Column> </Error_Column></response>"
        )
    if capped:
        blanks = "".join(f"<{k}> </{k}>" for k in (rows[0] if rows else {}))
        parts.append(
            f"<response>{blanks}<Error_Code>W</Error_Code><Error_Description>{WARNING}"
            "</Error_Description><Error_Column> </Error_Column></response>"
        )
    return (
        "<SOAP-ENV:Envelope SOAP-ENV:encodingStyle='http://schemas.xmlsoap.org/soap/encoding/' "
        "xmlns:xsd='http://www.w3.org/2001/XMLSchema' xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance' "
        "xmlns:SOAP-ENV='http://schemas.xmlsoap.org/soap/envelope/'><SOAP-ENV:Header></SOAP-ENV:Header>"
        f"<SOAP-ENV:Body><nis:{service}Response xmlns:nis='{TYPES}'><returnArray><returnData><{method}>"
        + "".join(parts)
        + f"</{method}></returnData></returnArray></nis:{service}Response></SOAP-ENV:Body></SOAP-ENV:Envelope>"
    ).encode()


def soap_error_row(service: str, code: str, description: str, column: str = "") -> bytes:
    method = service[0].lower() + service[1:]
    return (
        "<SOAP-ENV:Envelope xmlns:SOAP-ENV='http://schemas.xmlsoap.org/soap/envelope/'><SOAP-ENV:Body>"
        f"<nis:{service}Response xmlns:nis='{TYPES}'><returnArray><returnData><{method}><response>"
        f"<Error_Code>{code}</Error_Code><Error_Description>{description}</Error_Description>"
        f"<Error_Column>{column}</Error_Column></response></{method}></returnData></returnArray>"
        f"</nis:{service}Response></SOAP-ENV:Body></SOAP-ENV:Envelope>"
    ).encode()


def soap_fault(text: str) -> bytes:
    return (
        "<SOAP-ENV:Envelope xmlns:SOAP-ENV='http://schemas.xmlsoap.org/soap/envelope/'><SOAP-ENV:Body>"
        f"<SOAP-ENV:Fault><faultcode>SOAP-ENV:Client</faultcode><faultstring>{text}</faultstring>"
        "</SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>"
    ).encode()


def request_filters(method_element: etree._Element) -> dict[str, str]:
    return {etree.QName(c).localname: (c.text or "") for c in method_element}


@pytest.fixture
def fake_dx() -> Iterator[FakeDataExchange]:
    fake = FakeDataExchange()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            return

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            seen = Seen(self.command, self.path.split("?")[0], dict(self.headers.items()), body)
            fake.seen.append(seen)
            answer = fake.handler(seen)
            if answer.drop:
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        do_GET = do_POST = _handle

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    fake.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def soap():
    """Builders for scripted answers (tests cannot import conftest under --import-mode=importlib)."""
    from types import SimpleNamespace

    return SimpleNamespace(
        rows=soap_rows,
        error_row=soap_error_row,
        fault=soap_fault,
        filters=request_filters,
        Answer=Answer,
        WARNING=WARNING,
    )
