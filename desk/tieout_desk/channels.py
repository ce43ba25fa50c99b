"""Where notifications go: email over SMTP (STARTTLS by default) and a Slack-compatible webhook. Settings come
from policy.yml's `desk.notify`; secrets (the SMTP password, the webhook URL) come from environment variables
that the settings name, so the file holds none. No message here ever carries a secret."""

from __future__ import annotations

import json
import os
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any


class ChannelError(RuntimeError):
    """A channel is misconfigured or refused a message; the message names the setting, never a secret."""


@dataclass(frozen=True)
class Email:
    host: str
    port: int
    sender: str
    starttls: bool = True
    username: str = ""
    password: str = ""
    password_env: str = ""
    ssl_context: ssl.SSLContext | None = None

    @classmethod
    def from_settings(cls, settings: dict[str, Any], ssl_context: ssl.SSLContext | None = None) -> Email:
        where = "policy.yml desk.notify.email"
        for key in ("host", "from"):
            if not settings.get(key):
                raise ChannelError(f"{where}.{key} is missing; e.g. host: smtp.example.com, from: close@example.com")
        password_env = str(settings.get("password_env") or "")
        password = os.environ.get(password_env, "") if password_env else ""
        if settings.get("username") and not password:
            raise ChannelError(
                f"{where}.username is set but the environment variable named by password_env "
                f"({password_env or 'not set'}) is empty; export it (the password never goes in policy.yml)"
            )
        try:
            port = int(settings.get("port", 587))
        except (TypeError, ValueError):
            raise ChannelError(f"{where}.port is '{settings.get('port')}'; use a number such as 587") from None
        return cls(
            host=str(settings["host"]),
            port=port,
            sender=str(settings["from"]),
            starttls=bool(settings.get("starttls", True)),
            username=str(settings.get("username") or ""),
            password=password,
            password_env=password_env,
            ssl_context=ssl_context,
        )

    def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=30) as smtp:
                if self.starttls:
                    smtp.starttls(context=self.ssl_context or ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password)
                smtp.send_message(message)
        except smtplib.SMTPAuthenticationError:
            raise ChannelError(
                f"smtp {self.host}:{self.port} refused the login of {self.username} "
                f"(password from ${self.password_env}); check both"
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise ChannelError(
                f"smtp {self.host}:{self.port} does not offer STARTTLS; use a server that does "
                "(desk.notify.email.starttls: false only on a trusted loopback relay)"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelError(f"smtp {self.host}:{self.port}: {type(exc).__name__}: {exc}") from None


@dataclass(frozen=True)
class Webhook:
    url: str
    url_env: str

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> Webhook:
        url_env = str(settings.get("url_env") or "")
        url = os.environ.get(url_env, "") if url_env else ""
        if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ChannelError(
                f"policy.yml desk.notify.webhook.url_env names ${url_env or '(nothing)'}, which must hold an https:// "
                "webhook URL (it is a secret: keep it in the environment, not in policy.yml)"
            )
        return cls(url=url, url_env=url_env)

    def send(self, text: str) -> None:
        request = urllib.request.Request(  # noqa: S310 (https, or loopback for tests; checked above)
            self.url,
            data=json.dumps({"text": text}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                response.read()
        except urllib.error.HTTPError as exc:
            raise ChannelError(f"webhook (${self.url_env}) answered HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ChannelError(f"webhook (${self.url_env}) unreachable: {type(reason).__name__}") from None
