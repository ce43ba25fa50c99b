"""The source-buildops connector definition, shared by the Airbyte (`run.py`) and Singer (`tap.py`) entry points."""

from __future__ import annotations

from pathlib import Path

from tieout_core import ConnectorDefinition, RetryPolicy

from source_buildops.client import BuildOpsClient
from source_buildops.config import DOCUMENTATION_URL, BuildOpsConfig
from source_buildops.streams import build_streams

SPEC_PATH = Path(__file__).parent / "spec.json"


def check(config: BuildOpsConfig) -> None:
    """Token, then one small page per tenant. Fails fast (two attempts) instead of backing off for a minute."""
    client = BuildOpsClient(config, retry=RetryPolicy(attempts=1, backoff_factor=0.5))
    try:
        for tenant in config.tenant_ids:
            client.get(config.path("jobs"), tenant, {"page": 0, "page_size": 1})
    finally:
        client.close()


CONNECTOR = ConnectorDefinition(
    name="source-buildops",
    tap_name="tap-buildops",
    config_model=BuildOpsConfig,
    build_streams=build_streams,
    check=check,
    documentation_url=DOCUMENTATION_URL,
    spec_path=SPEC_PATH,
)
