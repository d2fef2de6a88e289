"""Every random choice comes from a `random.Random` seeded from (seed, purpose, ...): no global RNG,
no hash randomisation, so the same arguments write the same bytes."""

from __future__ import annotations

import hashlib
import random
import uuid


def derive(seed: int, *labels: object) -> int:
    """A 64-bit seed for one purpose, independent of the order other purposes are drawn in."""
    text = "/".join([str(seed), *(str(label) for label in labels)])
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def rng_for(seed: int, *labels: object) -> random.Random:
    return random.Random(derive(seed, *labels))


def hex_id(seed: int, *labels: object, digits: int = 12) -> str:
    return hashlib.sha256("/".join([str(seed), *(str(x) for x in labels)]).encode()).hexdigest()[:digits]


def event_uuid(rng: random.Random) -> str:
    """A version-4-shaped UUID drawn from `rng`."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))
