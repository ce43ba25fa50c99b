"""Shared helpers for the BuildOps generator: seeded randomness, ids, audit blocks, addresses, money."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timezone

from .vocab import CITIES, STREETS

# The generated year ends here, whatever day the generator runs, so a seed always gives the same bytes.
AS_OF = int(datetime(2026, 11, 15, tzinfo=timezone.utc).timestamp())
DAY = 86400
YEAR_START = AS_OF - 365 * DAY

AUDIT_USERS = (
    "dispatch@lonestarmf.com",
    "billing@lonestarmf.com",
    "office.manager@lonestarmf.com",
    "pm.team@lonestarmf.com",
    "integration.user@lonestarmf.com",
    "mobile.app",
)


class Ctx:
    """Seed, scale and tenant of one generation run; hands out independent random streams by name."""

    def __init__(self, seed: int, scale: float, tenant_id: str, tenant_name: str) -> None:
        if scale <= 0:
            raise ValueError(f"scale must be greater than 0 (got {scale}); try --scale 1")
        self.seed = seed
        self.scale = scale
        self.tenant_id = tenant_id
        self.tenant_name = tenant_name
        self.tenant_company_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"tieout-sandbox/{tenant_id}/company"))

    def rng(self, part: str) -> random.Random:
        # A string seed is hashed with SHA-512 by `random`, so streams are stable across runs and platforms;
        # one stream per part keeps a change in one resource from reshuffling every other one.
        return random.Random(f"{self.seed}/{self.tenant_id}/{part}")

    def count(self, base: float, minimum: int = 1) -> int:
        return max(minimum, round(base * self.scale))


_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)


def new_id(rng: random.Random) -> str:
    """A random (version 4) UUID from the seeded stream; what uuid.UUID(int=..., version=4) gives, faster."""
    h = f"{(rng.getrandbits(128) & _UUID_CLEAR) | _UUID_SET:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def iso_from_ms(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def audit(rng: random.Random, created_s: int, updated_s: int | None = None, deleted_s: int | None = None) -> dict:
    """The BuildOps `audit` block: epoch-ms *DateTime fields; the ISO *Date twins are often null live."""
    rand = rng.random  # randrange is several times slower, and audit blocks are the most common object
    created_ms = created_s * 1000 + int(rand() * 1000)
    updated_ms = max(created_ms, min(updated_s or created_s, AS_OF) * 1000 + int(rand() * 1000))
    deleted_ms = None
    if deleted_s is not None:
        deleted_ms = max(updated_ms, min(deleted_s, AS_OF) * 1000 + int(rand() * 1000))
        updated_ms = deleted_ms
    with_iso = rand() < 0.3
    users = len(AUDIT_USERS)
    return {
        "createdBy": {"username": AUDIT_USERS[int(rand() * users)]},
        "lastUpdatedBy": {"username": AUDIT_USERS[int(rand() * users)]},
        "deletedBy": {"username": AUDIT_USERS[int(rand() * users)]} if deleted_ms else None,
        "createdDate": iso_from_ms(created_ms) if with_iso else None,
        "lastUpdatedDate": iso_from_ms(updated_ms) if with_iso else None,
        "deletedDate": iso_from_ms(deleted_ms) if with_iso and deleted_ms else None,
        "createdDateTime": created_ms,
        "lastUpdatedDateTime": updated_ms,
        "deletedDateTime": deleted_ms,
    }


def address(rng: random.Random, address_type: str, created_s: int, bill_to: str | None = None) -> dict:
    city, state, zip3, lat, lon = rng.choice(CITIES)
    return {
        "id": new_id(rng),
        "addressType": address_type,
        "billTo": bill_to,
        "shipTo": None,
        "addressLine1": f"{rng.randint(100, 9999)} {rng.choice(STREETS)}",
        "addressLine2": f"Suite {rng.randint(1, 30) * 10}" if rng.random() < 0.3 else None,
        "city": city,
        "state": state,
        "zipcode": f"{zip3}{rng.randint(0, 99):02d}",
        "country": "US",
        # Live exports show 16-decimal strings, not numbers.
        "latitude": f"{lat + rng.uniform(-0.15, 0.15):.16f}",
        "longitude": f"{lon + rng.uniform(-0.15, 0.15):.16f}",
        "status": "active",
        "isActive": True,
        "version": 1,
        "audit": audit(rng, created_s),
    }


def phone(rng: random.Random) -> str:
    return f"({rng.choice((214, 469, 972, 817, 682, 940))}) {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"


def money(cents: int) -> float:
    """Cents to a JSON number whose shortest repr is exactly the two-decimal amount."""
    return cents / 100


def day_start(ts: int) -> int:
    return ts - ts % DAY
