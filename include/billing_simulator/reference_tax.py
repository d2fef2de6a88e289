"""The reference tax of one invoice (rules §9), computed from the spec's text alone.

A line is taxed at the rate of the account's country in force on the last day of the period its
charges belong to (its own period, or the period an adjustment line adjusts): the country's row with
the greatest `effective_from` on or before that day. Where that row is reverse charge and the
account has a `tax_id`, the line's rate is 0. Per invoice and group (tax name, rate, reverse
charge): tax = the lines' sum x rate, rounded once, half away from zero, to the minor unit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from billing_simulator.instants import next_month
from billing_simulator.money import round_money
from billing_simulator.taxes import TaxRow

DEFAULT_TERMS = 30  # days, where the accounts file leaves payment_terms_days empty


class MissingTaxRate(Exception):
    """No row of the country is in force on the day a line needs one."""

    def __init__(self, country: str, day: date) -> None:
        super().__init__(f"no tax rate for {country} in force on {day.isoformat()}")
        self.country, self.day = country, day


@dataclass(frozen=True)
class TaxGroup:
    tax_name: str
    rate: Decimal
    is_reverse_charge: bool
    taxable_amount: Decimal
    tax_amount: Decimal


@dataclass(frozen=True)
class Invoice:
    tenant: str
    account_id: str
    billing_period: date
    currency: str
    net_amount: Decimal
    tax_amount: Decimal
    gross_amount: Decimal
    payment_terms_days: int | None  # None on HO cost statements
    groups: tuple[TaxGroup, ...]


def last_day(period: date) -> date:
    return next_month(period) - timedelta(days=1)


def rate_in_force(rows: Iterable[TaxRow], country: str, day: date) -> TaxRow:
    """The country's row with the greatest effective_from on or before `day`."""
    found = [r for r in rows if r.country == country and r.effective_from <= day]
    if not found:
        raise MissingTaxRate(country, day)
    return max(found, key=lambda r: r.effective_from)


def invoice(tenant: str, account_id: str, period: date, currency: str, lines: Iterable[tuple[Decimal, date]],
            rows: Iterable[TaxRow], country: str, tax_id: str, terms: int | None) -> Invoice:
    """The invoice of `period` from its lines `(amount, the period the charges belong to)`.

    HO invoices are internal cost statements: no tax, no terms. SO invoices are taxed per group;
    `terms` None means the accounts file left it empty (30 days)."""
    lines = list(lines)
    net = sum((amount for amount, _ in lines), Decimal(0))
    zero = round_money(0, currency)
    if tenant != "SO":
        return Invoice(tenant, account_id, period, currency, net, zero, net, None, ())
    rows = list(rows)
    sums: dict[tuple[str, Decimal, bool], Decimal] = {}
    for amount, charges_period in lines:
        row = rate_in_force(rows, country, last_day(charges_period))
        reverse = row.reverse_charge and bool(tax_id)
        key = (row.tax_name, Decimal(0) if reverse else row.rate, reverse)
        sums[key] = sums.get(key, Decimal(0)) + amount
    groups = tuple(TaxGroup(name, rate, reverse, taxable, round_money(Fraction(taxable) * Fraction(rate), currency))
                   for (name, rate, reverse), taxable in sorted(sums.items()))
    tax = sum((g.tax_amount for g in groups), zero)
    return Invoice(tenant, account_id, period, currency, net, tax, net + tax,
                   DEFAULT_TERMS if terms is None else terms, groups)
