"""The OAuth2 client-credentials grant: a BearerTokenAuth whose token comes from a token endpoint, through an
HttpClient of its own (so the token call gets the same retries, TLS and redirect rules as every other request)."""

from __future__ import annotations

import base64
from urllib.parse import quote_plus

import requests

from tieout_core._bearer import BearerTokenAuth
from tieout_core._errors import ConfigError, ConnectorError
from tieout_core._http import HttpClient, RetryPolicy, describe_request, error_detail


class OAuth2ClientCredentials(BearerTokenAuth):
    """OAuth2 client-credentials grant (RFC 6749 4.4): POSTs a form to `token_url` and sends the access token as
    `Authorization: Bearer`, refreshed `refresh_margin` seconds before `expires_in` runs out.

    The client id and secret go in an HTTP Basic header (`client_auth="basic"`, the RFC's preferred way) or in
    the form (`client_auth="body"`), only ever to `token_url`. A refused grant is a ConfigError that names the
    settings to fix (`id_setting`, `secret_setting`) and the server's `error_description`; a token response
    without `access_token` is one too. `expires_in` missing means `default_lifetime` seconds.
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str | None = None,
        client_auth: str = "basic",
        refresh_margin: float = 300.0,
        default_lifetime: float = 3600.0,
        id_setting: str = "client_id",
        secret_setting: str = "client_secret",  # noqa: S107 - a setting name
        token_url_setting: str = "token_url",  # noqa: S107 - a setting name
        retry: RetryPolicy | None = None,
        timeout: float = 60.0,
        ca_bundle: str | None = None,
    ):
        if client_auth not in ("basic", "body"):
            raise ValueError(f"client_auth must be 'basic' or 'body', not {client_auth!r}")
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._scope = scope
        self._client_auth = client_auth
        self._default_lifetime = default_lifetime
        self._settings = (id_setting, secret_setting)
        self._client = HttpClient(
            token_url,
            retry=retry,
            timeout=timeout,
            explain=self._explain,
            url_setting=token_url_setting,
            ca_bundle=ca_bundle,
        )
        super().__init__(self._fetch_token, refresh_margin=refresh_margin)

    def _fetch_token(self) -> tuple[str, float]:
        form = {"grant_type": "client_credentials"}
        if self._scope:
            form["scope"] = self._scope
        headers = {}
        if self._client_auth == "basic":
            # RFC 6749 2.3.1: each part form-encoded before joining, so a ':' in the id cannot split it
            pair = f"{quote_plus(self._client_id)}:{quote_plus(self._client_secret)}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        else:
            form.update(client_id=self._client_id, client_secret=self._client_secret)
        body = self._client.request_json("POST", self._token_url, data=form, headers=headers, authenticated=False)
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise ConfigError(
                f"The token endpoint ({describe_request('POST', self._token_url)}) answered without an access_token:"
                f" check {self._client.url_setting}"
            )
        lifetime = body.get("expires_in")
        return token, float(lifetime) if isinstance(lifetime, (int, float)) and lifetime > 0 else self._default_lifetime

    def _explain(self, response: requests.Response) -> ConnectorError | None:
        if response.status_code not in (400, 401, 403):
            return None
        detail = error_detail(response)
        suffix = f" ({detail})" if detail else ""
        return ConfigError(
            f"The token endpoint refused the client credentials with HTTP {response.status_code}{suffix}: check"
            f" {self._settings[0]} and {self._settings[1]}"
        )
