"""Simulated enterprise accounts in the 12 countries, and the CRM's daily full snapshots."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from iaas_billing.simulator.instants import DAY, HOUR, day_stamp, format_instant, instant_of
from iaas_billing.simulator.money import COUNTRIES
from iaas_billing.simulator.reference_rater import Account
from iaas_billing.simulator.seeding import rng_for

ACCOUNTS_HEADER = ["account_id", "account_name", "country", "currency", "created_at"]
NEW_ACCOUNT_SHARE = 0.1  # accounts created during the simulated range

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
    return plans


def snapshot_days(start: date, end: date) -> list[date]:
    """One snapshot per day from the day before the start (delivered at the start) to the last day."""
    return [start - timedelta(days=1) + timedelta(days=k) for k in range((end - start).days + 1)]


def write_snapshots(inbox: Path, accounts: list[AccountPlan], start: date, end: date) -> list[str]:
    names = []
    for day in snapshot_days(start, end):
        cutoff = instant_of(day + timedelta(days=1))
        name = f"accounts_{day_stamp(day)}.csv"
        with open(inbox / name, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(ACCOUNTS_HEADER)
            for a in accounts:
                if a.created_at < cutoff:
                    writer.writerow([a.account_id, a.account_name, a.country, a.currency,
                                     format_instant(a.created_at)])
        names.append(name)
    return names
