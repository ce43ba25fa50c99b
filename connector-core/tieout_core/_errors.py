"""The two kinds of failure a user can meet, and how each protocol reports them.

A connector raises `ConfigError` when the user must change something (credentials, tenant, a setting) and
`TransientError` when waiting and retrying may help (host unreachable, rate limited, 5xx after retries).
The adapters turn them into an Airbyte TRACE with the matching `failure_type`, or a Singer error line.
Messages are written for the person running the sync: what failed, which setting, how to fix it.
They must never contain secrets.
"""

from __future__ import annotations


class ConnectorError(Exception):
    """A failure with a message fit for the user. `failure_type` follows the Airbyte protocol."""

    failure_type = "system_error"

    def __init__(self, message: str, *, internal_message: str | None = None):
        super().__init__(message)
        self.message = message
        self.internal_message = internal_message


class ConfigError(ConnectorError):
    """The user has to change the config (bad credentials, unknown tenant, invalid setting)."""

    failure_type = "config_error"


class TransientError(ConnectorError):
    """Retrying later may succeed (unreachable host, timeouts, rate limits, server errors)."""

    failure_type = "transient_error"


def to_airbyte_exception(error: ConnectorError):
    """The airbyte-cdk exception carrying the same message and failure type."""
    from airbyte_cdk.models import FailureType
    from airbyte_cdk.utils.traced_exception import AirbyteTracedException

    return AirbyteTracedException(
        message=error.message,
        internal_message=error.internal_message or error.message,
        failure_type=FailureType(error.failure_type),
        exception=error,
    )
