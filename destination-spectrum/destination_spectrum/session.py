"""One posting session: config -> files, gateway, ledger and engine; shared by the Airbyte destination and
the Singer target so both protocols post exactly the same way."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any

from tieout_core import ConfigError

from destination_spectrum.config import DestinationSpectrumConfig, EngineSettings
from destination_spectrum.crosswalk import CrosswalkFileError, CustomerCrosswalk, VendorCrosswalk
from destination_spectrum.engine import PostingEngine
from destination_spectrum.gateway import Gateway
from destination_spectrum.job_crosswalk import JobCrosswalk, JobCrosswalkFileError
from destination_spectrum.ledger import Ledger
from destination_spectrum.mapping import CostCodeMapping, MappingFileError
from destination_spectrum.policy import Policy, PolicyFileError
from destination_spectrum.report import BatchReport

logger = logging.getLogger("destination_spectrum")


def load_rules(
    config: DestinationSpectrumConfig,
) -> tuple[CostCodeMapping, Policy, CustomerCrosswalk, VendorCrosswalk | None, JobCrosswalk | None]:
    """The files humans maintain; a bad one is a config error that names the file, row and fix."""
    try:
        vendor_path = config.vendor_crosswalk()
        vendors = VendorCrosswalk.load(vendor_path) if vendor_path else None
        job_path = config.job_crosswalk()
        jobs = JobCrosswalk.load(job_path) if job_path else None
        return (
            CostCodeMapping.load(config.mapping_path),
            Policy.load(config.policy_path),
            CustomerCrosswalk.load(config.customer_crosswalk_path),
            vendors,
            jobs,
        )
    except (MappingFileError, PolicyFileError, CrosswalkFileError, JobCrosswalkFileError) as exc:
        raise ConfigError(str(exc)) from None


def open_gateway(config: DestinationSpectrumConfig) -> Gateway:
    from destination_spectrum.spectrum_gateway import SpectrumGateway

    return SpectrumGateway(config)


class PostingSession:
    def __init__(self, config: DestinationSpectrumConfig, gateway: Gateway | None = None):
        self.config = config
        self.run_id = uuid.uuid4().hex[:12]
        mapping, policy, crosswalk, vendors, jobs = load_rules(config)
        self.ledger = Ledger(config.ledger_path, self.run_id)  # first: an unwritable path stops before any call
        try:
            self.gateway = gateway or open_gateway(config)
        except BaseException:
            self.ledger.close()
            raise
        self.engine = PostingEngine(
            mapping=mapping,
            policy=policy,
            crosswalk=crosswalk,
            vendor_crosswalk=vendors,
            job_crosswalk=jobs,
            gateway=self.gateway,
            ledger=self.ledger,
            settings=EngineSettings(
                ar_prefix=config.ar_prefix,
                invoice_streams=tuple(config.invoice_streams),
                job_streams=tuple(config.job_streams),
                sub_bill_streams=tuple(config.sub_bill_streams),
                dry_run=config.dry_run,
                companies=tuple(config.companies),
            ),
        )
        self.report = BatchReport()
        self.buffer: list[tuple[str, Mapping[str, Any]]] = []
        if not config.dry_run:
            recovered = self.engine.recover()
            if recovered:
                logger.info("settled %d document(s) left by an interrupted run", recovered)

    def add(self, stream: str, record: Mapping[str, Any]) -> bool:
        """Buffer a record; True when the buffer is full and should be flushed."""
        self.buffer.append((stream, record))
        return len(self.buffer) >= self.config.flush_every

    def flush(self) -> BatchReport:
        """Post, hold or reject every buffered record; when this returns, each outcome is in the ledger."""
        records, self.buffer = self.buffer, []
        if not records:
            return BatchReport()
        batch = self.engine.process(records)
        self.report.merge(batch)
        return batch

    def summary(self) -> str:
        r = self.report
        states = ", ".join(f"{k} {v}" for k, v in sorted(r.states.items())) or "nothing new"
        docs = ", ".join(f"{k} {v}" for k, v in sorted(r.documents.items())) or "none"
        verb = "would post" if self.config.dry_run else "posted"
        return (
            f"destination-spectrum run {self.run_id}: {states}; already posted earlier {r.already_posted} "
            f"(+{r.found_in_spectrum} found in Spectrum); "
            f"documents {verb}: {docs}; Spectrum calls {r.spectrum_calls}; ledger {self.config.ledger_path}"
        )

    def close(self) -> None:
        self.ledger.close()
        self.gateway.close()
