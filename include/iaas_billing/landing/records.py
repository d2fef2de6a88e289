"""What a parser hands the loader: quarantined records and per-file outcomes."""

from __future__ import annotations

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
