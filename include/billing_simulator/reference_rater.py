"""The reference rater: rules §3-§5 and docs/decisions.md in plain, exact Python.

It is the simulator's independent answer to "what should the platform compute from the files it
received?", so it imports nothing else of `iaas_billing` and no third-party package: exact
arithmetic is `fractions.Fraction` and Python integers, amounts are `decimal.Decimal` rounded once.

Inputs are plain dataclasses (`Event`, `PriceRow`, `Account`); every one carries the instant its
file was delivered, so a rating can be asked "as the platform could see it at instant T"
(`visible_at`, the delivery clock of decisions.md); `visible_at=None` sees everything.

How a rating goes (`rate`):
1. Landing: events delivered by `visible_at`, in processing order (`Event.landing`); the first
   landed copy of an `event_id` stands, a later identical copy is a duplicate, a later different
   one a conflict.
2. Holding: an event whose account is not visible yet is held and not rated; one whose account
   became visible after the event landed was held and released (listed, and rated); one whose
   account is in no snapshot at all stays held (`released_at` None). An account listed more than
   once keeps its first listing, so its first currency (`accounts_master`).
3. Lifecycle: per resource, events in `(event_time, seq)` order through the state machine of
   rules §3; a transition the table does not allow is an anomaly and is not applied.
4. Charges (rules §4): hourly and monthly SKUs over spans of constant state, quantity and price,
   split at every event, price change and UTC day; annual terms and one-time high-water marks.
   Usage no price covers is unpriced: listed, never charged as zero.
5. Lines: per day `(tenant, usage_date, account, sku)` and per invoice line `(tenant, account,
   period, sku, charge_type, rate_kind, unit_price)`, each the exact sum of its charges divided
   once and rounded once, half away from zero; lines whose exact amount is 0 are not written.

Exactness: a price has at most 6 decimals (interfaces.md), so `price * 10**6` is an integer; a
quantity is an integer or a `Fraction`. A time-based charge is `seconds * quantity * price /
denominator`, the denominator being 3600 (hourly) or the seconds of the month (monthly), so the
rater sums `seconds * quantity` per (key, price) and divides once per line.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from billing_simulator.instants import DAY, add_months_clamped, date_of, month_start, seconds_in_month
from billing_simulator.money import MINOR_UNITS, round_half_away, round_ratio

TENANTS = ("HO", "SO")
TIME_BASED = ("hourly", "monthly")
PRICE_SCALE = 10**6  # prices have at most 6 decimals

RUNNING, SUSPENDED, STOPPED, DECOMMISSIONED = "RUNNING", "SUSPENDED", "STOPPED", "DECOMMISSIONED"

# rules §3: event -> (states it is allowed from, state it leads to; None = unchanged)
TRANSITIONS: dict[str, tuple[tuple[str | None, ...], str | None]] = {
    "CREATE": ((None,), RUNNING),
    "SUSPEND": ((RUNNING, STOPPED), SUSPENDED),
    "RESUME": ((SUSPENDED,), RUNNING),
    "SHUTDOWN": ((RUNNING,), STOPPED),
    "START": ((STOPPED,), RUNNING),
    "MODIFY": ((RUNNING, SUSPENDED, STOPPED), None),
    "DECOMMISSION": ((RUNNING, SUSPENDED, STOPPED), DECOMMISSIONED),
}
EVENT_TYPES = tuple(TRANSITIONS)


# ----------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Event:
    """One order-stream event as landed from an `orders_*.jsonl` line."""

    event_id: str
    event_time: int  # seconds since the epoch, UTC
    seq: int
    account_id: str
    resource_id: str
    event_type: str
    components: tuple[tuple[str, Decimal], ...] | None = None  # CREATE and MODIFY only
    resource_type: str = ""
    region: str = ""
    delivered_at: int = 0  # when its file was delivered (decisions.md, the clock)
    landing: tuple = ()  # processing order: (delivered_at, kind rank, file name, line number)

    def content(self) -> tuple:
        """What two copies of one `event_id` must share to be the same event."""
        return (self.event_time, self.seq, self.account_id, self.resource_id, self.event_type,
                self.components, self.resource_type, self.region)


@dataclass(frozen=True)
class PriceRow:
    """One row of a `catalog_*.csv` upload."""

    sku: str
    charge_type: str
    tenant: str
    currency: str
    unit_price: Decimal
    idle_unit_price: Decimal
    effective_from: int  # 00:00 UTC of the row's date
    delivered_at: int = 0
    landing: tuple = ()


@dataclass(frozen=True)
class Account:
    """An account as the accounts master knows it, from the first snapshot that lists it."""

    account_id: str
    currency: str
    visible_at: int = 0  # delivery of the first accounts snapshot that has it


# ----------------------------------------------------------------------------- outputs


class DailyLine(NamedTuple):
    tenant: str
    usage_date: date
    account_id: str
    sku: str
    currency: str
    amount: Decimal  # the exact sum of the day's charges, rounded once


class InvoiceLine(NamedTuple):
    tenant: str
    account_id: str
    billing_period: date
    sku: str
    charge_type: str
    rate_kind: str
    unit_price: Decimal
    quantity: Fraction  # unit-hours, unit-months or units
    currency: str
    amount: Decimal  # `exact` rounded once
    exact: Fraction

    @property
    def key(self) -> tuple:
        return (self.tenant, self.account_id, self.billing_period, self.sku, self.charge_type,
                self.rate_kind, self.unit_price)


@dataclass(frozen=True)
class Unpriced:
    """Usage no price covered: `quantity` is unit-seconds (time-based or unknown SKU) or units."""

    tenant: str
    account_id: str
    resource_id: str
    sku: str
    usage_date: date
    charge_type: str | None  # None: the SKU is in no visible catalogue row
    quantity: Fraction | int


@dataclass(frozen=True)
class Held:
    event: Event
    released_at: int | None  # when its account became visible; None: still held


@dataclass(frozen=True)
class Anomaly:
    event: Event
    state: str | None  # the resource's state when the event came; None: not created yet


@dataclass(frozen=True)
class Conflict:
    kept: Event
    rejected: Event


@dataclass
class RatingResult:
    daily_lines: list[DailyLine] = field(default_factory=list)
    invoice_lines: list[InvoiceLine] = field(default_factory=list)
    unpriced: list[Unpriced] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)
    anomalies: list[Anomaly] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    duplicates: int = 0  # identical redeliveries, counted once


# ----------------------------------------------------------------------------- prices


@dataclass(frozen=True)
class PriceVersion:
    effective_from: int
    unit_price: Decimal
    idle_unit_price: Decimal


class PriceBook:
    """The price rows, asked "which version applies at t, as seen at `visible_at`?"."""

    def __init__(self, rows: Iterable[PriceRow]) -> None:
        self._rows: dict[tuple[str, str, str], list[PriceRow]] = defaultdict(list)
        self._charge_types: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for row in rows:
            self._rows[(row.sku, row.tenant, row.currency)].append(row)
            self._charge_types[row.sku].append((row.delivered_at, row.charge_type))
        for versions in self._rows.values():
            versions.sort(key=lambda r: r.landing)
        self._cache: dict[tuple, tuple[list[int], list[PriceVersion]]] = {}
        self._type_cache: dict[tuple[str, int | None], str | None] = {}

    def charge_type(self, sku: str, visible_at: int | None) -> str | None:
        """The SKU's charge type, or None while no visible catalogue row names it."""
        key = (sku, visible_at)
        if key not in self._type_cache:
            self._type_cache[key] = next(
                (charge_type for delivered_at, charge_type in self._charge_types.get(sku, ())
                 if visible_at is None or delivered_at <= visible_at), None)
        return self._type_cache[key]

    def versions(self, sku: str, tenant: str, currency: str,
                 visible_at: int | None) -> tuple[list[int], list[PriceVersion]]:
        """Visible versions by `effective_from`; a later upload of the same `effective_from` wins."""
        key = (sku, tenant, currency, visible_at)
        cached = self._cache.get(key)
        if cached is None:
            by_start: dict[int, PriceVersion] = {}
            for row in self._rows.get((sku, tenant, currency), ()):  # in processing order
                if visible_at is None or row.delivered_at <= visible_at:
                    by_start[row.effective_from] = PriceVersion(row.effective_from, row.unit_price,
                                                                row.idle_unit_price)
            starts = sorted(by_start)
            cached = self._cache[key] = (starts, [by_start[s] for s in starts])
        return cached

    def price_at(self, sku: str, tenant: str, currency: str, t: int,
                 visible_at: int | None = None) -> PriceVersion | None:
        """The version with the greatest `effective_from <= t`, or None (unpriced)."""
        starts, versions = self.versions(sku, tenant, currency, visible_at)
        i = bisect_right(starts, t) - 1
        return versions[i] if i >= 0 else None


# ----------------------------------------------------------------------------- lifecycle


@dataclass(frozen=True)
class Interval:
    """A span of one state and one component set; `end` None means still open."""

    begin: int
    end: int | None
    state: str
    components: dict[str, Fraction | int]


@dataclass
class Lifecycle:
    intervals: list[Interval]
    # every applied change of the component set, (instant, {sku: quantity}); {} at decommission
    changes: list[tuple[int, dict[str, Fraction | int]]]
    decommissioned_at: int | None
    anomalies: list[Anomaly]


def exact_quantity(value: Decimal) -> Fraction | int:
    """A decimal quantity as an integer when it is whole, else an exact fraction."""
    q = Fraction(value)
    return q.numerator if q.denominator == 1 else q


def component_set(components: Sequence[tuple[str, Decimal]]) -> dict[str, Fraction | int]:
    """`{sku: quantity}`; the same SKU named twice in one event adds up."""
    result: dict[str, Fraction | int] = {}
    for sku, quantity in components:
        result[sku] = result.get(sku, 0) + exact_quantity(quantity)
    return result


def apply_lifecycle(events: Iterable[Event]) -> Lifecycle:
    """Run one resource's events through the state machine, in `(event_time, seq)` order."""
    state: str | None = None
    components: dict[str, Fraction | int] = {}
    since = 0
    intervals: list[Interval] = []
    changes: list[tuple[int, dict[str, Fraction | int]]] = []
    anomalies: list[Anomaly] = []
    decommissioned_at = None
    for event in sorted(events, key=lambda e: (e.event_time, e.seq, e.landing)):
        allowed_from, target = TRANSITIONS.get(event.event_type, ((), None))
        if state not in allowed_from:
            anomalies.append(Anomaly(event, state))
            continue
        if state is not None:
            intervals.append(Interval(since, event.event_time, state, components))
        if event.event_type in ("CREATE", "MODIFY"):
            components = component_set(event.components or ())
            changes.append((event.event_time, components))
        state = target or state
        since = event.event_time
        if state == DECOMMISSIONED:
            decommissioned_at = event.event_time
            changes.append((event.event_time, {}))
    if state not in (None, DECOMMISSIONED):
        intervals.append(Interval(since, None, state, components))
    return Lifecycle([iv for iv in intervals if iv.end is None or iv.end > iv.begin],
                     changes, decommissioned_at, anomalies)


# ----------------------------------------------------------------------------- accumulation


_MICROS: dict[Decimal, int] = {}


def price_micros(price: Decimal) -> int:
    """`price * 10**6` as an integer; a price with more than 6 decimals breaks the contract."""
    micros = _MICROS.get(price)
    if micros is None:
        scaled = price.scaleb(6)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"price {price} has more than 6 decimals")
        micros = _MICROS[price] = int(scaled)
    return micros


class _Ledger:
    """Exact charges, as `units` (seconds x quantity for hourly and monthly SKUs, units for annual
    and one-time ones) per line key and price, per UTC day (the day's index since the epoch)."""

    def __init__(self) -> None:
        # (tenant, account, currency, sku, charge_type, rate_kind, unit_price) -> {day index: units}
        self.charges: dict[tuple, dict[int, Fraction | int]] = {}
        # (tenant, account, resource, sku, day index, charge_type) -> units no price covered
        self.unpriced: dict[tuple, Fraction | int] = defaultdict(int)

    def bucket(self, tenant, account_id, currency, sku, charge_type, rate_kind, price) -> dict[int, Fraction | int]:
        key = (tenant, account_id, currency, sku, charge_type, rate_kind, price)
        days = self.charges.get(key)
        if days is None:
            days = self.charges[key] = defaultdict(int)
        return days

    def lines(self) -> tuple[list[DailyLine], list[InvoiceLine]]:
        """Sum per daily line and per invoice line, then divide once and round once.

        Within one line the denominator is common: 3600 (hourly), the month's seconds (monthly)
        or 1, times 10**6 for the price's decimals; so a line's numerator is `sum(units * price * 10**6)`.
        """
        calendar: dict[int, tuple[date, date, dict[str, int]]] = {}  # day index -> (day, period, denominators)
        daily: dict[tuple, dict[int, Fraction | int]] = defaultdict(lambda: defaultdict(int))
        invoice_lines = []
        for (tenant, account_id, currency, sku, charge_type, rate_kind, price), days in self.charges.items():
            micros = price_micros(price)
            if not micros:  # a zero rate charges nothing and writes no line
                continue
            numerators = daily[(tenant, account_id, currency, sku, charge_type)]
            per_period: dict[date, list] = {}
            for day_index, units in days.items():
                numerators[day_index] += units * micros
                if day_index not in calendar:
                    day = date_of(day_index * DAY)
                    calendar[day_index] = (day, month_start(day), {
                        "hourly": 3600, "monthly": seconds_in_month(day), "annual": 1, "one_time": 1})
                _, period, denominators = calendar[day_index]
                entry = per_period.get(period)
                if entry is None:
                    per_period[period] = [units, denominators[charge_type]]
                else:
                    entry[0] += units
            for period, (units, denominator) in per_period.items():
                exact = Fraction(units * micros, denominator * PRICE_SCALE)
                amount = round_ratio(exact.numerator, exact.denominator, MINOR_UNITS[currency])
                invoice_lines.append(InvoiceLine(tenant, account_id, period, sku, charge_type, rate_kind, price,
                                                 Fraction(units, denominator), currency, amount, exact))
        daily_lines = []
        for (tenant, account_id, currency, sku, charge_type), numerators in daily.items():
            places = MINOR_UNITS[currency]
            for day_index, numerator in numerators.items():
                day, _, denominators = calendar[day_index]
                denominator = denominators[charge_type] * PRICE_SCALE
                if type(numerator) is not int:  # a fractional quantity somewhere in the day
                    numerator, denominator = numerator.numerator, numerator.denominator * denominator
                daily_lines.append(DailyLine(tenant, day, account_id, sku, currency,
                                             round_ratio(numerator, denominator, places)))
        daily_lines.sort()
        invoice_lines.sort(key=lambda line: line.key)
        return daily_lines, invoice_lines


# ----------------------------------------------------------------------------- rating


def land(events: Iterable[Event], visible_at: int | None) -> tuple[list[Event], int, list[Conflict]]:
    """Events delivered by `visible_at`, deduplicated by `event_id`: the first landed stands."""
    first: dict[str, Event] = {}
    duplicates = 0
    conflicts: list[Conflict] = []
    visible = [e for e in events if visible_at is None or e.delivered_at <= visible_at]
    for event in sorted(visible, key=lambda e: e.landing):
        kept = first.get(event.event_id)
        if kept is None:
            first[event.event_id] = event
        elif kept.content() == event.content():
            duplicates += 1
        else:
            conflicts.append(Conflict(kept, event))
    return list(first.values()), duplicates, conflicts


def accounts_master(accounts: Iterable[Account]) -> dict[str, Account]:
    """The accounts master: per `account_id`, the first listing (earliest `visible_at`, then the
    first given) stands. An account's currency is fixed for life (rules §1): a later snapshot that
    lists another currency changes nothing here (the platform reports it as `currency_change`)."""
    known: dict[str, Account] = {}
    for a in sorted(accounts, key=lambda a: a.visible_at):  # stable: equal instants keep their order
        known.setdefault(a.account_id, a)
    return known


def rate(events: Iterable[Event], prices: PriceBook | Iterable[PriceRow], accounts: Iterable[Account],
         start: int, end: int, visible_at: int | None = None) -> RatingResult:
    """Rate `[start, end)` from what is visible at `visible_at` (None: everything delivered)."""
    book = prices if isinstance(prices, PriceBook) else PriceBook(prices)
    known = accounts_master(accounts)
    result = RatingResult()
    landed, result.duplicates, result.conflicts = land(events, visible_at)

    by_resource: dict[tuple[str, str], list[Event]] = defaultdict(list)
    for event in landed:
        account = known.get(event.account_id)
        if account is None or (visible_at is not None and account.visible_at > visible_at):
            result.held.append(Held(event, None))
            continue
        if account.visible_at > event.delivered_at:
            result.held.append(Held(event, account.visible_at))
        by_resource[(event.account_id, event.resource_id)].append(event)

    ledger = _Ledger()
    for (account_id, resource_id), resource_events in sorted(by_resource.items()):
        lifecycle = apply_lifecycle(resource_events)
        result.anomalies.extend(lifecycle.anomalies)
        currency = known[account_id].currency
        rating = _ResourceRating(book, visible_at, ledger, account_id, resource_id, currency, start, end)
        rating.time_based(lifecycle)
        rating.annual(lifecycle)
        rating.one_time(lifecycle)

    result.daily_lines, result.invoice_lines = ledger.lines()
    for (tenant, account_id, resource_id, sku, day_index, charge_type), quantity in sorted(
            ledger.unpriced.items(), key=lambda kv: tuple(str(k) for k in kv[0])):
        result.unpriced.append(Unpriced(tenant, account_id, resource_id, sku, date_of(day_index * DAY),
                                        charge_type, quantity))
    result.held.sort(key=lambda h: h.event.landing)
    result.anomalies.sort(key=lambda a: (a.event.account_id, a.event.resource_id, a.event.event_time,
                                         a.event.seq))
    return result


def _by_day(lo: int, hi: int, quantity):
    """`(day index, seconds x quantity)` for each UTC day that `[lo, hi)` touches."""
    day_index = lo // DAY
    while lo < hi:
        day_end = min(hi, (day_index + 1) * DAY)
        yield day_index, (day_end - lo) * quantity
        lo = day_end
        day_index += 1


class _ResourceRating:
    """The charges of one resource's lifecycle inside `[start, end)`."""

    def __init__(self, book, visible_at, ledger, account_id, resource_id, currency, start, end):
        self.book, self.visible_at, self.ledger = book, visible_at, ledger
        self.account_id, self.resource_id, self.currency = account_id, resource_id, currency
        self.start, self.end = start, end

    # hourly and monthly --------------------------------------------------------------
    def time_based(self, lifecycle: Lifecycle) -> None:
        for interval in lifecycle.intervals:
            lo = max(interval.begin, self.start)
            hi = self.end if interval.end is None else min(interval.end, self.end)
            if lo >= hi:
                continue
            rate_kind = "standard" if interval.state == RUNNING else "idle"
            for sku, quantity in interval.components.items():
                charge_type = self.book.charge_type(sku, self.visible_at)
                if charge_type in ("annual", "one_time"):
                    continue
                for tenant in TENANTS:
                    self._span(tenant, sku, charge_type, rate_kind, quantity, lo, hi)

    def _span(self, tenant, sku, charge_type, rate_kind, quantity, lo, hi) -> None:
        """Charge `[lo, hi)`: split at price changes, then at UTC days."""
        starts, versions = (self.book.versions(sku, tenant, self.currency, self.visible_at)
                            if charge_type else ([], []))
        t = lo
        while t < hi:
            i = bisect_right(starts, t) - 1
            piece_end = min(hi, starts[i + 1]) if i + 1 < len(starts) else hi
            if i < 0:
                for day_index, units in _by_day(t, piece_end, quantity):
                    self.ledger.unpriced[(tenant, self.account_id, self.resource_id, sku, day_index,
                                          charge_type)] += units
            else:
                version = versions[i]
                price = version.unit_price if rate_kind == "standard" else version.idle_unit_price
                if price:  # a zero rate charges nothing
                    days = self.ledger.bucket(tenant, self.account_id, self.currency, sku, charge_type, rate_kind,
                                              price)
                    a, day_index = t, t // DAY
                    while a < piece_end:  # one piece per UTC day (as _by_day, inlined: the hot loop)
                        b = min(piece_end, (day_index + 1) * DAY)
                        days[day_index] += (b - a) * quantity
                        a = b
                        day_index += 1
            t = piece_end

    # annual and one-time -------------------------------------------------------------
    def _quantities(self, lifecycle: Lifecycle, sku: str) -> list[tuple[int, Fraction | int]]:
        """`(instant, quantity)` of `sku` at each change of the component set, until decommission."""
        return [(t, components.get(sku, 0)) for t, components in lifecycle.changes]

    def _skus(self, lifecycle: Lifecycle, charge_type: str) -> list[str]:
        skus = {sku for _, components in lifecycle.changes for sku in components}
        return sorted(s for s in skus if self.book.charge_type(s, self.visible_at) == charge_type)

    def _point_charge(self, sku: str, charge_type: str, t: int, units) -> None:
        """Charge `units` at instant `t` at the unit price in force then (rules §4)."""
        if not (self.start <= t < self.end) or units <= 0:
            return
        for tenant in TENANTS:
            version = self.book.price_at(sku, tenant, self.currency, t, self.visible_at)
            if version is None:
                self.ledger.unpriced[(tenant, self.account_id, self.resource_id, sku, t // DAY, charge_type)] += units
            elif version.unit_price:
                self.ledger.bucket(tenant, self.account_id, self.currency, sku, charge_type, "standard",
                                   version.unit_price)[t // DAY] += units

    def one_time(self, lifecycle: Lifecycle) -> None:
        """High-water over the resource's life: charge each rise above the highest charged."""
        for sku in self._skus(lifecycle, "one_time"):
            high_water = 0
            for t, quantity in self._quantities(lifecycle, sku):
                if quantity > high_water:
                    self._point_charge(sku, "one_time", t, quantity - high_water)
                    high_water = quantity

    def annual(self, lifecycle: Lifecycle) -> None:
        """Terms of 12 months from the SKU's first appearance, renewed while not decommissioned.

        At each term start the quantity then in force is charged and becomes the term's high-water
        mark; within the term each rise above the mark is charged. Renewals are the anchor plus
        12, 24, ... months, same day and time, clamped to the month's last day (an anchor on
        29 February renews on 28 February in common years).
        """
        alive_until = lifecycle.decommissioned_at
        for sku in self._skus(lifecycle, "annual"):
            points = [(t, q) for t, q in self._quantities(lifecycle, sku)
                      if alive_until is None or t < alive_until]
            anchor = next((t for t, q in points if q > 0), None)
            if anchor is None:
                continue
            k = 0
            term_start = anchor
            while term_start < self.end and (alive_until is None or term_start < alive_until):
                term_end = add_months_clamped(anchor, 12 * (k + 1))
                in_force = 0
                for t, q in points:
                    if t <= term_start:
                        in_force = q
                self._point_charge(sku, "annual", term_start, in_force)
                high_water = in_force
                for t, q in points:
                    if term_start < t < term_end and q > high_water:
                        self._point_charge(sku, "annual", t, q - high_water)
                        high_water = q
                k += 1
                term_start = term_end


def quantity_6dp(quantity: Fraction) -> Decimal:
    """An invoice line's quantity as published: 6 decimals, half away from zero."""
    return round_half_away(quantity, 6)
