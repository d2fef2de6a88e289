"""Injected discrepancies, each visible at exactly one reconciliation level (decisions.md).

- L1 (primary billing vs this platform's SO daily lines): the primary feed drops a line, charges
  the pre-change price after a price change, charges a line twice (amount doubled), or bills a
  decommissioned resource on a later day (a key with no other charge that day).
- L2 (order stream control totals vs events landed): lost events (a MODIFY counted, never
  delivered), duplicated events (a MODIFY re-emitted under a new event_id, same content and time,
  delivered, not counted).
- L3 (finance vs the SO invoice issued): a wrong posted amount, an account missing.

`--discrepancy-rate` is the chance, per account and kind (per account, period and kind for
finance), of one discrepancy; when it is above 0 the first eligible target of each kind gets one
anyway, so every kind shows in a small run. Each discrepancy has a break key of its own, so the
expected breaks are exactly these rows.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from billing_simulator.instants import DAY, date_of, instant_of, seconds_in_month
from billing_simulator.lifecycle import Quota, ResourcePlan
from billing_simulator.money import MINOR_UNITS, format_decimal, round_money
from billing_simulator.reference_rater import PriceBook, exact_quantity
from billing_simulator.seeding import event_uuid

L1, L2, L3 = "L1_PRIMARY_VS_SECONDARY", "L2_ORDERSTREAM_VS_BILLING", "L3_FINANCE_VS_ORDERSTREAM"
PRIMARY_KINDS = ("primary_dropped_line", "primary_stale_price", "primary_double_charge",
                 "primary_decommissioned_resource")
ORDER_KINDS = ("orders_lost_event", "orders_duplicated_event")
FINANCE_KINDS = ("finance_wrong_amount", "finance_missing_account")
ALL_KINDS = PRIMARY_KINDS + ORDER_KINDS + FINANCE_KINDS


@dataclass(frozen=True)
class Discrepancy:
    kind: str
    level: str
    break_type: str
    business_date: date
    account_id: str
    sku: str
    event_type: str
    currency: str
    expected: str  # as the break will say it: this platform's side ("" when it has none)
    actual: str  # the other system's side ("" when it has none)
    description: str


def _chosen(r: random.Random, rate: float, quota: Quota, kind: str) -> bool:
    roll = r.random()
    return rate > 0 and (roll < rate or quota.wants(kind))


# ----------------------------------------------------------------------------- L2, before delivery


def inject_order_stream(plans: list[ResourcePlan], r: random.Random, ids: random.Random, rate: float,
                        quota: Quota) -> list[Discrepancy]:
    """Mark a MODIFY lost and/or re-emit one under a new id; distinct (date, account, type) keys."""
    found: list[Discrepancy] = []
    candidates = [(plan, e) for plan in plans for e in plan.events
                  if e.event_type == "MODIFY" and not e.injected]
    used: set[date] = set()
    for kind in ORDER_KINDS:
        if not _chosen(r, rate, quota, kind):
            continue
        free = [(plan, e) for plan, e in candidates if date_of(e.event_time) not in used and not e.lost]
        if not free:
            continue
        plan, e = r.choice(free)
        day = date_of(e.event_time)
        used.add(day)
        quota.done(kind)
        if kind == "orders_lost_event":
            e.lost = True
            description = f"MODIFY {e.event_id} of {e.resource_id} emitted and counted, never delivered"
        else:
            copy = replace(e, event_id=event_uuid(ids), reemitted=True)
            plan.events.insert(plan.events.index(e) + 1, copy)
            description = (f"MODIFY {e.event_id} of {e.resource_id} re-emitted as {copy.event_id}, "
                           "same content and time, not counted")
        same_key = [x for p in plans for x in p.events
                    if x.event_type == "MODIFY" and date_of(x.event_time) == day]
        control = sum(1 for x in same_key if not x.reemitted)
        landed = sum(1 for x in same_key if not x.lost)
        found.append(Discrepancy(kind, L2, "count_shortfall" if kind == "orders_lost_event" else "count_excess",
                                 day, e.account_id, "", "MODIFY", "", str(control), str(landed), description))
    return found


# ----------------------------------------------------------------------------- L1, after rating


def _full_day_charge(book: PriceBook, sku: str, charge_type: str, currency: str, quantity: Decimal,
                     day: date) -> Fraction | None:
    version = book.price_at(sku, "SO", currency, instant_of(day))
    if version is None or charge_type not in ("hourly", "monthly"):
        return None
    per_day = Fraction(24) if charge_type == "hourly" else Fraction(DAY, seconds_in_month(day))
    return per_day * exact_quantity(quantity) * Fraction(version.unit_price)


def inject_primary(account_id: str, currency: str, so_daily: dict[tuple[date, str], Decimal],
                   stale_daily: Callable[[], dict[tuple[date, str], Decimal]], plans: list[ResourcePlan],
                   book: PriceBook, end: date, r: random.Random, rate: float,
                   quota: Quota) -> tuple[dict[tuple[date, str], Decimal], list[Discrepancy]]:
    """The primary billing lines of one account: the reference SO daily lines, plus discrepancies."""
    primary = dict(so_daily)
    found: list[Discrepancy] = []
    used: set[tuple[date, str]] = set()
    unit = Decimal(1).scaleb(-MINOR_UNITS[currency])

    def record(kind, break_type, key, ours, theirs, description):
        used.add(key)
        quota.done(kind)
        found.append(Discrepancy(kind, L1, break_type, key[0], account_id, key[1], "", currency,
                                 "" if ours is None else format_decimal(ours),
                                 "" if theirs is None else format_decimal(theirs), description))

    chosen = {kind: _chosen(r, rate, quota, kind) for kind in PRIMARY_KINDS}
    if not any(chosen.values()):
        return primary, found
    nonzero = sorted(k for k, v in so_daily.items() if v != 0)
    if chosen["primary_dropped_line"]:
        free = [k for k in nonzero if k not in used]
        if free:
            key = r.choice(free)
            del primary[key]
            record("primary_dropped_line", "missing_in_primary", key, so_daily[key], None,
                   "the primary billing system left this line out")
    if chosen["primary_stale_price"]:
        stale = stale_daily()
        free = [k for k in nonzero if k not in used and k in stale and abs(stale[k] - so_daily[k]) > unit]
        if free:
            key = r.choice(free)
            primary[key] = stale[key]
            record("primary_stale_price", "amount_mismatch", key, so_daily[key], stale[key],
                   "the primary billing system kept the price from before the price change")
    if chosen["primary_double_charge"]:
        free = [k for k in nonzero if k not in used and abs(so_daily[k]) > unit]
        if free:
            key = r.choice(free)
            primary[key] = so_daily[key] * 2
            record("primary_double_charge", "amount_mismatch", key, so_daily[key], primary[key],
                   "the primary billing system charged this line twice")
    if chosen["primary_decommissioned_resource"]:
        options = []
        for plan in plans:
            if plan.decommissioned_at is None:
                continue
            last = [e for e in plan.events if e.components and not e.injected and not e.lost
                    and e.event_time < plan.decommissioned_at]
            day = date_of(plan.decommissioned_at) + timedelta(days=1)
            while last and day < end:
                for sku, q in last[-1].components:
                    charge_type = book.charge_type(sku, None)
                    key = (day, sku)
                    if key not in so_daily and key not in used:
                        amount = _full_day_charge(book, sku, charge_type, currency, q, day)
                        if amount and round_money(amount, currency) != 0:
                            options.append((key, round_money(amount, currency), plan.resource_id))
                day += timedelta(days=1)
        if options:
            key, amount, resource_id = r.choice(options)
            primary[key] = amount
            record("primary_decommissioned_resource", "missing_in_platform", key, None, amount,
                   f"the primary billing system billed {resource_id} after its decommission")
    return primary, found


# ----------------------------------------------------------------------------- L3, after the close


def inject_finance(period: date, account_id: str, currency: str, total: Decimal, r: random.Random, rate: float,
                   quota: Quota) -> tuple[Decimal | None, Discrepancy | None]:
    """What finance posts for one SO invoice: its total, a wrong amount, or nothing."""
    wrong = _chosen(r, rate, quota, "finance_wrong_amount")
    missing = _chosen(r, rate, quota, "finance_missing_account")
    step = Decimal(1).scaleb(-MINOR_UNITS[currency])
    if missing and not (wrong and quota.wants("finance_wrong_amount")):
        quota.done("finance_missing_account")
        return None, Discrepancy("finance_missing_account", L3, "missing_in_finance", period, account_id, "", "",
                                 currency, format_decimal(total), "",
                                 "finance posted nothing for this invoice")
    if wrong:
        quota.done("finance_wrong_amount")
        delta = max(step * r.randint(1, 99), (total * Decimal(r.randint(1, 15)) / 100).quantize(step))
        posted = total + delta if (r.random() < 0.5 or total < 2 * delta) else total - delta
        return posted, Discrepancy("finance_wrong_amount", L3, "amount_mismatch", period, account_id, "", "",
                                   currency, format_decimal(total), format_decimal(posted),
                                   "finance posted another amount than the invoice")
    return total, None
