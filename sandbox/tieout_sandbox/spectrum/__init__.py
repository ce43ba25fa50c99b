"""The Spectrum side of the sandbox: generator, SQL loader and Data Exchange emulator.

Public interface used by the `tieout-sandbox` CLI:
generate(), dataset_companies(), prepare(), make_app(), connector_configs().
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .companies import NoCompaniesError, dataset_companies

__all__ = ["NoCompaniesError", "connector_configs", "dataset_companies", "generate", "make_app", "prepare"]


def generate(out_dir: Path, buildops: dict[str, list[dict]], seed: int, scale: float) -> dict:
    """Write DIR/spectrum/*.csv, DIR/mapping/*.csv and DIR/policy.yml; return a truth fragment."""
    from .generator import generate as _generate

    return _generate(Path(out_dir), buildops, seed, scale)


def prepare(data_dir: Path, *, postgres_dsn: str | None = None) -> dict:
    """Load DIR/spectrum/*.csv into SQLite (and PostgreSQL when a DSN is given); return connection info."""
    from .loader import prepare as _prepare

    return _prepare(Path(data_dir), postgres_dsn=postgres_dsn)


def make_app(
    data_dir: Path,
    *,
    latency_ms: int = 0,
    faults: str | None = None,
    row_cap: int | None = None,
    postgres_dsn: str | None = None,
) -> Any:
    """A werkzeug WSGI app emulating Spectrum Data Exchange (SOAP + REST) over DIR's database.

    `faults`: the serve --faults spec (5xx:<p>, seed=N) plus soap_fault[:Service], 5xx_burst:N, 5xx_every:K.
    `row_cap`: the Get services' row cap (default 500, as real installs).
    """
    from .credentials import DEFAULT_ROW_CAP
    from .dex.app import DataExchange

    return DataExchange(
        Path(data_dir),
        latency_ms=latency_ms,
        faults=faults,
        row_cap=row_cap or DEFAULT_ROW_CAP,
        postgres_dsn=postgres_dsn,
    )


def connector_configs(data_dir: Path, info: dict, spectrum_port: int) -> dict[str, dict]:
    """Ready-to-use connector configs pointing at the running twin."""
    from .configs import connector_configs as _configs

    return _configs(Path(data_dir), info, spectrum_port)
