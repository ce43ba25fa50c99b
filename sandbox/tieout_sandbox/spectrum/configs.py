"""Ready-to-use connector configs pointing at a running twin (written by `tieout-sandbox serve`).

Every config names the companies DIR/spectrum holds. Field names follow the brief shared with spectrum-client /
source-spectrum: transport, companies, odbc.connection_string, data_exchange.base_url + authorization_id (or
oauth client_id / client_secret).
"""

from __future__ import annotations

from pathlib import Path

from . import credentials as cred
from .companies import dataset_companies


def connector_configs(data_dir: Path, info: dict, spectrum_port: int) -> dict[str, dict]:
    data_dir = Path(data_dir).resolve()
    base_url = f"http://127.0.0.1:{spectrum_port}"
    # The companies the dataset holds (start() puts them in info), never a fixed list: see companies.py.
    companies = list(info.get("companies") or dataset_companies(data_dir))
    data_exchange = {"base_url": base_url, "authorization_id": cred.AUTHORIZATION_ID}
    oauth = {**data_exchange, "client_id": cred.OAUTH_CLIENT_ID, "client_secret": cred.OAUTH_CLIENT_SECRET}
    sqlite_odbc = (
        info.get("odbc", {}).get("sqlite") or f"Driver=SQLite3;Database={data_dir / 'spectrum' / 'spectrum.sqlite'};"
    )
    configs = {
        "source-spectrum.sql.json": {
            "transport": "sql",
            "companies": companies,
            "odbc": {"connection_string": sqlite_odbc},
        },
        "source-spectrum.data_exchange.json": {
            "transport": "data_exchange",
            "companies": companies,
            "data_exchange": data_exchange,
        },
        "source-spectrum.data_exchange_oauth.json": {
            "transport": "data_exchange",
            "companies": companies,
            "data_exchange": oauth,
        },
        "destination-spectrum.json": {
            "companies": companies,
            "data_exchange": data_exchange,
            "odbc": {"connection_string": sqlite_odbc},
            "mapping_path": str(data_dir / "mapping" / "cost_code_mapping.csv"),
            "customer_crosswalk_path": str(data_dir / "mapping" / "customer_crosswalk.csv"),
            "vendor_crosswalk_path": str(data_dir / "mapping" / "vendor_crosswalk.csv"),
            "job_crosswalk_path": str(data_dir / "mapping" / "job_crosswalk.csv"),
            "ledger_path": str(data_dir / "tieout_ledger.duckdb"),
            "policy_path": str(data_dir / "policy.yml"),
        },
    }
    if info.get("odbc", {}).get("postgres"):
        configs["source-spectrum.postgres.json"] = {
            "transport": "sql",
            "companies": companies,
            "odbc": {"connection_string": info["odbc"]["postgres"]},
        }
    return configs
