"""The order stream's hourly extracts `orders_YYYYMMDDTHH.jsonl`, with realistic mess.

An event is normally in the extract of the hour it was emitted in. Mess, all seeded:
- late: 1-48 hours later, in a later hour's extract; events of a period's last day are late more
  often, and some land after the period's close (period end + 1 h), so they become adjustments;
- redelivery: the same line again (same `event_id`, same content), in the same or a later extract;
- out of order: the lines of an extract are in random order;
- conflicting duplicate: the same `event_id` with another quantity, in a strictly later extract
  (the first landed, the original, stands);
- malformed lines (quarantined by the platform, never counted in the control totals): not JSON,
  a required field missing, a quantity <= 0, an unknown event type. They carry event_ids of their
  own, never one of a real event.
Invalid transitions are real emitted events (see lifecycle.py); lost events are never delivered.

Lines are spilled per delivery day and written out per hour at the end, sorted by a random key,
so memory holds one day of lines at most.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from billing_simulator.instants import DAY, HOUR, date_of, format_instant, instant_of
from billing_simulator.lifecycle import Emitted, Quota, ResourcePlan
from billing_simulator.reference_rater import Event
from billing_simulator.seeding import event_uuid
from billing_simulator.spill import BucketWriter

LATE_MAX_HOURS = 48
ORDERS_KIND_RANK = 2  # processing order of kinds at one delivery instant (decisions.md)
# resources whose CREATE or DECOMMISSION always changes the period's charges (time-metered ones)
METERED_TYPES = {"vm", "volume", "vpc", "public_ip", "vpn_gateway", "nat_gateway", "firewall", "direct_connect",
                 "bandwidth", "edge", "database", "cluster", "load_balancer", "dr_site"}
MALFORMED_KINDS = ("not_json", "missing_field", "bad_quantity", "unknown_event_type")


def orders_file_name(hour: int) -> str:
    """The extract of epoch hour `hour`: `orders_YYYYMMDDTHH.jsonl`."""
    return f"orders_{date_of(hour * HOUR).strftime('%Y%m%d')}T{hour % 24:02d}.jsonl"


def delivered_at(hour: int) -> int:
    """An hour's extract is delivered when the hour is over (decisions.md, the clock)."""
    return (hour + 1) * HOUR


def _number(q: Decimal) -> str:
    return f"{q.normalize():f}"


def encode(e: Emitted, components=None, *, drop: str | None = None, event_type: str | None = None,
           event_id: str | None = None) -> str:
    """One JSON line, fields in the order of interfaces.md."""
    fields = [("event_id", f'"{event_id or e.event_id}"'), ("event_time", f'"{format_instant(e.event_time)}"'),
              ("seq", str(e.seq)), ("account_id", f'"{e.account_id}"'), ("resource_id", f'"{e.resource_id}"'),
              ("resource_type", f'"{e.resource_type}"'), ("region", f'"{e.region}"'),
              ("event_type", f'"{event_type or e.event_type}"')]
    comps = e.components if components is None else components
    if comps is not None:
        items = ", ".join(f'{{"sku": "{sku}", "quantity": {_number(q)}}}' for sku, q in comps)
        fields.append(("components", f"[{items}]"))
    return "{" + ", ".join(f'"{name}": {value}' for name, value in fields if name != drop) + "}"


@dataclass
class Line:
    hour: int  # the extract it is in
    sort_key: int  # its place in that extract
    text: str
    tag: str = ""  # what the truth must find again by file and line: "Q|..." malformed, "C|..." conflict


@dataclass
class Rates:
    late: float
    duplicate: float
    mess: float


@dataclass
class AccountDelivery:
    lines: list[Line]
    events: list[Event]  # every parseable line, as the rater lands it
    stats: Counter = field(default_factory=Counter)  # what mess went in, for params.json


def _as_event(e: Emitted, hour: int, components=None) -> Event:
    at = delivered_at(hour)
    comps = e.components if components is None else components
    return Event(e.event_id, e.event_time, e.seq, e.account_id, e.resource_id, e.event_type,
                 tuple(comps) if comps is not None else None, e.resource_type, e.region, at,
                 (at, ORDERS_KIND_RANK, orders_file_name(hour), 0))


def _late_hours(r: random.Random) -> int:
    return r.randint(1, 6) if r.random() < 0.7 else r.randint(7, LATE_MAX_HOURS)


def _conflicting(components) -> tuple:
    """The same components with the first quantity changed."""
    (sku, q), *rest = components
    other = q + 1 if q < 4 else q - 1
    return ((sku, other), *rest)


def deliver_account(plans: Iterable[ResourcePlan], r: random.Random, rates: Rates, quotas: dict[str, Quota],
                    period_ends: list[int], last_hour: int) -> AccountDelivery:
    """Where each emitted event of one account lands, with the mess of the module docstring."""
    lines: list[Line] = []
    events: list[Event] = []
    stats: Counter = Counter()
    mess = quotas["mess"]

    def put(hour: int, text: str, tag: str = "") -> None:
        lines.append(Line(min(hour, last_hour), r.getrandbits(62), text, tag))

    for plan in plans:
        for e in plan.events:
            if e.lost:
                continue
            base = e.event_time // HOUR
            hour = base
            roll = r.random()
            closing = next((end for end in period_ends if end - DAY <= e.event_time < end), None)
            forced = next((end for end in period_ends if end - 46 * HOUR <= e.event_time < end), None)
            if forced and not (quotas["world"].wants("late_after_close") and e.event_type in ("CREATE", "DECOMMISSION")
                               and plan.resource_type in METERED_TYPES):
                forced = None
            if rates.late > 0 and (forced or (closing and roll < min(1.0, 4 * rates.late))):
                # after the close (period end + 1 h): the extract of hour end+1 or later, at most 48 h late
                closing = closing or forced
                hour = min(base + LATE_MAX_HOURS, closing // HOUR + r.randint(1, 20))
                if delivered_at(hour) > closing + HOUR and hour <= last_hour:
                    quotas["world"].done("late_after_close")
                    stats["late_after_close"] += 1
            elif roll < rates.late:
                hour = base + _late_hours(r)
            hour = min(hour, last_hour)
            stats["late"] += hour > base
            text = encode(e)
            put(hour, text)
            events.append(_as_event(e, hour))
            if r.random() < rates.duplicate:  # redelivery, identical
                again = min(last_hour, hour + r.randint(0, 24))
                put(again, text)
                events.append(_as_event(e, again))
                stats["redelivered"] += 1
            roll = r.random()
            if (e.event_type in ("CREATE", "MODIFY") and not e.injected and not e.reemitted and hour < last_hour
                    and (roll < rates.mess or mess.wants("conflicting_duplicate"))):
                mess.done("conflicting_duplicate")
                later = min(last_hour, hour + r.randint(1, 12))
                changed = _conflicting(e.components)
                tag = "|".join(["C", e.event_id, e.account_id, e.event_type, e.resource_id,
                                date_of(e.event_time).isoformat()])
                put(later, encode(e, changed), tag)
                events.append(_as_event(e, later, changed))
                stats["conflicting_duplicate"] += 1
        # a malformed line imitating this resource's events, with an event_id of its own
        roll = r.random()
        wanted = [k for k in MALFORMED_KINDS if mess.wants(k)]
        if plan.events and (roll < rates.mess or wanted):
            kind = wanted[0] if wanted else r.choice(MALFORMED_KINDS)
            mess.done(kind)
            model = r.choice(plan.events)
            fresh = event_uuid(r)
            hour = min(last_hour, model.event_time // HOUR + r.randint(0, 2))
            account = model.account_id
            if kind == "not_json":
                full = encode(model, event_id=fresh)
                text = full[: r.randint(20, len(full) - 10)]
                account = fresh = ""  # nothing can be read from it
            elif kind == "missing_field":
                drop = r.choice(["event_time", "seq", "account_id", "resource_id", "event_type", "event_id"])
                text = encode(model, event_id=fresh, drop=drop)
                account = "" if drop == "account_id" else account
                fresh = "" if drop == "event_id" else fresh
                kind = f"missing_field:{drop}"
            elif kind == "bad_quantity":
                (sku, _), *rest = model.components or plan.events[0].components  # the first event is the CREATE
                bad = ((sku, Decimal(r.choice([0, -1, -4]))), *rest)
                text = encode(model, bad, event_id=fresh, event_type="MODIFY")
            else:
                text = encode(model, event_id=fresh, event_type=r.choice(["REBOOT", "RESIZE", "MIGRATE"]))
            put(hour, text, "|".join(["Q", kind, account, fresh]))
            stats[f"malformed:{kind.split(':')[0]}"] += 1
    return AccountDelivery(lines, events, stats)


class OrderSpill:
    """Lines of a chunk of accounts, spilled per delivery day (see `write_extracts`)."""

    def __init__(self, directory: Path) -> None:
        self.writer = BucketWriter(lambda day: directory / spill_name(day))

    def add(self, lines: Iterable[Line]) -> None:
        for line in lines:
            if "\t" in line.text or "\n" in line.text or "\t" in line.tag:
                raise ValueError("a simulated line may hold no tab or newline")
            self.writer.write(line.hour // 24, f"{line.hour}\t{line.sort_key}\t{line.tag}\t{line.text}\n")

    def close(self) -> None:
        self.writer.close()


def spill_name(day_index: int) -> str:
    return f"orders-{day_index}.spill"


def write_extracts(inbox: Path, spills: list[Path], first_hour: int,
                   last_hour: int) -> tuple[list[str], list[tuple[str, int, str]], int]:
    """Write every extract from `first_hour` to `last_hour`, empty ones too, from the chunks' spills.

    Lines are sorted by (hour, random key, text), so the result does not depend on how the
    accounts were chunked. Returns the file names, `(file, line number, tag)` of every tagged line,
    and the line count.
    """
    names: list[str] = []
    tagged: list[tuple[str, int, str]] = []
    count = 0
    for day in range(first_hour // 24, last_hour // 24 + 1):
        rows: list[tuple[int, int, str, str]] = []
        for directory in spills:
            spill = directory / spill_name(day)
            if spill.exists():
                with open(spill, encoding="utf-8") as f:
                    for raw in f:
                        hour, key, tag, text = raw.rstrip("\n").split("\t", 3)
                        rows.append((int(hour), int(key), text, tag))
                spill.unlink()
        rows.sort()
        by_hour: dict[int, list[tuple[str, str]]] = {}
        for hour, _, text, tag in rows:
            by_hour.setdefault(hour, []).append((text, tag))
        for hour in range(max(first_hour, day * 24), min(last_hour, day * 24 + 23) + 1):
            name = orders_file_name(hour)
            content = by_hour.get(hour, [])
            with open(inbox / name, "w", encoding="utf-8", newline="") as out:
                out.write("".join(text + "\n" for text, _ in content))
            for number, (_, tag) in enumerate(content, start=1):
                if tag:
                    tagged.append((name, number, tag))
            count += len(content)
            names.append(name)
    return names, tagged, count


def hours_of(start: date, end: date) -> tuple[int, int]:
    """First and last extract hour: from the start to the end + 48 h (the stream's late tail)."""
    return instant_of(start) // HOUR, (instant_of(end) + LATE_MAX_HOURS * HOUR) // HOUR - 1
