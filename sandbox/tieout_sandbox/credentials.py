"""Fixed sandbox credentials and tenants. sandbox/README.md ("Credentials and ports") documents them."""

CLIENT_ID = "tieout-sandbox"
CLIENT_SECRET = "sandbox-secret-not-for-production"  # noqa: S105 - a public, documented sandbox secret

MAIN_TENANT_ID = "7f3c2a9e-5b1d-4c8e-9a42-1d6e0b8f5c31"
MAIN_TENANT_NAME = "Lone Star Mechanical & Fire"
# A second, small tenant (an acquired plumbing shop) so multi-tenant configs can be tested.
SECOND_TENANT_ID = "c2d9e4f1-8a37-4b6c-b5e0-93f17a2d6b84"
SECOND_TENANT_NAME = "Red River Plumbing"
SECOND_TENANT_SCALE = 0.02  # relative to scale 1, whatever --scale is

DEFAULT_BUILDOPS_PORT = 8701
DEFAULT_SPECTRUM_PORT = 8482
DEFAULT_TOKEN_TTL_S = 10800  # live-observed BuildOps token lifetime (3 h)
