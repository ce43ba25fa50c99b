"""tieout_core: the small shared connector SDK (config, stream declarations, HTTP, state, adapters).

The public API is what this module exports; see README.md ("Write a connector").
"""

from tieout_core.config import ConnectorConfig, airbyte_spec, check_spec_file, config_json_schema
from tieout_core.connector import ConnectorDefinition
from tieout_core.declarations import Checkpoint, StreamDeclaration
from tieout_core.errors import ConfigError, ConnectorError, TransientError
from tieout_core.state import StateShapeError, WatermarkCursor, check_watermark_state, from_iso, to_iso

__all__ = [
    "Checkpoint",
    "ConfigError",
    "ConnectorConfig",
    "ConnectorDefinition",
    "ConnectorError",
    "StateShapeError",
    "StreamDeclaration",
    "TransientError",
    "WatermarkCursor",
    "airbyte_spec",
    "check_spec_file",
    "check_watermark_state",
    "config_json_schema",
    "from_iso",
    "to_iso",
]
