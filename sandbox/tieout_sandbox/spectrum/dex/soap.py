"""SOAP 1.1 document/literal as Spectrum Data Exchange speaks it (PROIV web services), built with lxml.

Wire format from captured traffic (reference section 7): the request's method element lives in the types
namespace; the response is `nis:<Svc>Response > returnArray > returnData > <svc> > response*`, numbers as
strings like `.00`, the three Error_* elements a single space on success.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from lxml import etree

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
TYPES_NS = "http://www.northgate-is.com/proiv/webservices/types"
WSDL_NS = "http://www.northgate-is.com/proiv/webservices/wsdl"
XSD = "http://www.w3.org/2001/XMLSchema"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ERROR_FIELDS = ("Error_Code", "Error_Description", "Error_Column")
CAP_WARNING = "WARNING - Number of returnable records exceeds maximum number of records allowed."

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class SoapRequestError(ValueError):
    pass


def parse_request(body: bytes) -> tuple[str, dict[str, str]]:
    """-> (method local name, {child local name: text}) of the first element in soap:Body."""
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise SoapRequestError(f"Request is not well-formed XML: {exc}") from exc
    body_el = root.find(f"{{{SOAP_ENV}}}Body")
    if root.tag != f"{{{SOAP_ENV}}}Envelope" or body_el is None or len(body_el) == 0:
        raise SoapRequestError("Request is not a SOAP 1.1 envelope with a Body element")
    method = body_el[0]
    fields = {}
    for child in method:
        if isinstance(child.tag, str):
            fields[etree.QName(child).localname] = (child.text or "").strip()
    return etree.QName(method).localname, fields


def _envelope() -> tuple[etree._Element, etree._Element]:
    env = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"SOAP-ENV": SOAP_ENV, "xsd": XSD, "xsi": XSI})
    env.set(f"{{{SOAP_ENV}}}encodingStyle", "http://schemas.xmlsoap.org/soap/encoding/")
    etree.SubElement(env, f"{{{SOAP_ENV}}}Header")
    return env, etree.SubElement(env, f"{{{SOAP_ENV}}}Body")


def render_rows(service: str, rows: list[dict[str, str]]) -> bytes:
    env, body = _envelope()
    wrapper = etree.SubElement(body, f"{{{TYPES_NS}}}{service}Response", nsmap={"nis": TYPES_NS})
    data = etree.SubElement(etree.SubElement(wrapper, "returnArray"), "returnData")
    holder = etree.SubElement(data, service[0].lower() + service[1:])
    for row in rows:
        response = etree.SubElement(holder, "response")
        for name, value in row.items():
            etree.SubElement(response, name).text = value if value != "" else None
    return etree.tostring(env, xml_declaration=False, encoding="utf-8")


def render_fault(faultstring: str, faultcode: str = "SOAP-ENV:Client") -> bytes:
    env, body = _envelope()
    fault = etree.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(fault, "faultcode").text = faultcode
    etree.SubElement(fault, "faultstring").text = faultstring
    return etree.tostring(env, encoding="utf-8")


def not_found_fault(service: str) -> bytes:
    return render_fault(
        "Error identifying Web Service: class com.northgateis.proiv.ws.servlet."
        f"WebServiceIdentificationException: Could not find WebService named: {service}"
    )


def ok_errors() -> dict[str, str]:
    return {"Error_Code": " ", "Error_Description": " ", "Error_Column": " "}


def error_row(fields: list[str], code: str, description: str, column: str) -> dict[str, str]:
    row = {name: " " for name in fields}
    row.update({"Error_Code": code, "Error_Description": description[:250], "Error_Column": column[:100]})
    return row


def cap_row(fields: list[str]) -> dict[str, str]:
    return error_row(fields, "W", CAP_WARNING, " ")


def number(value, places: int = 2) -> str:
    """Spectrum's number text: no leading zero before the point (`.00`, `-.50`, `859.51`)."""
    if value in (None, ""):
        return ".00" if places else "0"
    try:
        text = f"{Decimal(str(value)):.{places}f}"
    except InvalidOperation:
        return str(value)
    if text.startswith("0."):
        return text[1:]
    if text.startswith("-0."):
        return "-" + text[2:]
    return text


def date_text(value) -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return f"{value:%m/%d/%Y}"


def wsdl(service: str, params: list[str], endpoint: str) -> bytes:
    nsmap = {
        "wsdl": "http://schemas.xmlsoap.org/wsdl/",
        "soap": "http://schemas.xmlsoap.org/wsdl/soap/",
        "xsd": XSD,
        "tns": WSDL_NS,
        "types": TYPES_NS,
    }
    w = "{http://schemas.xmlsoap.org/wsdl/}"
    s = "{http://schemas.xmlsoap.org/wsdl/soap/}"
    x = f"{{{XSD}}}"
    root = etree.Element(f"{w}definitions", nsmap=nsmap, targetNamespace=WSDL_NS, name=service)
    schema = etree.SubElement(
        etree.SubElement(root, f"{w}types"), f"{x}schema", targetNamespace=TYPES_NS, elementFormDefault="qualified"
    )
    seq = etree.SubElement(
        etree.SubElement(etree.SubElement(schema, f"{x}element", name=service), f"{x}complexType"), f"{x}sequence"
    )
    for param in params:
        etree.SubElement(seq, f"{x}element", name=param, type="xsd:string", nillable="false")
    out = etree.SubElement(
        etree.SubElement(etree.SubElement(schema, f"{x}element", name=f"{service}Response"), f"{x}complexType"),
        f"{x}sequence",
    )
    arr = etree.SubElement(
        etree.SubElement(etree.SubElement(out, f"{x}element", name="returnArray"), f"{x}complexType"), f"{x}sequence"
    )
    data = etree.SubElement(
        etree.SubElement(
            etree.SubElement(arr, f"{x}element", name="returnData", maxOccurs="unbounded"), f"{x}complexType"
        ),
        f"{x}sequence",
    )
    etree.SubElement(data, f"{x}any", processContents="lax", minOccurs="0", maxOccurs="unbounded")
    for suffix, element in (("Request", service), ("Response", f"{service}Response")):
        msg = etree.SubElement(root, f"{w}message", name=f"{service}{suffix}")
        etree.SubElement(msg, f"{w}part", name="parameters", element=f"types:{element}")
    port_type = etree.SubElement(root, f"{w}portType", name=f"{service}PortType")
    op = etree.SubElement(port_type, f"{w}operation", name=service)
    etree.SubElement(op, f"{w}input", message=f"tns:{service}Request")
    etree.SubElement(op, f"{w}output", message=f"tns:{service}Response")
    binding = etree.SubElement(root, f"{w}binding", name=f"{service}Binding", type=f"tns:{service}PortType")
    etree.SubElement(binding, f"{s}binding", style="document", transport="http://schemas.xmlsoap.org/soap/http")
    bop = etree.SubElement(binding, f"{w}operation", name=service)
    etree.SubElement(bop, f"{s}operation", soapAction=endpoint)
    for direction in ("input", "output"):
        etree.SubElement(etree.SubElement(bop, f"{w}{direction}"), f"{s}body", use="literal")
    svc = etree.SubElement(root, f"{w}service", name=service)
    port = etree.SubElement(svc, f"{w}port", name=f"{service}Port", binding=f"tns:{service}Binding")
    etree.SubElement(port, f"{s}address", location=endpoint)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
