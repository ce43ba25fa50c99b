"""tieout_core: a small connector SDK. One config model and a few stream declarations run under airbyte-cdk
(`spec`, `check`, `discover`, `read`) and singer-sdk (`--about`, `--discover`, `--catalog`, `--state`).

The public API is exactly what this module exports (`__all__`), plus the test kit `tieout_core.testing`;
every name is used in the guide (README.md, "Write a connector"). Modules whose names start with an
underscore are private: import from `tieout_core`, never from them.
"""

from typing import TYPE_CHECKING, Any

from tieout_core._bearer import BearerTokenAuth
from tieout_core._concurrency import ordered_map, prefetch
from tieout_core._config import (
    ConnectorConfig,
    airbyte_spec,
    check_spec_file,
    config_json_schema,
    write_spec_file,
)
from tieout_core._connector import ConnectorDefinition
from tieout_core._declarations import Checkpoint, StreamDeclaration
from tieout_core._errors import ConfigError, ConnectorError, TransientError, to_airbyte_exception
from tieout_core._http import HttpClient, Response, RetryPolicy, error_detail
from tieout_core._oauth2 import OAuth2ClientCredentials
from tieout_core._pagination import Page, cursor_pages, link_header_pages, offset_pages, page_number_pages
from tieout_core._state import (
    StateShapeError,
    WatermarkCursor,
    check_watermark_state,
    expect_mapping,
    from_iso,
    to_iso,
)
from tieout_core._tls import CA_BUNDLE_DESCRIPTION, check_ca_bundle

if TYPE_CHECKING:
    from tieout_core._airbyte import DeclaredEntrypoint, DeclaredSource, launch
    from tieout_core._singer import build_cli, build_tap_class, builtin_setting_names, singer_streams

# Each adapter is imported on first use of one of its names. Importing airbyte-cdk's entrypoint sets up its
# logging, which prints Airbyte LOG messages on stdout: a Singer tap or target must never load it (and an
# Airbyte source need not pay for importing singer-sdk).
_ADAPTERS = {
    "DeclaredEntrypoint": "_airbyte",
    "DeclaredSource": "_airbyte",
    "launch": "_airbyte",
    "build_cli": "_singer",
    "build_tap_class": "_singer",
    "builtin_setting_names": "_singer",
    "singer_streams": "_singer",
}


def __getattr__(name: str) -> Any:
    module = _ADAPTERS.get(name)
    if module is None:
        raise AttributeError(f"module 'tieout_core' has no attribute {name!r}")
    from importlib import import_module

    value = globals()[name] = getattr(import_module(f"tieout_core.{module}"), name)
    return value


__all__ = [
    "CA_BUNDLE_DESCRIPTION",
    "BearerTokenAuth",
    "Checkpoint",
    "ConfigError",
    "ConnectorConfig",
    "ConnectorDefinition",
    "ConnectorError",
    "DeclaredEntrypoint",
    "DeclaredSource",
    "HttpClient",
    "OAuth2ClientCredentials",
    "Page",
    "Response",
    "RetryPolicy",
    "StateShapeError",
    "StreamDeclaration",
    "TransientError",
    "WatermarkCursor",
    "airbyte_spec",
    "build_cli",
    "build_tap_class",
    "builtin_setting_names",
    "check_ca_bundle",
    "check_spec_file",
    "check_watermark_state",
    "config_json_schema",
    "cursor_pages",
    "error_detail",
    "expect_mapping",
    "from_iso",
    "launch",
    "link_header_pages",
    "offset_pages",
    "ordered_map",
    "page_number_pages",
    "prefetch",
    "singer_streams",
    "to_airbyte_exception",
    "to_iso",
    "write_spec_file",
]
