"""What a parser hands the loader: quarantined records, per-file outcomes and what landed."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Quarantined:
    """One input record that broke its contract: where, why (code and sentence), and its raw text."""

    line_number: int
    reason_code: str
    reason: str
    raw_record: str


@dataclass
class FileOutcome:
    """What landing one file did; rows_read = rows_loaded + len(quarantined)."""

    status: str
    rows_read: int = 0
    rows_loaded: int = 0
    quarantined: list[Quarantined] = field(default_factory=list)
    detail: str | None = None
    errors: list[str] = field(default_factory=list)  # a rejected file's every error, one line each

    @property
    def rows_quarantined(self) -> int:
        return len(self.quarantined)


@dataclass
class LandedFile:
    """One file version recorded in the manifest by this run."""

    name: str
    kind: str
    file_id: int
    version: int
    outcome: FileOutcome


def status_of(loaded: int, quarantined: int) -> str:
    """The manifest status of a file with these counts."""
    if not quarantined:
        return "landed"
    return "landed_with_quarantine" if loaded else "quarantined"


def quarantine_summary(quarantined: list[Quarantined]) -> str | None:
    """'N rows quarantined: code xK, …' (most frequent first), or None."""
    if not quarantined:
        return None
    counts = Counter(q.reason_code for q in quarantined)
    parts = ", ".join(f"{code} x{n}" for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return f"{len(quarantined)} row{'s' if len(quarantined) != 1 else ''} quarantined: {parts}"
