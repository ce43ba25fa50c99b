"""The two ways to read Spectrum, behind one interface (`base.Transport`)."""

from source_spectrum.config import SpectrumConfig
from source_spectrum.transports.base import Transport, translated
from source_spectrum.transports.data_exchange import DataExchangeTransport
from source_spectrum.transports.sql import SqlTransport


def make_transport(config: SpectrumConfig) -> Transport:
    """The transport the config names (its connection is opened on first use)."""
    with translated():
        return SqlTransport(config) if config.transport == "sql" else DataExchangeTransport(config)


__all__ = ["DataExchangeTransport", "SqlTransport", "Transport", "make_transport"]
