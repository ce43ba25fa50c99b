"""The posting engine: one flushed batch of records in, every record posted, held or rejected, exactly once.

Order for every batch (intents left by a killed run are settled first, by `postings.recover`): route records
by stream -> AR invoices through `receivables` (skip what the ledger already posted, parse, gate, number, ask
Spectrum what it already holds) and sub bills through `payables` -> the posting queue (`postings.drain`).
Held, rejected and found-in-Spectrum outcomes are written together when the batch ends.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from destination_spectrum import postings
from destination_spectrum.batch import Batch
from destination_spectrum.config import EngineSettings
from destination_spectrum.corrections import Corrections
from destination_spectrum.crosswalk import CustomerCrosswalk, VendorCrosswalk
from destination_spectrum.gateway import Gateway
from destination_spectrum.job_crosswalk import JobCrosswalk
from destination_spectrum.ledger import Ledger
from destination_spectrum.lookups import Lookups
from destination_spectrum.mapping import CostCodeMapping
from destination_spectrum.money import FieldError
from destination_spectrum.payables import Payables
from destination_spectrum.policy import Policy
from destination_spectrum.receivables import Receivables
from destination_spectrum.records import Job, parse_job, pick, record_key
from destination_spectrum.report import BatchReport

logger = logging.getLogger("destination_spectrum")


class PostingEngine:
    def __init__(
        self,
        *,
        mapping: CostCodeMapping,
        policy: Policy,
        crosswalk: CustomerCrosswalk,
        gateway: Gateway,
        ledger: Ledger,
        settings: EngineSettings,
        vendor_crosswalk: VendorCrosswalk | None = None,
        job_crosswalk: JobCrosswalk | None = None,
    ):
        self.gateway, self.ledger, self.settings = gateway, ledger, settings
        self.lookups = Lookups(
            gateway=gateway, ledger=ledger, crosswalk=crosswalk, policy=policy, job_crosswalk=job_crosswalk
        )
        self.receivables = Receivables(
            gateway=gateway,
            ledger=ledger,
            policy=policy,
            mapping=mapping,
            crosswalk=crosswalk,
            lookups=self.lookups,
            corrections=Corrections(gateway=gateway, policy=policy),
        )
        self.payables = Payables(
            gateway=gateway,
            ledger=ledger,
            policy=policy,
            mapping=mapping,
            crosswalk=crosswalk,
            vendor_crosswalk=vendor_crosswalk,
            lookups=self.lookups,
        )

    def recover(self) -> int:
        """Settle intents left by a run that died between a Spectrum call and its ledger write."""
        return postings.recover(self.gateway, self.ledger)

    def process(self, records: Iterable[tuple[str, Mapping[str, Any]]]) -> BatchReport:
        batch = Batch(self.settings)
        invoices: dict[tuple[str, str, str], Mapping[str, Any]] = {}
        items: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        bills: dict[tuple[str, str, str], Mapping[str, Any]] = {}
        jobs: list[Job] = []
        s = self.settings
        for stream, raw in records:
            if stream in s.job_streams:
                try:
                    jobs.append(parse_job(raw))
                except FieldError as exc:
                    logger.warning("jobs record skipped: %s", exc)
            elif stream in s.vendor_streams:
                self.lookups.remember_vendor(raw)
            elif stream in s.invoice_item_streams:
                parent = pick(raw, "invoiceId")
                if parent is not None:
                    items[str(parent)].append(raw)
            elif stream in s.invoice_streams:
                # A record sent twice in one batch (an updated copy) counts once: the last copy wins.
                invoices[(stream, str(pick(raw, "tenantId", default="")), record_key(raw))] = raw
            elif stream in s.sub_bill_streams:
                bills[(stream, str(pick(raw, "tenantId", default="")), record_key(raw))] = raw
        self.lookups.remember_jobs(jobs, dry_run=s.dry_run)
        try:
            ready = self.receivables.gate(invoices, items, batch)
            self.receivables.post(ready, batch)
            self.payables.post(bills, batch)
            postings.drain(self.ledger, batch.queue, batch.report)
        finally:
            if batch.outcomes and not s.dry_run:
                self.ledger.record(batch.outcomes, batch.lines)
        return batch.report
