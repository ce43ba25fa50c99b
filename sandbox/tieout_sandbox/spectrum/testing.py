"""Small helpers the Spectrum twin's tests share (test modules cannot import each other under importlib)."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

from lxml import etree
from werkzeug.serving import make_server

from .dex.soap import SOAP_ENV, TYPES_NS


def build(out_dir: Path, seed: int = 11, scale: float = 0.1) -> tuple[dict, dict]:
    """BuildOps records + the Spectrum side written to out_dir -> (buildops records, truth fragment)."""
    from ..buildops.generator import generate as generate_buildops
    from . import generate

    buildops = generate_buildops(seed, scale)
    return buildops, generate(out_dir, buildops, seed, scale)


class LiveServer:
    """A WSGI app on a free 127.0.0.1 port in a background thread."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def envelope(service: str, fields: dict[str, str], guid: str | None = None) -> bytes:
    """A request as Spectrum's own clients send it: every element in the types namespace, in order."""
    env = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV})
    body = etree.SubElement(env, f"{{{SOAP_ENV}}}Body")
    method = etree.SubElement(body, f"{{{TYPES_NS}}}{service}", nsmap={None: TYPES_NS})
    values = {"GUID": guid if guid is not None else str(uuid.uuid4()), **fields}
    if "Authorization_ID" in values:
        values = {"Authorization_ID": values.pop("Authorization_ID"), **values}
    for name, value in values.items():
        etree.SubElement(method, f"{{{TYPES_NS}}}{name}").text = value
    return etree.tostring(env)


def response_rows(body: bytes) -> list[dict[str, str]]:
    root = etree.fromstring(body)
    return [{child.tag: (child.text or "") for child in row} for row in root.iter("response")]


def fault_string(body: bytes) -> str | None:
    root = etree.fromstring(body)
    fault = root.find(f".//{{{SOAP_ENV}}}Fault")
    return None if fault is None else fault.findtext("faultstring")
