"""Data Exchange SOAP wire format: build request envelopes and read `<response>` rows, with lxml.

Document/literal SOAP 1.1. The method element lives in the PROIV types namespace and lists every parameter
of the WSDL sequence in order, empty ones included (Spectrum rejects a short sequence on some services).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from lxml import etree

from .errors import MalformedResponse

SOAP_ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"
TYPES_NS = "http://www.northgate-is.com/proiv/webservices/types"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
XSD_NS = "http://www.w3.org/2001/XMLSchema"
CAP_WARNING_CODE = "W"

# Responses are untrusted input: no DTDs, no entity expansion, no network.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=False)


def build_envelope(service: str, authorization_id: str, guid: str, values: Sequence[tuple[str, str]]) -> bytes:
    """`<soap:Envelope><soap:Body><Service xmlns=types>Authorization_ID, GUID, params...</Service>`."""
    envelope = etree.Element(etree.QName(SOAP_ENV_NS, "Envelope"), nsmap={"soap": SOAP_ENV_NS})
    body = etree.SubElement(envelope, etree.QName(SOAP_ENV_NS, "Body"))
    method = etree.SubElement(body, etree.QName(TYPES_NS, service), nsmap={None: TYPES_NS})
    etree.SubElement(method, etree.QName(TYPES_NS, "Authorization_ID")).text = authorization_id
    etree.SubElement(method, etree.QName(TYPES_NS, "GUID")).text = guid
    for name, value in values:
        etree.SubElement(method, etree.QName(TYPES_NS, name)).text = value
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")


@dataclass
class SoapFault:
    code: str
    string: str


@dataclass
class SoapRows:
    """The `<response>` rows of one answer; `warning_row` is the trailing cap row if there was one."""

    rows: list[dict[str, str]] = field(default_factory=list)
    warning_row: dict[str, str] | None = None

    @property
    def truncated(self) -> bool:
        return self.warning_row is not None


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def parse_envelope(payload: bytes) -> SoapFault | SoapRows:
    """Read a Data Exchange answer: a Fault, or the `<response>` rows (cap row split off)."""
    try:
        root = etree.fromstring(payload, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise MalformedResponse(f"Data Exchange answered with something that is not XML: {exc}") from None
    body = next((el for el in root.iter() if _local(el.tag) == "Body"), None)
    if body is None:
        raise MalformedResponse("Data Exchange answer has no SOAP Body")
    fault = next((el for el in body.iter() if _local(el.tag) == "Fault"), None)
    if fault is not None:
        code = next((el.text or "" for el in fault.iter() if _local(el.tag) == "faultcode"), "")
        string = next((el.text or "" for el in fault.iter() if _local(el.tag) == "faultstring"), "")
        return SoapFault(code=code.strip(), string=" ".join(string.split()))
    rows: list[dict[str, str]] = []
    for response in (el for el in body.iter() if _local(el.tag) == "response"):
        rows.append({_local(child.tag): (child.text or "") for child in response if _local(child.tag)})
    result = SoapRows(rows=rows)
    if rows and rows[-1].get("Error_Code", "").strip() == CAP_WARNING_CODE:
        result.warning_row = rows.pop()
    return result


def parse_wsdl_parameters(payload: bytes, service: str) -> list[str]:
    """The input element's parameter sequence, in order (minus Authorization_ID and GUID)."""
    try:
        root = etree.fromstring(payload, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise MalformedResponse(f"WSDL for {service} is not XML: {exc}") from None
    for element in root.iter(f"{{{XSD_NS}}}element"):
        if element.get("name") != service:
            continue
        names = [child.get("name") for child in element.iter(f"{{{XSD_NS}}}element") if child is not element]
        return [n for n in names if n and n not in ("Authorization_ID", "GUID")]
    raise MalformedResponse(f"WSDL for {service} has no input element named {service}")


def ordered_values(
    service: str, sequence: Sequence[str], values: Mapping[str, str], *, kind: str
) -> list[tuple[str, str]]:
    """Every name of the sequence in order; values not in the sequence are a caller error."""
    unknown = [name for name in values if name not in sequence]
    if unknown:
        from .errors import SpectrumConfigError

        raise SpectrumConfigError(
            f"{service} has no {kind} {', '.join(sorted(unknown))}; it accepts: {', '.join(sequence)}"
        )
    return [(name, values.get(name, "") or "") for name in sequence]


def _is_fault_bytes(payload: bytes) -> bool:
    head = payload[:4096]
    return b"Fault>" in head or b":Fault" in head
