"""Data Exchange transport: Get services (SOAP) and REST vendors, split by filters past the row cap.

No Get service pages: each answers at most ~500 rows and ends a capped answer with a `W` row. Reads are
therefore split by filters. Status is always split, as blank (= Active + Inactive) and `C`: a blank
pStatus_Code alone silently leaves out Complete jobs and phases. The other filters split only an answer
that came back capped: division and cost center with the values configured, phases by job number (from
GetJob). An answer still capped when no filter is left fails the stream with `TruncatedResult`; it is never
emitted as if complete.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import Any

from spectrum_client import DataExchangeClient, DataExchangeSettings, Partition

from source_spectrum.catalog import DX_STREAMS, StreamSpec
from source_spectrum.config import SpectrumConfig
from source_spectrum.normalize import RecordBuilder
from source_spectrum.transports.base import RowBatch

# A blank status means Active + Inactive, so {blank, C} covers every job (or phase) in two calls.
STATUSES = ("", "C")
ERROR_FIELDS = ("error_code", "error_description", "error_column")
BATCH_ROWS = 500  # records handed on at a time: one capped Get's worth
LOG = logging.getLogger("airbyte")  # the CDK's logger: its records reach an Airbyte host as LOG messages


def dx_settings(config: SpectrumConfig) -> DataExchangeSettings:
    dx = config.data_exchange
    assert dx is not None
    if not dx.verify_tls:
        LOG.warning(
            "data_exchange.verify_tls is false: the server's certificate is not checked, so anyone on the network"
            " path can pose as Spectrum and read the Authorization ID. Set data_exchange.ca_bundle to the server's"
            " CA certificate (a PEM file) and remove verify_tls."
        )
    return DataExchangeSettings(
        url=dx.base_url,
        authorization_id=dx.authorization_id.get_secret_value() if dx.authorization_id else None,
        client_id=dx.client_id,
        client_secret=dx.client_secret.get_secret_value() if dx.client_secret else None,
        verify_tls=dx.verify_tls,
        allow_insecure_http=dx.allow_insecure_http,
        ca_bundle=dx.ca_bundle,
        url_setting="data_exchange.base_url",
        ca_bundle_setting="data_exchange.ca_bundle",
    )


class DataExchangeTransport:
    name = "data_exchange"

    def __init__(self, config: SpectrumConfig, client: DataExchangeClient | None = None) -> None:
        self.config = config
        self.client = client or DataExchangeClient(dx_settings(config))
        self._builders: dict[str, RecordBuilder] = {}
        self._jobs: dict[str, list[str]] = {}

    @property
    def streams(self) -> tuple[StreamSpec, ...]:
        return DX_STREAMS

    def check(self, company_codes: list[str]) -> None:
        for company in company_codes:
            self.client.get("GetJob", {"pCompany_Code": company, "pStatus_Code": "A"})

    def partitions(self, spec: StreamSpec, company_code: str) -> list[Partition]:
        values: dict[str, Sequence[str] | Callable[[], Sequence[str]]] = {
            "pStatus_Code": STATUSES,
            "pDivision": self.config.data_exchange.divisions if self.config.data_exchange else [],
            "pCost_Center": self.config.data_exchange.cost_centers if self.config.data_exchange else [],
            "pJob_Number": lambda: self.job_numbers(company_code),
        }
        out = []
        for param in spec.partitions:
            if param == "pStatus_Code" and spec.service in (
                "GetJob",
                "GetJobMain",
                "GetJobDates",
                "GetPhase",
                "GetPhaseEnhanced",
            ):
                out.append(Partition(param, STATUSES, always=True))
            elif param in values:
                out.append(Partition(param, values[param]))
        return out

    def job_numbers(self, company_code: str) -> list[str]:
        """Every job of the company, all statuses (GetJob, itself split past the cap)."""
        if company_code not in self._jobs:
            spec = next(s for s in DX_STREAMS if s.service == "GetJob")
            rows = self.client.get_all("GetJob", {"pCompany_Code": company_code}, self.partitions(spec, company_code))
            self._jobs[company_code] = sorted({r.get("Job_Number", "").strip() for r in rows} - {""})
        return self._jobs[company_code]

    def read_batches(self, spec: StreamSpec, company_code: str, since: date | None) -> Iterator[RowBatch]:
        builder = self._builders.setdefault(spec.name, RecordBuilder(spec.columns, spec.primary_key))
        assert spec.service is not None
        if spec.service.startswith("/"):
            rows: Any = self._rest_rows(spec.service.format(company_code=company_code), company_code)
        else:
            filters = {"pCompany_Code": company_code}
            if spec.service == "GetCustomers":
                filters["pStatus"] = "ALL"  # blank = Active only
            rows = self.client.get_all(spec.service, filters, self.partitions(spec, company_code))
        renames = {a.lower(): b.lower() for a, b in spec.renames}
        names = builder.names
        batch: list[tuple] = []
        for row in rows:
            raw = {renames.get(k.lower(), k.lower()): v for k, v in row.items() if k.lower() not in ERROR_FIELDS}
            batch.append(tuple(map(builder.build(raw, company_code).__getitem__, names)))
            if len(batch) == BATCH_ROWS:
                yield names, batch
                batch = []
        if batch:
            yield names, batch

    def _rest_rows(self, path: str, company_code: str) -> list[dict[str, Any]]:
        body = self.client.rest_get(path, company_code)
        if isinstance(body, dict):
            body = next((v for v in body.values() if isinstance(v, list)), [])
        return [r for r in body if isinstance(r, dict)]

    def open_from(self, company_code: str) -> date | None:
        return None  # no Get service answers it, and Data Exchange streams are full refresh

    def close(self) -> None:
        self.client.close()
