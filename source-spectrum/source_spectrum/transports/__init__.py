"""The two ways to read Spectrum, behind one interface (`base.Transport`)."""

from .base import Transport
from .data_exchange import DataExchangeTransport
from .sql import SqlTransport

__all__ = ["DataExchangeTransport", "SqlTransport", "Transport"]
