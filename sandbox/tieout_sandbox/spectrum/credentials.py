"""Fixed, documented Spectrum twin credentials (sandbox/README.md "Spectrum twin", SPECTRUM.md).

Two Authorization IDs: the full one has every twin service built in for both companies; the limited one is
what a half-finished Data Exchange setup looks like (two Get services, one company), for error-path tests.
"""

GET_SERVICES = (
    "GetJob",
    "GetJobMain",
    "GetJobDates",
    "GetPhase",
    "GetPhaseEnhanced",
    "GetCustomers",
    "GetEmployee",
    "GetEquipment",
)
PUT_SERVICES = ("AddARInvoice", "AddAPInvoice", "AddJCTrans")
REST_SERVICES = ("GetVendors", "CustomerInvoiceMultiLine", "VendorInvoiceMultiLine", "UpdateAPInvoiceHoldFlag")

AUTHORIZATION_ID = "TIEOUTSBX01"  # <= 20 chars, as Spectrum requires
LIMITED_AUTHORIZATION_ID = "TIEOUTLIMITED"

AUTHORIZATIONS = {
    AUTHORIZATION_ID: {
        "companies": ("MEC", "FPR"),
        "services": GET_SERVICES + PUT_SERVICES + REST_SERVICES,
        "operator": "WS",
    },
    LIMITED_AUTHORIZATION_ID: {
        "companies": ("MEC",),
        "services": ("GetJob", "GetCustomers"),
        "operator": "WSL",
    },
}


def authorizations_for(companies: tuple[str, ...]) -> dict[str, dict]:
    """AUTHORIZATIONS with the dataset's companies: the full ID covers them all, the limited one the first."""
    return {
        AUTHORIZATION_ID: {**AUTHORIZATIONS[AUTHORIZATION_ID], "companies": tuple(companies)},
        LIMITED_AUTHORIZATION_ID: {**AUTHORIZATIONS[LIMITED_AUTHORIZATION_ID], "companies": tuple(companies[:1])},
    }


# "Enhanced Authentication" (OAuth2 client credentials) is bound to the full Authorization ID.
OAUTH_CLIENT_ID = "tieout-spectrum-client"
OAUTH_CLIENT_SECRET = "spectrum-sandbox-secret-not-for-production"  # noqa: S105 - public sandbox secret
OAUTH_SCOPE = "spectrumapi"
TOKEN_TTL_S = 3600

DEFAULT_ROW_CAP = 500
