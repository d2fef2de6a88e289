"""The feeds of the systems around the platform: order-stream control totals, primary billing,
finance's posted revenue and FX rates (interfaces.md)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from iaas_billing.simulator.catalog import LIST_RATES
from iaas_billing.simulator.instants import date_of, day_stamp
from iaas_billing.simulator.lifecycle import ResourcePlan
from iaas_billing.simulator.money import CURRENCIES, format_decimal, round_half_away
from iaas_billing.simulator.seeding import rng_for
from iaas_billing.simulator.spill import BucketWriter, concatenate

CONTROL_HEADER = ["event_date", "account_id", "event_type", "event_count"]
PRIMARY_HEADER = ["usage_date", "account_id", "sku", "currency", "amount"]
FINANCE_HEADER = ["period", "account_id", "currency", "posted_revenue"]
FX_HEADER = ["period", "currency", "usd_per_unit"]


def _csv_line(values: Iterable[object]) -> str:
    """One CSV record; the simulated values never need quoting, which this checks."""
    values = list(values)
    text = ",".join(str(v) for v in values)
    if '"' in text or "\n" in text or text.count(",") != len(values) - 1:
        raise ValueError(f"value needs quoting: {text}")
    return text + "\n"


def control_counts(plans: Iterable[ResourcePlan], start: date, end: date) -> Counter:
    """`(event_date, event_type) -> count` of the distinct events the stream emitted and counts:
    lost events included (they were emitted), re-emissions and malformed lines not."""
    counts: Counter = Counter()
    for plan in plans:
        for e in plan.events:
            day = date_of(e.event_time)
            if not e.reemitted and start <= day < end:
                counts[(day, e.event_type)] += 1
    return counts


class DailyFeeds:
    """`orderstream_control_YYYYMMDD.csv` and `primary_billing_YYYYMMDD.csv`, one per day.

    A chunk of accounts writes its rows without headers into its own folder; `merge_daily_feeds`
    then puts the chunks together in account order.
    """

    def __init__(self, directory: Path) -> None:
        self.control = BucketWriter(lambda d: directory / control_name(d), limit=2_000_000)
        self.primary = BucketWriter(lambda d: directory / primary_name(d), limit=2_000_000)
        self.control_rows = 0
        self.primary_rows = 0

    def add_control(self, account_id: str, counts: Counter) -> None:
        for (day, event_type), n in sorted(counts.items()):
            self.control.write(day, _csv_line([day.isoformat(), account_id, event_type, n]))
            self.control_rows += 1

    def add_primary(self, account_id: str, currency: str, lines: dict[tuple[date, str], Decimal]) -> None:
        by_day: dict[date, list[str]] = {}
        for (day, sku), amount in sorted(lines.items()):  # the hot path: plain text, nothing needs quoting
            by_day.setdefault(day, []).append(f"{day.isoformat()},{account_id},{sku},{currency},{amount:f}\n")
        for day, rows in by_day.items():
            self.primary.write(day, "".join(rows))
            self.primary_rows += len(rows)

    def close(self) -> None:
        self.control.close()
        self.primary.close()


def control_name(day: date) -> str:
    return f"orderstream_control_{day_stamp(day)}.csv"


def primary_name(day: date) -> str:
    return f"primary_billing_{day_stamp(day)}.csv"


def merge_daily_feeds(inbox: Path, chunks: list[Path], days: list[date]) -> list[str]:
    """One control and one primary billing file per day, the chunks' rows in account order."""
    names = []
    for day in days:
        for name, header in ((control_name(day), CONTROL_HEADER), (primary_name(day), PRIMARY_HEADER)):
            concatenate(inbox / name, _csv_line(header), [chunk / name for chunk in chunks])
            names.append(name)
    return sorted(names)


def write_finance(inbox: Path, period: date, rows: list[tuple[str, str, Decimal]]) -> str:
    """`finance_gl_YYYYMM.csv`: `(account_id, currency, posted_revenue)` rows."""
    name = f"finance_gl_{period.strftime('%Y%m')}.csv"
    with open(inbox / name, "w", encoding="utf-8", newline="") as f:
        f.write(_csv_line(FINANCE_HEADER))
        for account_id, currency, amount in sorted(rows):
            f.write(_csv_line([period.strftime("%Y-%m"), account_id, currency, format_decimal(amount)]))
    return name


def fx_rates(seed: int, period: date) -> dict[str, Decimal]:
    """USD per unit for each currency in `period`: the list rates moved by up to 2 %."""
    r = rng_for(seed, "fx", period.isoformat())
    rates = {}
    for currency in CURRENCIES:
        if currency == "USD":
            rates[currency] = Decimal(1)
        else:
            moved = LIST_RATES[currency] * Fraction(10000 + r.randint(-200, 200), 10000)
            rates[currency] = round_half_away(moved, 8).normalize()
    return rates


def write_fx(inbox: Path, seed: int, period: date) -> str:
    name = f"fx_rates_{period.strftime('%Y%m')}.csv"
    with open(inbox / name, "w", encoding="utf-8", newline="") as f:
        f.write(_csv_line(FX_HEADER))
        for currency, rate in fx_rates(seed, period).items():
            f.write(_csv_line([period.strftime("%Y-%m"), currency, format_decimal(rate)]))
    return name
