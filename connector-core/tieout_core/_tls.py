"""TLS trust: a `ca_bundle` setting (a PEM file) for servers signed by a private CA, and the message a user
reads when a certificate is not trusted.

Certificate checks are always on: a server with a self-signed or in-house certificate is reached by naming that
CA in `ca_bundle`, never by turning verification off. An untrusted certificate is a `ConfigError` (the user
must act), not a transient failure that invites endless retries.
"""

from __future__ import annotations

import re
from pathlib import Path

PEM_MARKER = "-----BEGIN CERTIFICATE-----"
CA_BUNDLE_DESCRIPTION = (
    "Path to a PEM file of the CA certificate(s) that signed the server's certificate, for a self-signed or"
    " private (in-house) CA: the server is then checked against these instead of the system's CAs."
    " Certificates are always checked."
)
_VERIFY_FAILED = re.compile(r"certificate verify failed: ([^(')\"]+)")


def check_ca_bundle(path: str | None) -> str | None:
    """The path when it names a readable PEM certificate file; otherwise raise ValueError saying what is wrong."""
    if path is None:
        return None
    file = Path(path).expanduser()
    if not file.is_file():
        raise ValueError(f"no file at {path}: give the path of the CA certificate (a PEM file)")
    try:
        text = file.read_text(errors="replace")
    except OSError as exc:
        raise ValueError(f"{path} cannot be read ({exc.strerror})") from None
    if PEM_MARKER not in text:
        raise ValueError(f"{path} holds no PEM certificate (a '{PEM_MARKER}' block); export the CA certificate as PEM")
    return str(file)


def tls_failure(where: str, error: BaseException, *, ca_setting: str, url_setting: str) -> str:
    """What to tell the user when the TLS handshake with `where` failed (never the certificate's contents)."""
    text = str(error)
    verify = _VERIFY_FAILED.search(text)
    if verify or "CERTIFICATE_VERIFY_FAILED" in text:
        reason = verify.group(1).strip() if verify else "certificate verify failed"
        return (
            f"The TLS certificate of {where} was not trusted ({reason}). If the server uses a self-signed"
            f" certificate or one signed by a private (in-house) CA, set {ca_setting} to the path of that CA's"
            " certificate (a PEM file); certificate checks stay on and cannot be turned off."
        )
    if "hostname" in text.lower() and "match" in text.lower():
        return (
            f"The TLS certificate of {where} is not valid for that host name: set {url_setting} to the name the"
            " certificate was issued for."
        )
    return (
        f"The TLS handshake with {where} failed ({type(error).__name__}): check that {url_setting} uses the"
        " server's https:// address and port."
    )
