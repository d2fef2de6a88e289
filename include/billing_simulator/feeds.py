"""The feeds of the systems around the platform: order-stream control totals, primary billing,
finance's posted revenue and FX rates (interfaces.md).

Control and primary billing files exist for every day from the start to end + 48 h (the tail the
order stream also runs for). Mess (`--mess-rate`): a junk row *added* to a day's file, for a key
that has no other row in it (a primary billing line with a non-numeric amount, a control total
with a negative count), so that quarantining it takes nothing away from either side of L1 / L2.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Collection, Iterable
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from billing_simulator.catalog import LIST_RATES
from billing_simulator.instants import date_of, day_stamp
from billing_simulator.lifecycle import Quota, ResourcePlan
from billing_simulator.money import CURRENCIES, format_decimal, round_half_away
from billing_simulator.reference_rater import EVENT_TYPES
from billing_simulator.seeding import rng_for
from billing_simulator.spill import BucketWriter, concatenate

CONTROL_HEADER = ["event_date", "account_id", "event_type", "event_count"]
PRIMARY_HEADER = ["usage_date", "account_id", "sku", "currency", "amount"]
FINANCE_HEADER = ["period", "account_id", "currency", "posted_revenue"]
FX_HEADER = ["period", "currency", "usd_per_unit"]
CSV_MALFORMED_KINDS = ("non_numeric_amount", "negative_count")  # primary billing, control totals
BAD_AMOUNTS = ("N/A", "#VALUE!", "12.5O", "", "-")
BAD_COUNTS = ("-1", "-2", "-7")


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


def malformed_rows(r: random.Random, rate: float, quota: Quota, days: list[date],
                   primary: Collection[tuple[date, str]], control: Counter,
                   skus: list[str]) -> tuple[dict[tuple[date, str], str], dict[tuple[date, str], str]]:
    """Junk rows for one account's feeds, `(day, sku) -> amount text` and `(day, event_type) -> count
    text`, each for a key with no row in that day's file and no line or event on the platform's side
    (`primary`: the keys of the primary lines and of the reference SO lines; `control`: the counted
    keys): quarantining the junk row changes no L1 / L2 comparison."""
    junk_primary: dict[tuple[date, str], str] = {}
    junk_control: dict[tuple[date, str], str] = {}
    rolls = {kind: r.random() for kind in CSV_MALFORMED_KINDS}
    for kind in CSV_MALFORMED_KINDS:
        if not (rate > 0 and (rolls[kind] < rate or quota.wants(kind))):
            continue
        day = r.choice(days)
        if kind == "non_numeric_amount":
            free = [sku for sku in skus if (day, sku) not in primary]
            if free:
                junk_primary[(day, r.choice(free))] = r.choice(BAD_AMOUNTS)
                quota.done(kind)
        else:
            free = [t for t in EVENT_TYPES if (day, t) not in control]
            if free:
                junk_control[(day, r.choice(free))] = r.choice(BAD_COUNTS)
                quota.done(kind)
    return junk_primary, junk_control


class DailyFeeds:
    """`orderstream_control_YYYYMMDD.csv` and `primary_billing_YYYYMMDD.csv`, one per day.

    A chunk of accounts writes its rows without headers into its own folder; `merge_daily_feeds`
    then puts the chunks together in account order. `rows` counts the chunk's rows per file and
    `tagged` holds `(file, row number within the chunk's part, kind, account)` of each junk row, so
    that its line in the merged file can be told once the parts before it are known.
    """

    def __init__(self, directory: Path) -> None:
        self.control = BucketWriter(lambda d: directory / control_name(d), limit=2_000_000)
        self.primary = BucketWriter(lambda d: directory / primary_name(d), limit=2_000_000)
        self.rows: Counter = Counter()
        self.tagged: list[tuple[str, int, str, str]] = []

    @property
    def control_rows(self) -> int:
        return sum(n for name, n in self.rows.items() if name.startswith("orderstream_control_"))

    @property
    def primary_rows(self) -> int:
        return sum(n for name, n in self.rows.items() if name.startswith("primary_billing_"))

    def add_control(self, account_id: str, counts: Counter, junk: dict[tuple[date, str], str] | None = None) -> None:
        rows = {key: (str(n), False) for key, n in counts.items()}
        rows.update({key: (text, True) for key, text in (junk or {}).items()})
        for (day, event_type), (count, bad) in sorted(rows.items()):
            name = control_name(day)
            self.control.write(day, _csv_line([day.isoformat(), account_id, event_type, count]))
            self.rows[name] += 1
            if bad:
                self.tagged.append((name, self.rows[name], "negative_count", account_id))

    def add_primary(self, account_id: str, currency: str, lines: dict[tuple[date, str], Decimal],
                    junk: dict[tuple[date, str], str] | None = None) -> None:
        by_day: dict[date, list[str]] = {}
        for (day, sku), amount in sorted(lines.items()):  # the hot path: plain text, nothing needs quoting
            by_day.setdefault(day, []).append(f"{day.isoformat()},{account_id},{sku},{currency},{amount:f}\n")
        for (day, sku), text in sorted((junk or {}).items()):  # in its place among the day's SKUs
            rows = by_day.setdefault(day, [])
            before = sum(1 for row in rows if row.split(",", 3)[2] < sku)
            rows.insert(before, _csv_line([day.isoformat(), account_id, sku, currency, text]))
            self.tagged.append((primary_name(day), self.rows[primary_name(day)] + before + 1,
                                "non_numeric_amount", account_id))
        for day, rows in by_day.items():
            self.primary.write(day, "".join(rows))
            self.rows[primary_name(day)] += len(rows)

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


def merged_line_numbers(parts: list[tuple[Counter, list[tuple[str, int, str, str]]]]) -> list[tuple[str, int, str, str]]:
    """`(file, line, kind, account)` of the junk rows in the merged files, from each chunk's
    `(rows per file, tagged rows)` in chunk order; the header is line 1."""
    before: Counter = Counter()
    out = []
    for rows, tagged in parts:
        out += [(name, 1 + before[name] + number, kind, account) for name, number, kind, account in tagged]
        before.update(rows)
    return out


def header_only(path: Path) -> bool:
    """A CSV file with its header and no data row."""
    with open(path, encoding="utf-8", newline="") as f:
        f.readline()
        return f.read(1) == ""


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
