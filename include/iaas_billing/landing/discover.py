"""Finds the inbox files delivered by the run's clock: kind and delivery time from the name, processing order."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

# Processing order among files delivered at the same instant (docs/decisions.md).
KIND_ORDER = ("catalog", "accounts", "orders", "control", "primary_billing", "finance_gl", "fx_rates", "tax_rates",
              "sales_entities")
UNKNOWN = "unknown"

_PATTERNS = (
    ("catalog", re.compile(r"catalog_(.*)\.csv\Z", re.DOTALL)),
    ("accounts", re.compile(r"accounts_([0-9]{8})\.csv\Z")),
    ("orders", re.compile(r"orders_([0-9]{8})T([0-9]{2})\.jsonl\Z")),
    ("control", re.compile(r"orderstream_control_([0-9]{8})\.csv\Z")),
    ("primary_billing", re.compile(r"primary_billing_([0-9]{8})\.csv\Z")),
    ("finance_gl", re.compile(r"finance_gl_([0-9]{6})\.csv\Z")),
    ("fx_rates", re.compile(r"fx_rates_([0-9]{6})\.csv\Z")),
    ("tax_rates", re.compile(r"tax_rates_([0-9]{8})\.csv\Z")),
    ("sales_entities", re.compile(r"sales_entities_([0-9]{8})\.csv\Z")),
)
_SNAPSHOT_DATE = re.compile(r"_([0-9]{8})\.csv\Z")
_AT_START_OF_DAY = ("tax_rates", "sales_entities")  # finance's uploads, like a dated catalogue (decisions.md)
_CATALOG_DATE = re.compile(r"([0-9]{8})")


@dataclass(frozen=True)
class InboxFile:
    """One visible inbox entry: `name` is the name as stored in the manifest (always valid UTF-8)."""

    path: Path
    name: str
    kind: str
    delivered_at: datetime | None  # None: visible at any time (undated catalogue, unknown kind)
    detail: str | None = None      # why the kind is unknown

    def sort_key(self) -> tuple:
        at = self.delivered_at or datetime.min.replace(tzinfo=UTC)
        rank = KIND_ORDER.index(self.kind) if self.kind in KIND_ORDER else len(KIND_ORDER)
        return (at, rank, self.name)


def _day(digits: str) -> datetime:
    return datetime.strptime(digits, "%Y%m%d").replace(tzinfo=UTC)


def _next_month(digits: str) -> datetime:
    start = datetime.strptime(digits + "01", "%Y%m%d").replace(tzinfo=UTC)
    return (start + timedelta(days=32)).replace(day=1)


def classify(name: str) -> tuple[str, datetime | None, str | None]:
    """(kind, delivered_at, detail) of a file name, per the delivery clock of docs/decisions.md."""
    for kind, pattern in _PATTERNS:
        match = pattern.fullmatch(name)
        if not match:
            continue
        try:
            if kind == "catalog":
                dated = _CATALOG_DATE.match(match.group(1))
                return kind, (_day(dated.group(1)) if dated else None), None
            if kind == "orders":
                hour = int(match.group(2))
                if hour > 23:
                    raise ValueError(f"hour {hour}")
                return kind, _day(match.group(1)) + timedelta(hours=hour + 1), None
            if kind in ("finance_gl", "fx_rates"):
                return kind, _next_month(match.group(1)), None
            if kind in _AT_START_OF_DAY:
                return kind, _day(match.group(1)), None
            return kind, _day(match.group(1)) + timedelta(days=1), None
        except ValueError:
            if kind == "catalog":  # catalog_<8 digits that are no date>…: an undated catalogue
                return kind, None, None
            return UNKNOWN, None, f"the name looks like a {kind} file but holds no valid date"
    return UNKNOWN, None, "the name matches no known file kind"


def snapshot_date(name: str) -> date:
    """The date a dated snapshot's name stands for (tax_rates_<YYYYMMDD>.csv, sales_entities_<YYYYMMDD>.csv)."""
    return _day(_SNAPSHOT_DATE.search(name).group(1)).date()


def stored_name(raw: str) -> str:
    """The name as text: bytes that are not UTF-8 (surrogate-escaped by os) shown as \\xNN."""
    try:
        raw.encode("utf-8")
        return raw
    except UnicodeEncodeError:
        return os.fsencode(raw).decode("utf-8", "backslashreplace")


@dataclass
class Scan:
    visible: list[InboxFile]
    not_yet_delivered: int
    ignored: list[str]


def scan(inbox: Path, as_of: datetime) -> Scan:
    """Regular files directly in the inbox whose delivery time is at or before as_of, in processing order.

    Hidden files (a leading dot: uploads in progress), directories, symlinks and other special
    files are ignored and listed; nothing is ever read outside the inbox directory.
    """
    visible: list[InboxFile] = []
    ignored: list[str] = []
    pending = 0
    with os.scandir(inbox) as entries:
        for entry in entries:
            name = stored_name(entry.name)
            if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                ignored.append(name)
                continue
            kind, delivered_at, detail = classify(name)
            if delivered_at is not None and delivered_at > as_of:
                pending += 1
                continue
            visible.append(InboxFile(Path(entry.path), name, kind, delivered_at, detail))
    visible.sort(key=InboxFile.sort_key)
    return Scan(visible=visible, not_yet_delivered=pending, ignored=sorted(ignored))
