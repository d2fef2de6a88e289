"""The monthly bill run: closes each period whose end plus grace has passed (stub until the rating issue)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import URL


def close_due_periods(as_of: datetime, url: URL | None = None) -> list:
    return []
