"""What destination-spectrum commits that its code generates (spec.json and meltano.yml's target-spectrum
settings); written by `python -m tieout_core.artefacts` from the repository root."""

from __future__ import annotations

from tieout_core.artefacts import Artefacts

from destination_spectrum.config import DOCUMENTATION_URL, DestinationSpectrumConfig

ARTEFACTS = Artefacts(
    config_model=DestinationSpectrumConfig,
    documentation_url=DOCUMENTATION_URL,
    spec_path="destination-spectrum/destination_spectrum/spec.json",
    meltano_plugin="target-spectrum",
    meltano_extra={
        "ar_service": {
            "options": [
                {"label": "REST /customer/invoice", "value": "rest"},
                {"label": "SOAP AddARInvoice", "value": "soap"},
            ]
        },
        "ap_service": {
            "options": [
                {"label": "REST /vendor/invoice", "value": "rest"},
                {"label": "SOAP AddAPInvoice", "value": "soap"},
            ]
        },
    },
)
