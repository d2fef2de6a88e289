"""Test helper: read a simulated inbox back from its files into the reference rater's inputs.

A deliberately small reader of the contracts in interfaces.md and the clock of decisions.md, so
that the truth can be checked against what was actually written, not against the simulator's
memory of it. Like the platform, it quarantines a CSV row that breaks its feed's contract (an
amount that is no decimal, a count that is no non-negative integer) and line 1 of a CSV file with
no data row, and keeps an account's first currency when a later snapshot lists another.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from billing_simulator.reference_rater import EVENT_TYPES, Account, Event, PriceRow
from billing_simulator.taxes import TaxRow

KIND_RANK = {"catalog": 0, "accounts": 1, "orders": 2, "orderstream_control": 3, "primary_billing": 4,
             "finance_gl": 5, "fx_rates": 6, "tax_rates": 7, "sales_entities": 8}
DAY = 86400
REQUIRED = ("event_id", "event_time", "seq", "account_id", "resource_id", "event_type")
INSTANT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
DECIMAL = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
COUNT = re.compile(r"^[0-9]+$")


def instant(day: date) -> int:
    return (day - date(1970, 1, 1)).days * DAY


def kind_of(name: str) -> str:
    for kind in sorted(KIND_RANK, key=len, reverse=True):
        if name.startswith(kind + "_"):
            return kind
    raise ValueError(name)


def delivered_at(name: str) -> int:
    """decisions.md: when a file is delivered, judged from its name."""
    kind = kind_of(name)
    stamp = name[len(kind) + 1:]
    if kind == "orders":
        day = datetime.strptime(stamp[:8], "%Y%m%d").date()
        return instant(day) + (int(stamp[9:11]) + 1) * 3600
    if kind in ("accounts", "orderstream_control", "primary_billing"):
        return instant(datetime.strptime(stamp[:8], "%Y%m%d").date()) + DAY
    if kind in ("finance_gl", "fx_rates"):
        month = datetime.strptime(stamp[:6], "%Y%m").date()
        return instant((month + timedelta(days=32)).replace(day=1))
    return instant(datetime.strptime(stamp[:8], "%Y%m%d").date())  # catalog_, tax_rates_, sales_entities_


def landing(name: str, line: int) -> tuple:
    return (delivered_at(name), KIND_RANK[kind_of(name)], name, line)


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def parse_time(text: str) -> int:
    if not isinstance(text, str) or not INSTANT.match(text):
        raise ValueError("event_time is not RFC 3339 UTC")
    return int(datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())


def parse_event(text: str, name: str, number: int) -> Event:
    """An event, or ValueError with the reason it is quarantined."""
    try:
        raw = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except json.JSONDecodeError as exc:
        raise ValueError("not JSON") from exc
    if not isinstance(raw, dict):
        raise ValueError("not an object")
    for name_ in REQUIRED:
        if name_ not in raw:
            raise ValueError(f"missing {name_}")
    if raw["event_type"] not in EVENT_TYPES:
        raise ValueError("unknown event_type")
    if not isinstance(raw["seq"], Decimal) or raw["seq"] != raw["seq"].to_integral_value():
        raise ValueError("seq is not an integer")
    components = None
    if raw["event_type"] in ("CREATE", "MODIFY"):
        if not raw.get("components"):
            raise ValueError("missing components")
        components = []
        for c in raw["components"]:
            try:
                quantity = Decimal(c["quantity"])
            except (KeyError, InvalidOperation, TypeError) as exc:
                raise ValueError("bad quantity") from exc
            if quantity <= 0:
                raise ValueError("quantity <= 0")
            components.append((c["sku"], quantity))
        components = tuple(components)
    elif "components" in raw:
        raise ValueError("components on an event that takes none")
    at = delivered_at(name)
    return Event(raw["event_id"], parse_time(raw["event_time"]), int(raw["seq"]), raw["account_id"],
                 raw["resource_id"], raw["event_type"], components, raw.get("resource_type", ""),
                 raw.get("region", ""), at, (at, KIND_RANK["orders"], name, number))


@dataclass
class Inbox:
    events: list[Event] = field(default_factory=list)
    quarantined: list[tuple[str, int, str]] = field(default_factory=list)  # file, line, reason (orders and CSV)
    prices: list[PriceRow] = field(default_factory=list)
    accounts: dict[str, Account] = field(default_factory=dict)
    countries: dict[str, str] = field(default_factory=dict)
    tax_ids: dict[str, str] = field(default_factory=dict)
    payment_terms: dict[str, int | None] = field(default_factory=dict)
    tax_rows: list[TaxRow] = field(default_factory=list)  # the latest snapshot delivered
    entities: dict[str, dict[str, str]] = field(default_factory=dict)
    control: dict[tuple[date, str, str], int] = field(default_factory=dict)
    primary: dict[tuple[date, str, str], Decimal] = field(default_factory=dict)
    finance: dict[tuple[date, str], Decimal] = field(default_factory=dict)
    fx: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    # account -> (first snapshot listing another currency, that currency); the first currency stands
    currency_changes: dict[str, tuple[str, str]] = field(default_factory=dict)


def _feed_rows(path: Path, out: Inbox, check=None) -> list[dict[str, str]]:
    """The data rows of a CSV feed; rows `check` rejects are quarantined (a header-only file is a valid empty feed)."""
    rows = read_csv(path)
    good = []
    for number, row in enumerate(rows, start=2):
        reason = check(row) if check else None
        if reason:
            out.quarantined.append((path.name, number, reason))
        else:
            good.append(row)
    return good


def _amount(row: dict[str, str]) -> str | None:
    return None if DECIMAL.match(row["amount"]) else "amount is not a decimal"


def _count(row: dict[str, str]) -> str | None:
    text = row["event_count"]
    if text.startswith("-") and COUNT.match(text[1:]):
        return "event_count is negative"
    return None if COUNT.match(text) else "event_count is not an integer"


def read_inbox(inbox: Path) -> Inbox:
    out = Inbox()
    names = sorted((p.name for p in inbox.iterdir()), key=lambda n: (delivered_at(n), KIND_RANK[kind_of(n)], n))
    out.files = names
    for name in names:
        kind = kind_of(name)
        path = inbox / name
        if kind == "orders":
            with open(path, encoding="utf-8") as f:
                for number, text in enumerate(f, start=1):
                    try:
                        out.events.append(parse_event(text.rstrip("\n"), name, number))
                    except ValueError as exc:
                        out.quarantined.append((name, number, str(exc)))
        elif kind == "catalog":
            for number, row in enumerate(read_csv(path), start=2):
                day = date.fromisoformat(row["effective_from"])
                out.prices.append(PriceRow(row["sku"], row["charge_type"], row["tenant"], row["currency"],
                                           Decimal(row["unit_price"]), Decimal(row["idle_unit_price"] or 0),
                                           instant(day), delivered_at(name), landing(name, number)))
        elif kind == "accounts":
            for row in _feed_rows(path, out):
                known = out.accounts.get(row["account_id"])
                if known is None:
                    out.accounts[row["account_id"]] = Account(row["account_id"], row["currency"],
                                                              delivered_at(name))
                    out.countries[row["account_id"]] = row["country"]
                    out.tax_ids[row["account_id"]] = row.get("tax_id") or ""
                    terms = row.get("payment_terms_days") or ""
                    out.payment_terms[row["account_id"]] = int(terms) if terms else None
                elif row["currency"] != known.currency:
                    out.currency_changes.setdefault(row["account_id"], (name, row["currency"]))
        elif kind == "orderstream_control":
            for row in _feed_rows(path, out, _count):
                out.control[(date.fromisoformat(row["event_date"]), row["account_id"], row["event_type"])] = \
                    int(row["event_count"])
        elif kind == "primary_billing":
            for row in _feed_rows(path, out, _amount):
                out.primary[(date.fromisoformat(row["usage_date"]), row["account_id"], row["sku"])] = \
                    Decimal(row["amount"])
        elif kind == "finance_gl":
            for row in _feed_rows(path, out):
                out.finance[(date.fromisoformat(row["period"] + "-01"), row["account_id"])] = \
                    Decimal(row["posted_revenue"])
        elif kind == "tax_rates":
            out.tax_rows = [TaxRow(r["country"], r["tax_name"], Decimal(r["rate"]), r["reverse_charge"] == "true",
                                   date.fromisoformat(r["effective_from"])) for r in read_csv(path)]
        elif kind == "sales_entities":
            out.entities = {r["country"]: r for r in read_csv(path)}
        elif kind == "fx_rates":
            for row in _feed_rows(path, out):
                out.fx[(row["period"], row["currency"])] = Decimal(row["usd_per_unit"])
    return out


def landed_counts(events: list[Event]) -> dict[tuple[date, str, str], int]:
    """L2's actual side: distinct event_ids landed per (event date, account, type)."""
    seen: dict[str, Event] = {}
    for e in sorted(events, key=lambda e: e.landing):
        seen.setdefault(e.event_id, e)
    counts: dict[tuple[date, str, str], int] = defaultdict(int)
    for e in seen.values():
        counts[(date(1970, 1, 1) + timedelta(days=e.event_time // DAY), e.account_id, e.event_type)] += 1
    return dict(counts)
