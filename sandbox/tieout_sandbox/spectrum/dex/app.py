"""The Spectrum Data Exchange emulator: one WSGI app serving SOAP at /ws/<Service>, WSDLs at
/wsdls/<Service>.jws, the REST services, and OAuth at /connect/token (all on the same port, like 8482).

Faults on demand: see `Faults` (the `serve --faults` spec, plus Spectrum-only tokens).
"""

from __future__ import annotations

import base64
import binascii
import logging
import random
import secrets
import threading
import time
from pathlib import Path

import orjson
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .. import credentials as cred
from ..companies import dataset_companies
from . import soap
from .gets import GET_SERVICES
from .puts import SOAP_PUTS, customer_invoices, update_hold_flags, vendor_invoices
from .store import Store

LOG = logging.getLogger(__name__)

PUT_PARAMS = {
    "AddARInvoice": [
        "Authorization_ID",
        "GUID",
        "Company_Code",
        "GL_Date",
        "Batch_Code",
        "Customer_Code",
        "Job_Number",
        "Invoice_Or_Transaction",
        "Transaction_Type",
        "Invoice_Date",
        "Terms_Code",
        "Salesperson_Code",
        "Sales_Tax_Code",
        "Taxable_Flag",
        "Retention_Percent",
        "Print_Job_Address_Flag",
        "Remarks",
        "Customer_PO",
        "AR_GL_Account",
        "Detail_Description",
        "Line_Extension",
        "GL_Account",
        "Sales_Tax_Amount",
        "Retention_Amount",
        "Phase_Code",
        "Cost_Type",
        "Asset_Cost_Center",
        "Income_Cost_Center",
    ],
    "AddAPInvoice": [
        "Authorization_ID",
        "GUID",
        "Company_Code",
        "GL_Date",
        "Batch_Code",
        "Vendor_Code",
        "Contract_Number",
        "Invoice_Number",
        "Invoice_Type_Code",
        "Invoice_Date",
        "Invoice_Amount",
        "Sales_Tax_Amount",
        "Retention_Amount",
        "Payment_Due_Date",
        "Status",
        "Remarks",
        "AP_GL_Account",
        "Distribution_GL_Account",
        "Distribution_Amount",
        "Job_Number",
        "Phase_Code",
        "Cost_Type",
        "PO_Number",
    ],
    "AddJCTrans": [
        "Authorization_ID",
        "GUID",
        "Company_Code",
        "Tran_Date",
        "Batch_Code",
        "Reference_1",
        "Description",
        "Job_Number",
        "Phase_Code",
        "Cost_Type",
        "Total_Hours",
        "Tran_Amount",
        "GL_Debit_Account",
        "GL_Credit_Account",
        "Cost_Center_Credit",
    ],
}
REST_SERVICE_OF = {
    "/customer/invoice": "CustomerInvoiceMultiLine",
    "/vendor/invoice": "VendorInvoiceMultiLine",
    "/vendorInvoice/updateAPInvoiceHoldFlag": "UpdateAPInvoiceHoldFlag",
}


class Faults:
    """Parses the `serve --faults` spec the BuildOps twin uses plus Spectrum-only tokens.

    Shared: `5xx:<probability>` (seeded by `seed=N`); BuildOps-only kinds (429, reset, slow, expire) and other
    options are ignored here. Spectrum-only (optionally prefixed `spectrum.`): `soap_fault`,
    `soap_fault:<Service>`, `5xx_burst:<N>` (first N requests 503), `5xx_every:<K>` (every K-th request 500).
    """

    IGNORED = ("429", "reset", "slow", "expire")

    def __init__(self, spec: str | None):
        self.soap_all = False
        self.soap_services: set[str] = set()
        self.burst = 0
        self.every = 0
        self.rate = 0.0
        self.seed = 0
        self.count = 0
        self._lock = threading.Lock()
        for token in filter(None, (t.strip() for t in (spec or "").split(","))):
            token = token.removeprefix("spectrum.")
            if "=" in token:
                name, _, value = token.partition("=")
                if name == "seed":
                    self.seed = int(value)
                continue
            name, _, arg = token.partition(":")
            try:
                if name == "soap_fault":
                    if arg:
                        self.soap_services.add(arg)
                    else:
                        self.soap_all = True
                elif name == "5xx":
                    self.rate = float(arg)
                elif name == "5xx_burst":
                    self.burst = int(arg or 1)
                elif name == "5xx_every":
                    self.every = int(arg or 2)
                elif name not in self.IGNORED:
                    raise ValueError(name)
            except ValueError:
                raise ValueError(
                    f"unknown Spectrum fault '{token}'; use 5xx:<probability>, soap_fault[:Service], "
                    "5xx_burst:N or 5xx_every:K"
                ) from None
        self._random = random.Random(self.seed)

    def http_error(self) -> Response | None:
        with self._lock:
            self.count += 1
            if self.burst > 0:
                self.burst -= 1
                return Response("Service Unavailable (injected)", status=503, headers={"Retry-After": "1"})
            if self.every and self.count % self.every == 0:
                return Response("Internal Server Error (injected)", status=500)
            if self.rate and self._random.random() < self.rate:
                return Response("Service Unavailable (injected)", status=503, headers={"Retry-After": "1"})
        return None

    def soap_fault(self, service: str) -> bool:
        return self.soap_all or service in self.soap_services


class DataExchange:
    def __init__(
        self,
        data_dir: Path,
        latency_ms: int = 0,
        faults: str | None = None,
        row_cap: int = cred.DEFAULT_ROW_CAP,
        postgres_dsn: str | None = None,
    ):
        self.store = Store(data_dir, postgres_dsn)
        # The dataset's own companies, not the generator's two: a renamed or hand-written dataset must be readable.
        self.authorizations = cred.authorizations_for(dataset_companies(data_dir))
        self.latency = latency_ms / 1000.0
        self.faults = Faults(faults)
        self.row_cap = row_cap
        self.tokens: dict[str, tuple[str, float]] = {}
        self.url_map = Map(
            [
                Rule("/ws/<service>", endpoint="soap", methods=["POST"]),
                Rule("/wsdls/<service>.jws", endpoint="wsdl", methods=["GET"]),
                Rule("/connect/token", endpoint="token", methods=["POST"]),
                Rule("/vendors/<company>", endpoint="vendors", methods=["GET"]),
                *[Rule(path, endpoint="rest_put", methods=["POST"]) for path in REST_SERVICE_OF],
                Rule("/", endpoint="root", methods=["GET"]),
            ]
        )

    def __call__(self, environ, start_response):
        request = Request(environ)
        if self.latency:
            time.sleep(self.latency)
        response = self.faults.http_error()
        if response is None:
            try:
                endpoint, args = self.url_map.bind_to_environ(environ).match()
                response = getattr(self, f"on_{endpoint}")(request, **args)
            except NotFound:
                response = _json({"error": f"No Data Exchange resource at {request.path}"}, 404)
            except HTTPException as exc:
                response = exc.get_response(environ)
            except Exception as exc:  # a twin bug must still answer the way Spectrum's server would
                LOG.exception("Spectrum twin error on %s", request.path)
                if request.path.startswith("/ws/"):
                    response = _xml(soap.render_fault(f"Internal error: {type(exc).__name__}", "SOAP-ENV:Server"), 500)
                else:
                    response = _json({"error": "server_error", "error_description": type(exc).__name__}, 500)
        return response(environ, start_response)

    # ---- SOAP ---------------------------------------------------------------------------------------
    def on_root(self, request: Request) -> Response:
        return Response("Spectrum Data Exchange (Tieout sandbox twin)\n", mimetype="text/plain")

    def on_wsdl(self, request: Request, service: str) -> Response:
        params = GET_SERVICES[service].params if service in GET_SERVICES else PUT_PARAMS.get(service)
        if params is None:
            return _xml(soap.not_found_fault(service), 500)
        if service in GET_SERVICES:
            params = ["Authorization_ID", "GUID", *params]
        return _xml(soap.wsdl(service, params, f"{request.host_url}ws/{service}"), 200)

    def on_soap(self, request: Request, service: str) -> Response:
        try:
            method, fields = soap.parse_request(request.get_data())
        except soap.SoapRequestError as exc:
            return _xml(soap.render_fault(str(exc)), 500)
        bearer = _bearer(request)
        if bearer is not None and not self._token_auth(bearer):
            return _xml(
                soap.render_fault("Bearer token is invalid or expired; request a new one at /connect/token"), 401
            )
        auth = self.authorizations.get(fields.get("Authorization_ID", ""))
        known = service in GET_SERVICES or service in SOAP_PUTS
        if not known or method != service or (auth and service not in auth["services"]):
            return _xml(soap.not_found_fault(service), 500)
        if self.faults.soap_fault(service):
            return _xml(soap.render_fault("Internal error in web service (injected fault)", "SOAP-ENV:Server"), 500)
        result_fields = GET_SERVICES[service].fields if service in GET_SERVICES else [*fields, *soap.ERROR_FIELDS]
        problem = _check_call(fields, auth)
        if problem:
            return _xml(soap.render_rows(service, [soap.error_row(result_fields, "E", *problem)]), 200)
        if service in SOAP_PUTS:
            outcome = SOAP_PUTS[service](self.store, fields, auth)
            row = {k: v for k, v in fields.items() if k not in ("Authorization_ID",)}
            return _xml(soap.render_rows(service, [{**row, **outcome}]), 200)
        return self._get(service, fields, auth)

    def _get(self, service: str, fields: dict[str, str], auth: dict) -> Response:
        spec = GET_SERVICES[service]
        company = (fields.get("pCompany_Code") or auth["companies"][0]).upper()
        if company not in auth["companies"]:
            row = soap.error_row(
                spec.fields,
                "E",
                f"Company Code {company} is not authorized for this Authorization "
                "ID; add it in System Administration > Installation > Data Exchange",
                "pCompany_Code",
            )
            return _xml(soap.render_rows(service, [row]), 200)
        rows = spec.fetch(self.store, company, {**fields, "_limit": str(self.row_cap + 1)})
        capped = len(rows) > self.row_cap
        rows = [
            {**{k: ("" if v is None else str(v)) for k, v in r.items()}, **soap.ok_errors()}
            for r in rows[: self.row_cap]
        ]
        if capped:
            rows.append(soap.cap_row(spec.fields))
        return _xml(soap.render_rows(service, rows), 200)

    # ---- OAuth + REST -------------------------------------------------------------------------------
    def on_token(self, request: Request) -> Response:
        form = request.form
        client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
        basic = _basic(request)
        if basic:
            client_id, client_secret = basic
        if form.get("grant_type") != "client_credentials":
            return _json(
                {"error": "unsupported_grant_type", "error_description": "grant_type must be client_credentials"}, 400
            )
        if client_id != cred.OAUTH_CLIENT_ID or not secrets.compare_digest(client_secret, cred.OAUTH_CLIENT_SECRET):
            return _json(
                {
                    "error": "invalid_client",
                    "error_description": "client_id or client_secret is wrong (Data Exchange Installation)",
                },
                400,
            )
        if cred.OAUTH_SCOPE not in form.get("scope", "").split():
            return _json({"error": "invalid_scope", "error_description": "scope must be spectrumapi"}, 400)
        token = secrets.token_urlsafe(32)
        self.tokens[token] = (cred.AUTHORIZATION_ID, time.time() + cred.TOKEN_TTL_S)
        return _json(
            {"access_token": token, "expires_in": cred.TOKEN_TTL_S, "token_type": "Bearer", "scope": cred.OAUTH_SCOPE},
            200,
        )

    def _token_auth(self, token: str) -> dict | None:
        entry = self.tokens.get(token)
        if not entry or entry[1] < time.time():
            return None
        return self.authorizations[entry[0]]

    def _rest_auth(self, request: Request, company: str | None) -> tuple[dict | None, Response | None]:
        bearer = _bearer(request)
        if bearer is not None:
            auth = self._token_auth(bearer)
            if auth is None:
                return None, _json(
                    {
                        "error": "invalid_token",
                        "error_description": "Bearer token is invalid or expired; request a new one at /connect/token",
                    },
                    401,
                )
            return auth, None
        basic = _basic(request)
        if not basic:
            return None, _json(
                {
                    "error": "unauthorized",
                    "error_description": "Send Basic Company_Code:Authorization_Id "
                    "or a Bearer token from /connect/token",
                },
                401,
                {"WWW-Authenticate": 'Basic realm="Spectrum"'},
            )
        user, password = basic
        auth = self.authorizations.get(password)
        if auth is None or user.upper() not in auth["companies"]:
            return None, _json(
                {
                    "error": "unauthorized",
                    "error_description": "Company_Code or Authorization_Id is "
                    "wrong (Basic user = Company_Code, password = Authorization_Id)",
                },
                401,
            )
        if company and company.upper() != user.upper():
            return None, _json(
                {
                    "error": "forbidden",
                    "error_description": f"Basic user {user} cannot read company "
                    f"{company}; log in as that Company_Code",
                },
                403,
            )
        return {**auth, "companies": (user.upper(), *[c for c in auth["companies"] if c != user.upper()])}, None

    def on_vendors(self, request: Request, company: str) -> Response:
        auth, failure = self._rest_auth(request, company)
        if failure:
            return failure
        if "GetVendors" not in auth["services"] or company.upper() not in auth["companies"]:
            return _json(
                {
                    "error": "forbidden",
                    "error_description": "Get Vendors is not built into this "
                    "Authorization ID or the company is not authorized",
                },
                403,
            )
        from .gets import conditions

        q = request.args
        where, params = conditions(
            {
                "Type": q.get("pType", ""),
                "Address_3": q.get("pCity", ""),
                "State": q.get("pState", ""),
                "Vendor_Name": q.get("pName", ""),
            }
        )
        rows = self.store.query(
            f"SELECT * FROM VN_VENDOR_MASTER_MC WHERE Company_Code = ? AND Status = 'A'{where} ORDER BY Vendor_Code",
            [company.upper(), *params],
        )
        return _json(
            [
                {
                    "Vendor_Code": r["Vendor_Code"],
                    "Name": r["Vendor_Name"],
                    "Address_1": r["Address_1"],
                    "Address_2": r["Address_2"],
                    "City": r["Address_3"],
                    "State": r["State"],
                    "Zip_Code": r["Zip_Code"],
                    "First_Name": "",
                    "Last_Name": "",
                    "Phone_Number": r["Phone"],
                    "Email": r["Vendor_Email"],
                    "Account_Reference": "",
                    "Payment_Terms": r["Terms_Code"],
                    "Payment_Term_Days": r["Terms_Days"],
                    "Discount_Terms": "",
                    "Discount_Term_Days": 0,
                    "Discount_Percent": 0,
                }
                for r in rows
            ],
            200,
        )

    def on_rest_put(self, request: Request) -> Response:
        service = REST_SERVICE_OF[request.path]
        auth, failure = self._rest_auth(request, None)
        if failure:
            return failure
        if service not in auth["services"]:
            return _json(
                {
                    "error": "forbidden",
                    "error_description": f"{service} is not built into this "
                    "Authorization ID (System Administration > Installation > Data Exchange > Build)",
                },
                403,
            )
        try:
            body = orjson.loads(request.get_data() or b"{}")
        except orjson.JSONDecodeError as exc:
            return _json({"error": "invalid_json", "error_description": f"Body is not valid JSON: {exc}"}, 400)
        if not isinstance(body, dict):
            return _json({"error": "invalid_json", "error_description": "Body must be a JSON object"}, 400)
        handler = {
            "CustomerInvoiceMultiLine": customer_invoices,
            "VendorInvoiceMultiLine": vendor_invoices,
            "UpdateAPInvoiceHoldFlag": update_hold_flags,
        }[service]
        return _json(handler(self.store, body, auth), 200)


def _check_call(fields: dict[str, str], auth: dict | None) -> tuple[str, str] | None:
    if not fields.get("Authorization_ID"):
        return "Authorization_ID is required in every request", "Authorization_ID"
    if auth is None:
        return (
            "Authorization ID is not valid; check it in System Administration > Installation > Data Exchange",
            "Authorization_ID",
        )
    if not fields.get("GUID"):
        return "GUID is required: send a new unique identifier (36 characters) with every call", "GUID"
    if len(fields["GUID"]) > 36:
        return "GUID is longer than 36 characters", "GUID"
    return None


def _bearer(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def _basic(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:].strip()).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


def _xml(body: bytes, status: int) -> Response:
    return Response(body, status=status, content_type="text/xml; charset=utf-8")


def _json(payload, status: int, headers: dict | None = None) -> Response:
    return Response(orjson.dumps(payload), status=status, content_type="application/json", headers=headers)
