"""A connector definition: the config model, the streams and a connection check. Nothing protocol-specific.

Both adapters (`tieout_core._airbyte`, `tieout_core._singer`) take one of these, so the same streams run
under an Airbyte host, under Meltano, and by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tieout_core._config import ConnectorConfig
from tieout_core._declarations import StreamDeclaration


@dataclass(frozen=True)
class ConnectorDefinition:
    """`name` is the Airbyte name (`source-buildops`); `tap_name` the Singer one (`tap-buildops`). `name` is also
    the Python distribution's name: Singer's `--about` shows that distribution's version and summary.

    `build_streams(config)` returns the declarations for a parsed config; `check(config)` raises a
    ConnectorError when the source cannot be read (bad credentials, unknown tenant, unreachable host).
    `spec_path` is the committed `spec.json` that a test keeps in step with `config_model`.
    """

    name: str
    tap_name: str
    config_model: type[ConnectorConfig]
    build_streams: Callable[[Any], Sequence[StreamDeclaration]]
    check: Callable[[Any], None]
    documentation_url: str
    spec_path: Path | None = None

    def parse_config(self, raw: Any, *, host_keys: Collection[str] = ()) -> Any:
        """The config model parsed from a raw config (`ConfigError` naming each bad field)."""
        return self.config_model.parse(raw, host_keys=host_keys)
