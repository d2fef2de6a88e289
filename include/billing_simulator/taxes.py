"""Finance's tax tables for the 12 countries: `tax_rates_*.csv` and `sales_entities_*.csv` (rules §9).

One snapshot of each, delivered a week before the range starts. The tax table holds every country's
rate since 2020 and, for two countries with accounts, a rate change in force from the first day of
the range's second month (the range's middle day when it spans one month): in a multi-month run, an
adjustment line of the month before the change keeps the old rate on an invoice whose own lines
carry the new one. The two are drawn first among the countries where that happens (`preferred`), so
that a run shows it wherever its data allows. `--missing-tax-rate CC` leaves country CC out.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from billing_simulator.instants import day_stamp, periods_between
from billing_simulator.money import COUNTRIES
from billing_simulator.seeding import rng_for

TAX_HEADER = ["country", "tax_name", "rate", "reverse_charge", "effective_from"]
ENTITY_HEADER = ["country", "legal_name", "address", "tax_registration_id"]
SNAPSHOT_LEAD = timedelta(days=7)  # finance sends the tables a week before the range starts
BASE_FROM = date(2020, 1, 1)
CHANGED_COUNTRIES = 2

# country -> (tax name, rate in force from BASE_FROM, reverse charge for customers with a tax_id, new rate)
TAX_TABLE: dict[str, tuple[str, str, bool, str]] = {
    "US": ("Sales tax", "0.0725", False, "0.0775"),
    "CA": ("GST", "0.05", False, "0.06"),
    "GB": ("VAT", "0.20", False, "0.21"),
    "DE": ("VAT", "0.19", True, "0.20"),
    "CH": ("VAT", "0.081", False, "0.085"),
    "SE": ("VAT", "0.25", True, "0.24"),
    "JP": ("Consumption tax", "0.10", False, "0.12"),
    "SG": ("GST", "0.09", False, "0.10"),
    "IN": ("GST", "0.18", False, "0.16"),
    "AE": ("VAT", "0.05", False, "0.075"),
    "BH": ("VAT", "0.10", False, "0.125"),
    "AU": ("GST", "0.10", False, "0.11"),
}
REVERSE_CHARGE = frozenset(c for c, (_, _, rc, _) in TAX_TABLE.items() if rc)

# country -> (legal name, address, tax registration id) of the sales office's issuing entity
ENTITIES: dict[str, tuple[str, str, str]] = {
    "US": ("Stratus Cloud Services Inc.", "500 Howard Street, Suite 300, San Francisco, CA 94105, United States",
           "94-3217765"),
    "CA": ("Stratus Cloud Services Canada Ltd.", "100 King Street West, Suite 5600, Toronto, ON M5X 1C9, Canada",
           "812345678RT0001"),
    "GB": ("Stratus Cloud Services UK Ltd", "1 Poultry, London EC2R 8EJ, United Kingdom", "GB 284 5593 17"),
    "DE": ("Stratus Cloud Services GmbH", "Friedrichstraße 68, 10117 Berlin, Germany", "DE318456271"),
    "CH": ("Stratus Cloud Services (Schweiz) AG", "Bahnhofstrasse 10, 8001 Zürich, Switzerland",
           "CHE-412.337.905 MWST"),
    "SE": ("Stratus Cloud Services Sverige AB", "Kungsgatan 8, 111 43 Stockholm, Sweden", "SE559123456701"),
    "JP": ("Stratus Cloud Services Japan G.K.", "2-7-1 Marunouchi, Chiyoda-ku, Tokyo 100-7021, Japan",
           "T8010403021874"),
    "SG": ("Stratus Cloud Services Singapore Pte. Ltd.", "8 Marina View, #21-01 Asia Square Tower 1, "
           "Singapore 018960", "201934567K"),
    "IN": ("Stratus Cloud Services India Pvt. Ltd.", "Level 9, Prestige Tech Park, Marathahalli, Bengaluru 560103, "
           "India", "29AAKCS4821M1Z7"),
    "AE": ("Stratus Cloud Services FZ-LLC", "Office 1402, Building 5, Dubai Internet City, Dubai, "
           "United Arab Emirates", "100384526100003"),
    "BH": ("Stratus Cloud Services Bahrain W.L.L.", "Office 2101, Bahrain World Trade Center, Manama, Bahrain",
           "220016734500002"),
    "AU": ("Stratus Cloud Services Australia Pty Ltd", "Level 25, 1 Farrer Place, Sydney NSW 2000, Australia",
           "51 624 873 190"),
}


@dataclass(frozen=True)
class TaxRow:
    country: str
    tax_name: str
    rate: Decimal
    reverse_charge: bool
    effective_from: date

    def as_csv(self) -> list[str]:
        return [self.country, self.tax_name, f"{self.rate:f}", "true" if self.reverse_charge else "false",
                self.effective_from.isoformat()]


@dataclass(frozen=True)
class TaxTables:
    rows: tuple[TaxRow, ...]
    changed: tuple[str, ...]  # the countries whose rate changes inside the range
    change_from: date
    missing: str | None
    snapshot: date

    @property
    def rates_file(self) -> str:
        return f"tax_rates_{day_stamp(self.snapshot)}.csv"

    @property
    def entities_file(self) -> str:
        return f"sales_entities_{day_stamp(self.snapshot)}.csv"


def change_date(start: date, end: date) -> date:
    """The first day of the range's second month, or the middle of a one-month range."""
    periods = periods_between(start, end)
    if len(periods) > 1:
        return periods[1]
    return start + timedelta(days=max(1, (end - start).days // 2))


def plan_tax_tables(seed: int, countries_with_accounts: Iterable[str], start: date, end: date,
                    missing: str | None = None, preferred: Iterable[str] = ()) -> TaxTables:
    """The table: every country's base rate; a new rate for up to two countries that have accounts
    (seeded choice, `preferred` ones first), in force from `change_date`; `missing` left out altogether."""
    candidates = set(countries_with_accounts) - {missing}
    first = sorted(candidates & set(preferred))
    r = rng_for(seed, "tax-rate-change")
    picked = r.sample(first, min(CHANGED_COUNTRIES, len(first)))
    rest = sorted(candidates - set(first))
    picked += r.sample(rest, min(CHANGED_COUNTRIES - len(picked), len(rest)))
    changed = tuple(sorted(picked))
    when = change_date(start, end)
    rows = []
    for country in sorted(TAX_TABLE):
        if country == missing:
            continue
        name, rate, reverse_charge, new_rate = TAX_TABLE[country]
        rows.append(TaxRow(country, name, Decimal(rate), reverse_charge, BASE_FROM))
        if country in changed:
            rows.append(TaxRow(country, name, Decimal(new_rate), reverse_charge, when))
    return TaxTables(tuple(rows), changed, when, missing, start - SNAPSHOT_LEAD)


def write_tax_tables(inbox: Path, tables: TaxTables) -> list[str]:
    """`tax_rates_<snapshot>.csv` and `sales_entities_<snapshot>.csv` (every country has an entity)."""
    with open(inbox / tables.rates_file, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(TAX_HEADER)
        w.writerows(row.as_csv() for row in tables.rows)
    with open(inbox / tables.entities_file, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")  # addresses have commas: quoted, RFC 4180
        w.writerow(ENTITY_HEADER)
        w.writerows([country, *ENTITIES[country]] for country in sorted(COUNTRIES))
    return [tables.rates_file, tables.entities_file]
