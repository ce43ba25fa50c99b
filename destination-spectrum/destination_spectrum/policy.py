"""policy.yml: humans set policy, the connector executes it (the dbt `exceptions` model reads the same file).

    routing:
      progress_billed_job_types: [Project]        # Spectrum bills these by AIA progress billing
      job_type_overrides: {Project: hold}         # per job type: hold | post (wins over everything else)
    companies:
      MEC: {cost_types: {labor: L, material: M, sub: S}}   # used to code vendor bills with no mapping
    compliance:
      require_coi: true
      require_lien_waiver: true
      require_w9: true
      coi_grace_days: 0                           # a COI expired fewer days ago than this still passes
    posting:
      default_mode: detail                        # detail | daily_summary
      modes: {Service: daily_summary}             # per job type
    changed_after_posting: hold                   # hold | correct (see below)

An invoice edited or voided in BuildOps after it was posted is held for a person by default (its ledger verdict
is changed_after_posting, with the old and the new totals). `correct` posts the correction instead: a credit
memo (Transaction_Type C) reversing the document Spectrum holds, then the edited invoice under a new number
(nothing more for a void). Daily summary tickets are always held: their document carries other tickets too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MODES = ("detail", "daily_summary")
ROUTES = ("hold", "post")
ON_CHANGE = ("hold", "correct")


class PolicyFileError(ValueError):
    """policy.yml is unusable (a config error: nothing is posted)."""


@dataclass(frozen=True)
class RouteDecision:
    post: bool
    reason: str = ""
    # Held because the route is unclear (not because policy says Spectrum bills it): the other gates still
    # run, so the controller sees every problem of the invoice at once.
    ambiguous: bool = False


@dataclass(frozen=True)
class VendorCompliance:
    """What Spectrum holds about a vendor (and subcontract) for the compliance gate."""

    vendor_code: str
    found: bool = True
    coi_expiration: dt.date | None = None
    coi_on_file: bool = True
    lien_waiver_on_file: bool = True
    tax_id_on_file: bool = True


@dataclass(frozen=True)
class ComplianceDecision:
    status: str  # Spectrum AP invoice Status: H (hold) or O (open)
    reasons: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


def _casefold_map(values: Mapping[str, Any] | None) -> dict[str, Any]:
    return {str(k).strip().casefold(): v for k, v in (values or {}).items()}


@dataclass(frozen=True)
class Policy:
    progress_billed_job_types: frozenset[str] = frozenset()
    job_type_overrides: Mapping[str, str] = field(default_factory=dict)
    require_coi: bool = True
    require_lien_waiver: bool = True
    require_w9: bool = True
    coi_grace_days: int = 0
    default_mode: str = "detail"
    modes: Mapping[str, str] = field(default_factory=dict)
    # companies.<code>.cost_types.<category>: which Spectrum cost type is labor, material, sub, ...
    cost_types: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    changed_after_posting: str = "hold"

    @classmethod
    def load(cls, path: str | Path) -> Policy:
        path = Path(path)
        if not path.is_file():
            raise PolicyFileError(f"policy file {path} does not exist; set policy_path to your policy.yml")
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise PolicyFileError(f"policy file {path} is not valid YAML: {exc}") from None
        if not isinstance(document, Mapping):
            raise PolicyFileError(f"policy file {path} must be a mapping with routing, compliance and posting")
        return cls.from_dict(document, str(path))

    @classmethod
    def from_dict(cls, document: Mapping[str, Any], where: str = "policy") -> Policy:
        routing = document.get("routing") or {}
        compliance = document.get("compliance") or {}
        posting = document.get("posting") or document.get("posting_modes") or {}
        overrides = _casefold_map(
            routing.get("job_type_overrides") or routing.get("overrides") or routing.get("by_job_type")
        )
        for job_type, route in overrides.items():
            if str(route).lower() not in ROUTES:
                raise PolicyFileError(
                    f"{where}: routing override for job type '{job_type}' is '{route}'; use hold or post"
                )
        modes_raw = posting.get("modes") or posting.get("by_job_type") or posting.get("job_types") or {}
        if isinstance(posting, Mapping) and not modes_raw:
            modes_raw = {k: v for k, v in posting.items() if k not in ("default_mode", "default")}
        modes = _casefold_map(modes_raw)
        default_mode = str(posting.get("default_mode") or posting.get("default") or "detail")
        for job_type, mode in [*modes.items(), ("default_mode", default_mode)]:
            if mode not in MODES:
                raise PolicyFileError(
                    f"{where}: posting mode for '{job_type}' is '{mode}'; use detail or daily_summary"
                )
        grace = compliance.get("coi_grace_days", compliance.get("grace_days", 0))
        try:
            grace = int(grace or 0)
        except (TypeError, ValueError):
            raise PolicyFileError(f"{where}: compliance.coi_grace_days is '{grace}'; use a whole number") from None
        on_change = str(document.get("changed_after_posting") or "hold").strip().lower()
        if on_change not in ON_CHANGE:
            raise PolicyFileError(
                f"{where}: changed_after_posting is '{document.get('changed_after_posting')}'; use hold (a person "
                f"decides) or correct (post a credit memo and the new invoice)"
            )
        return cls(
            changed_after_posting=on_change,
            progress_billed_job_types=frozenset(
                str(t).strip().casefold() for t in routing.get("progress_billed_job_types") or []
            ),
            job_type_overrides={k: str(v).lower() for k, v in overrides.items()},
            require_coi=bool(compliance.get("require_coi", True)),
            require_lien_waiver=bool(compliance.get("require_lien_waiver", True)),
            require_w9=bool(compliance.get("require_w9", True)),
            coi_grace_days=grace,
            default_mode=default_mode,
            modes=modes,
            cost_types={
                str(company): {str(k): str(v) for k, v in ((spec or {}).get("cost_types") or {}).items()}
                for company, spec in (document.get("companies") or {}).items()
                if isinstance(spec, Mapping)
            },
        )

    def posting_mode(self, job_type: str) -> str:
        return self.modes.get(job_type.strip().casefold(), self.default_mode)

    def route(self, job_type: str | None, job_label: str, spectrum_progress_billed: bool | None) -> RouteDecision:
        """Source-of-truth routing: who bills this job, BuildOps or Spectrum's draws?

        `spectrum_progress_billed` is Spectrum's own evidence (an AR contract with billing items for the job);
        None when Spectrum could not say. Policy and evidence disagreeing, or no job type, is ambiguous.
        """
        if not job_type:
            return RouteDecision(
                False,
                ambiguous=True,
                reason=(
                    f"routing: job {job_label} has no job type in BuildOps (or its job record was not synced), so the "
                    f"route is ambiguous; sync the jobs stream or set the job type"
                ),
            )
        key = job_type.strip().casefold()
        override = self.job_type_overrides.get(key)
        if override == "post":
            return RouteDecision(True)
        if override == "hold":
            return RouteDecision(False, f"routing: policy holds job type '{job_type}' (job {job_label})")
        by_policy = key in self.progress_billed_job_types
        if by_policy:
            return RouteDecision(
                False,
                (
                    f"routing: job {job_label} (type '{job_type}') is progress billed (AIA) in Spectrum; bill it from "
                    f"Spectrum draws, or set routing.job_type_overrides to post"
                ),
            )
        if spectrum_progress_billed:
            return RouteDecision(
                False,
                ambiguous=True,
                reason=(
                    f"routing: ambiguous: job {job_label} (type '{job_type}') has progress billing items in Spectrum "
                    f"but its job type is not in progress_billed_job_types; decide in policy.yml"
                ),
            )
        return RouteDecision(True)

    def compliance(self, vendor: VendorCompliance | None, vendor_label: str, on: dt.date) -> ComplianceDecision:
        """Status H with every reason when the vendor fails a required check on the bill's date, else O."""
        if vendor is None or not vendor.found:
            return ComplianceDecision("H", (f"compliance: vendor {vendor_label} not found in Spectrum",))
        reasons = []
        if self.require_coi:
            if not vendor.coi_on_file or vendor.coi_expiration is None:
                reasons.append(f"compliance: no certificate of insurance on file for vendor {vendor.vendor_code}")
            elif vendor.coi_expiration + dt.timedelta(days=self.coi_grace_days) < on:
                reasons.append(
                    f"compliance: COI for vendor {vendor.vendor_code} expired {vendor.coi_expiration.isoformat()}"
                )
        if self.require_lien_waiver and not vendor.lien_waiver_on_file:
            reasons.append(f"compliance: lien waiver missing for vendor {vendor.vendor_code}")
        if self.require_w9 and not vendor.tax_id_on_file:
            reasons.append(f"compliance: W-9 / tax id missing for vendor {vendor.vendor_code}")
        return ComplianceDecision("H" if reasons else "O", tuple(reasons))
