"""Spectrum Data Exchange emulator (SOAP Get/Put services, REST services, OAuth)."""
