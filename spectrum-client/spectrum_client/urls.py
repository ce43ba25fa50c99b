"""Which Data Exchange URLs may be dialled: https, or plain http only to this machine unless the user opts in.

Plain http carries the Authorization ID (in every SOAP body), Basic/Bearer headers and every record in clear
text. It is accepted without asking only for a loopback host (the sandbox's twin listens there); anything
else must be https, or the caller sets `allow_insecure_http` on purpose. The check runs before any request.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

OPT_IN = "allow_insecure_http"


def is_loopback_host(host: str | None) -> bool:
    """localhost, 127.0.0.0/8 or ::1 (no name lookup: a name other than localhost is not trusted)."""
    if not host:
        return False
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def insecure_url_problem(
    url: str, *, allow_insecure_http: bool, field: str = "url", opt_in: str = OPT_IN
) -> str | None:
    """None when `url` may be dialled, else a message naming `field`, the fix and the opt-in setting.

    The URL itself is not echoed: it may carry user:password@ credentials.
    """
    parts = urlsplit(url)
    if parts.scheme != "http" or allow_insecure_http or is_loopback_host(parts.hostname):
        return None
    return (
        f"{field} must use https:// (plain http:// sends the Authorization ID, tokens and every record"
        f" unencrypted); use the install's https:// address (e.g. https://acme.dexterchaney.com:8482), or set"
        f" {opt_in}: true to allow plain http on purpose (plain http is accepted without it only for localhost,"
        " 127.0.0.1 and ::1)"
    )
