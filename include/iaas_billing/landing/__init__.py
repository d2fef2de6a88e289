"""Lands inbox files into the raw schema: manifest, quarantine, COPY (implemented in the landing issue)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL


@dataclass
class LandingReport:
    files_seen: int = 0
    files_landed: int = 0
    files_skipped: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    new_versions: list[str] = field(default_factory=list)
    rejected_files: list[str] = field(default_factory=list)


def land_inbox(inbox: Path, as_of: datetime | None = None, url: URL | None = None) -> LandingReport:
    raise NotImplementedError
