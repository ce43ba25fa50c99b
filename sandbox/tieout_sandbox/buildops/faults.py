"""Faults on demand, decided per request so that a seed gives the same faults at any concurrency.

Spec: comma-separated `kind:probability` pairs and `option=value` settings, e.g.
`429:0.05,5xx:0.05,reset:0.02,slow:0.05,expire:0.01,seed=7`. Kinds: 429, 5xx, reset, slow, expire.
Options: seed (0), burst (5xx repeats on the same request this many times, 3), retry_after (s, 1),
slow_ms (2000), max_consecutive (a request is faulted at most this many times in a row, 4).
Each distinct request (method, path, query, tenant) draws from its own seeded stream by attempt number.
The same spec goes to the Spectrum twin: its own kinds (soap_fault, 5xx_burst, 5xx_every, anything
prefixed `spectrum.`) are skipped here, as it skips 429/reset/slow/expire.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass, field

KINDS = ("429", "5xx", "reset", "slow", "expire")
SPECTRUM_KINDS = ("soap_fault", "5xx_burst", "5xx_every")
OPTIONS = {"seed": int, "burst": int, "retry_after": int, "slow_ms": int, "max_consecutive": int}


class FaultSpecError(ValueError):
    pass


@dataclass
class FaultPlan:
    rates: dict[str, float] = field(default_factory=dict)
    seed: int = 0
    burst: int = 3
    retry_after: int = 1
    slow_ms: int = 2000
    max_consecutive: int = 4

    def __post_init__(self) -> None:
        self._attempts: Counter[str] = Counter()
        self._streak: Counter[str] = Counter()
        self._burst_left: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()
        self._lock = threading.Lock()

    @classmethod
    def parse(cls, spec: str | None) -> FaultPlan:
        plan = cls()
        for token in filter(None, (t.strip() for t in (spec or "").split(","))):
            if token.startswith("spectrum.") or token.partition(":")[0] in SPECTRUM_KINDS:
                continue  # the Spectrum twin's part of the spec
            if "=" in token:
                name, _, value = token.partition("=")
                if name not in OPTIONS:
                    raise FaultSpecError(
                        f"--faults: unknown option {name!r} in {token!r}; "
                        f"options are {', '.join(o + '=' for o in OPTIONS)}"
                    )
                try:
                    setattr(plan, name, OPTIONS[name](value))
                except ValueError:
                    raise FaultSpecError(f"--faults: {name} must be a whole number, got {value!r}") from None
                continue
            kind, sep, value = token.partition(":")
            if kind not in KINDS:
                raise FaultSpecError(
                    f"--faults: unknown fault {kind!r} in {token!r}; "
                    f"faults are {', '.join(KINDS)} (e.g. '429:0.05,5xx:0.02')"
                )
            try:
                rate = float(value) if sep else -1.0
            except ValueError:
                rate = -1.0
            if not 0 <= rate <= 1:
                raise FaultSpecError(
                    f"--faults: {kind} needs a probability between 0 and 1, as in '{kind}:0.05' (got {token!r})"
                )
            plan.rates[kind] = rate
        if sum(plan.rates.values()) > 1:
            raise FaultSpecError("--faults: the probabilities add up to more than 1")
        return plan

    def __bool__(self) -> bool:
        return any(self.rates.values())

    def draw(self, key: str) -> str | None:
        """The fault for this attempt at `key` (a request identity), or None."""
        with self._lock:
            attempt = self._attempts[key]
            self._attempts[key] += 1
            fault = None
            if self._streak[key] < self.max_consecutive:
                if self._burst_left[key]:
                    self._burst_left[key] -= 1
                    fault = "5xx"
                else:
                    u = random.Random(f"{self.seed}|{key}|{attempt}").random()
                    edge = 0.0
                    for kind in KINDS:
                        edge += self.rates.get(kind, 0.0)
                        if u < edge:
                            fault = kind
                            break
                    if fault == "5xx":
                        self._burst_left[key] = max(0, self.burst - 1)
            else:
                self._burst_left[key] = 0  # the streak cap ends any burst
            self._streak[key] = self._streak[key] + 1 if fault and fault != "slow" else 0
            if fault:
                self.injected[fault] += 1
            return fault

    def status_for(self, key: str) -> int:
        return (500, 502, 503, 504)[random.Random(f"{self.seed}|{key}|status").randrange(4)]
