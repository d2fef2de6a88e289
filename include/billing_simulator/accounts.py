"""Simulated enterprise accounts in the 12 countries, and the CRM's daily full snapshots.

The snapshots have all seven columns (interfaces.md): a customer's `tax_id` (in the reverse-charge
countries the first account has one, the second none, then by chance; elsewhere by chance) and its
`payment_terms_days` (15, 30, 45 or 60, or empty: 30 applies).

Mess (`--mess-rate`): a snapshot may list an existing account with another currency, and every
later snapshot repeats it (`CurrencyChange`). Rules §1: the currency is fixed for life, so
the platform keeps the first one and reports a `currency_change`; rating does not change.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from billing_simulator.instants import DAY, HOUR, date_of, day_stamp, format_instant, instant_of
from billing_simulator.money import COUNTRIES, CURRENCIES
from billing_simulator.reference_rater import Account
from billing_simulator.seeding import rng_for
from billing_simulator.taxes import REVERSE_CHARGE

ACCOUNTS_HEADER = ["account_id", "account_name", "country", "currency", "created_at", "tax_id",
                   "payment_terms_days"]
NEW_ACCOUNT_SHARE = 0.1  # accounts created during the simulated range
TAX_ID_SHARE = 0.7  # accounts with a tax registration, beyond the first two of a reverse-charge country
PAYMENT_TERMS = ("", "15", "30", "30", "45", "60")  # empty means 30 (rules §9)

REGIONS = {"US": ("us-east", "us-west"), "CA": ("ca-central",), "GB": ("eu-west-2",), "DE": ("eu-central",),
           "CH": ("eu-central-2",), "SE": ("eu-north",), "JP": ("ap-northeast",), "SG": ("ap-southeast",),
           "IN": ("ap-south",), "AE": ("me-central",), "BH": ("me-south",), "AU": ("ap-southeast-2",)}
_FIRST = ("Northwind", "Bluefin", "Cedar", "Granite", "Harbor", "Ironwood", "Juniper", "Kestrel", "Lumen",
          "Meridian", "Nimbus", "Orchid", "Pioneer", "Quarry", "Redwood", "Summit", "Tidal", "Umber", "Vertex",
          "Willow", "Zephyr", "Atlas", "Beacon", "Cobalt")
_SECOND = ("Logistics", "Analytics", "Retail", "Health", "Capital", "Media", "Foods", "Energy", "Robotics",
           "Telecom", "Insurance", "Pharma", "Mobility", "Textiles", "Games", "Aerospace")
_SUFFIX = {"US": "Inc.", "CA": "Ltd.", "GB": "plc", "DE": "GmbH", "CH": "AG", "SE": "AB", "JP": "K.K.",
           "SG": "Pte. Ltd.", "IN": "Pvt. Ltd.", "AE": "LLC", "BH": "W.L.L.", "AU": "Pty Ltd"}


@dataclass(frozen=True)
class AccountPlan:
    index: int
    account_id: str
    account_name: str
    country: str
    currency: str
    created_at: int
    visible_at: int  # delivery of accounts_<created day>.csv (end of that day), or the start
    is_new: bool  # created inside the simulated range
    tax_id: str = ""  # the customer's tax registration; empty: none
    payment_terms_days: str = ""  # as written; empty: 30

    @property
    def terms(self) -> int | None:
        return int(self.payment_terms_days) if self.payment_terms_days else None

    def as_rater_account(self) -> Account:
        return Account(self.account_id, self.currency, self.visible_at)


def plan_accounts(seed: int, n: int, start: date, end: date) -> list[AccountPlan]:
    """`n` accounts; the countries cycle so that 12 or more accounts cover all 12."""
    rng = rng_for(seed, "accounts")
    countries = sorted(COUNTRIES)
    order = [countries[i % len(countries)] for i in range(n)]
    rng.shuffle(order)
    n_new = 0 if n < 2 else max(1, round(n * NEW_ACCOUNT_SHARE))
    new = set(rng.sample(range(n), n_new))
    s, e = instant_of(start), instant_of(end)
    plans = []
    for i in range(n):
        country = order[i]
        if i in new:
            # during the range, at least 6 hours before its end so its first events come before it
            created = rng.randrange(s, max(s + 1, e - 6 * HOUR))
            visible = (created // DAY + 1) * DAY
        else:
            created = s - rng.randrange(30 * DAY, 6 * 365 * DAY)
            visible = s
        name = f"{rng.choice(_FIRST)} {rng.choice(_SECOND)} {_SUFFIX[country]}"
        plans.append(AccountPlan(i, f"ACC-{i + 1:05d}", name, country, COUNTRIES[country][0], created, visible,
                                 i in new))
    return plan_customer_terms(seed, plans)


def plan_customer_terms(seed: int, plans: list[AccountPlan],
                        reverse_charge: frozenset[str] = REVERSE_CHARGE) -> list[AccountPlan]:
    """Each account's tax_id and payment terms, from a stream of its own (the other draws stay as they were)."""
    out = []
    seen: dict[str, int] = {}
    for a in plans:
        r = rng_for(seed, "customer-terms", a.index)
        nth = seen[a.country] = seen.get(a.country, 0) + 1
        roll = r.random()
        if a.country in reverse_charge and nth <= 2:
            has_id = nth == 1  # both kinds wherever a reverse-charge country has two accounts
        else:
            has_id = roll < TAX_ID_SHARE
        out.append(replace(a, tax_id=tax_id(r, a.country) if has_id else "",
                           payment_terms_days=r.choice(PAYMENT_TERMS)))
    return out


def tax_id(r: random.Random, country: str) -> str:
    """A registration number in the country's usual shape (VAT number, GSTIN, TRN, ABN ...)."""
    def digits(n: int) -> str:
        return "".join(str(r.randrange(10)) for _ in range(n))

    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    shapes = {
        "US": lambda: f"{digits(2)}-{digits(7)}", "CA": lambda: f"{digits(9)}RT0001",
        "GB": lambda: f"GB{digits(9)}", "DE": lambda: f"DE{digits(9)}",
        "CH": lambda: f"CHE-{digits(3)}.{digits(3)}.{digits(3)} MWST", "SE": lambda: f"SE{digits(10)}01",
        "JP": lambda: f"T{digits(13)}", "SG": lambda: f"{digits(9)}{r.choice(letters)}",
        "IN": lambda: f"{digits(2)}{''.join(r.choice(letters) for _ in range(5))}{digits(4)}{r.choice(letters)}1Z"
                      f"{r.choice(letters)}",
        "AE": lambda: f"100{digits(11)}3", "BH": lambda: f"2{digits(13)}2", "AU": lambda: f"{digits(11)}",
    }
    return shapes[country]()


@dataclass(frozen=True)
class CurrencyChange:
    """From the snapshot of `day` on, the CRM lists the account with `listed` instead of `kept`."""

    account_id: str
    day: date
    kept: str
    listed: str

    @property
    def file_name(self) -> str:
        return f"accounts_{day_stamp(self.day)}.csv"


def plan_currency_changes(seed: int, accounts: list[AccountPlan], rate: float, start: date,
                          end: date) -> dict[str, CurrencyChange]:
    """Per account, the chance `rate` of a currency change in a snapshot after the first that lists
    it; while `rate` is above 0 the first eligible account gets one regardless."""
    days = snapshot_days(start, end)
    changes: dict[str, CurrencyChange] = {}
    for a in accounts:
        r = rng_for(seed, "currency-change", a.index)
        roll = r.random()
        first_listed = date_of(a.visible_at) - timedelta(days=1)  # the snapshot delivered at visible_at
        later = [d for d in days if d > first_listed]
        if rate <= 0 or not later or not (roll < rate or not changes):
            continue
        listed = r.choice([c for c in CURRENCIES if c != a.currency])
        changes[a.account_id] = CurrencyChange(a.account_id, r.choice(later), a.currency, listed)
    return changes


def snapshot_days(start: date, end: date) -> list[date]:
    """One snapshot per day from the day before the start (delivered at the start) to the last day."""
    return [start - timedelta(days=1) + timedelta(days=k) for k in range((end - start).days + 1)]


def write_snapshots(inbox: Path, accounts: list[AccountPlan], start: date, end: date,
                    changes: dict[str, CurrencyChange] | None = None) -> list[str]:
    changes = changes or {}
    names = []
    for day in snapshot_days(start, end):
        cutoff = instant_of(day + timedelta(days=1))
        name = f"accounts_{day_stamp(day)}.csv"
        with open(inbox / name, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(ACCOUNTS_HEADER)
            for a in accounts:
                if a.created_at < cutoff:
                    change = changes.get(a.account_id)
                    currency = change.listed if change and day >= change.day else a.currency
                    writer.writerow([a.account_id, a.account_name, a.country, currency,
                                     format_instant(a.created_at), a.tax_id, a.payment_terms_days])
        names.append(name)
    return names
