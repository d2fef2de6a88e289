"""Instants as integer seconds since the epoch (UTC), days, months and their names in files."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

HOUR = 3600
DAY = 86400
_EPOCH_DATE = date(1970, 1, 1)


def parse_date(text: str) -> date:
    """`YYYY-MM-DD`."""
    return date.fromisoformat(text)


def instant_of(day: date) -> int:
    """00:00 UTC of `day`."""
    return (day - _EPOCH_DATE).days * DAY


def date_of(t: int) -> date:
    """The UTC day that contains instant `t`."""
    return _EPOCH_DATE + timedelta(days=t // DAY)


def parse_instant(text: str) -> int:
    """RFC 3339 UTC (`2026-10-03T14:05:09Z`) to seconds since the epoch."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


@lru_cache(maxsize=4096)
def _day_text(day_index: int) -> str:
    return (_EPOCH_DATE + timedelta(days=day_index)).isoformat()


def format_instant(t: int) -> str:
    """Seconds since the epoch to RFC 3339 UTC with a `Z` (`2026-10-03T14:05:09Z`)."""
    day_index, seconds = divmod(t, DAY)
    hours, seconds = divmod(seconds, HOUR)
    minutes, seconds = divmod(seconds, 60)
    return f"{_day_text(day_index)}T{hours:02d}:{minutes:02d}:{seconds:02d}Z"


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    """First day of the month after the one that contains `day`."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def seconds_in_month(day: date) -> int:
    """Seconds of the calendar month that contains `day`."""
    return calendar.monthrange(day.year, day.month)[1] * DAY


def periods_between(start: date, end: date) -> list[date]:
    """First days of the calendar months that overlap `[start, end)`."""
    periods, p = [], month_start(start)
    while p < end:
        periods.append(p)
        p = next_month(p)
    return periods


def add_months_clamped(t: int, months: int) -> int:
    """The same day and time `months` later; a day the target month lacks becomes its last day."""
    value = datetime.fromtimestamp(t, UTC)
    index = value.year * 12 + value.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    day = min(value.day, calendar.monthrange(year, month)[1])
    return int(value.replace(year=year, month=month, day=day).timestamp())


def day_stamp(day: date) -> str:
    """`YYYYMMDD`, as in inbox file names."""
    return day.strftime("%Y%m%d")
