"""The CSV feeds: header, raw table, column parsers and the key that must be unique within one file."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from itertools import repeat

from iaas_billing.landing import vocab
from iaas_billing.landing.records import Quarantined
from iaas_billing.landing.values import (
    FieldError,
    parse_choice,
    parse_count,
    parse_created_at,
    parse_date,
    parse_decimal,
    parse_period,
    shown,
)

Parser = Callable[[str, str], object]
_MISSING = "\x00"  # a field of a line with a wrong field count (a plain line holds no NUL)
_NO_ROW = {width: (_MISSING,) * width for width in range(1, 16)}  # stands for a line with a wrong field count


class NumberedLines(Sequence):
    """(line number, line) pairs kept as two flat lists: iterating zips them (no tuple kept per line)."""

    __slots__ = ("numbers", "lines")

    def __init__(self, numbers: Sequence[int], lines: list[str]) -> None:
        self.numbers = numbers
        self.lines = lines

    def __len__(self) -> int:
        return len(self.lines)

    def __iter__(self) -> Iterator[tuple[int, str]]:
        return zip(self.numbers, self.lines, strict=True)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return NumberedLines(self.numbers[index], self.lines[index])
        return self.numbers[index], self.lines[index]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"NumberedLines({list(self)!r})"


def text(value: str, field: str) -> str:
    """A non-empty CSV field (lines with NUL or bad UTF-8 never get this far)."""
    if value:
        return value
    raise FieldError("empty_field", f"{field} is empty")


def choice(allowed: frozenset[str], code: str) -> Parser:
    def parse(value: str, field: str) -> str:
        return value if value in allowed else parse_choice(value, field, allowed, code)
    return parse


def amount(value: str, field: str) -> Decimal:
    return parse_decimal(value, field)


def price(value: str, field: str) -> Decimal:
    result = parse_decimal(value, field)
    if result < 0:
        raise FieldError("negative_price", f"{field} is negative: {shown(value)}")
    return result


def idle_price(value: str, field: str) -> Decimal:
    return Decimal("0.000000") if value == "" else price(value, field)


def optional_text(value: str, field: str) -> str | None:
    """An optional CSV field: empty is null."""
    return value or None


def optional_count(value: str, field: str) -> int | None:
    """An optional non-negative integer: empty is null."""
    return None if value == "" else parse_count(value, field)


def tax_rate(value: str, field: str) -> Decimal:
    """A tax rate: a decimal fraction from 0 to 1 with at most 6 decimal places."""
    result = parse_decimal(value, field, max_decimals=vocab.TAX_RATE_MAX_DECIMALS, max_integer_digits=1)
    if not 0 <= result <= 1:
        raise FieldError("rate_out_of_range", f"{field} must be a fraction from 0 to 1: {shown(value)}")
    return result


def boolean(value: str, field: str) -> bool:
    if value == "true":
        return True
    if value == "false":
        return False
    raise FieldError("bad_boolean", f"{field} must be true or false: {shown(value)}")


def rate(value: str, field: str) -> Decimal:
    result = parse_decimal(value, field, max_decimals=vocab.FX_MAX_DECIMALS,
                           max_integer_digits=vocab.FX_MAX_INTEGER_DIGITS)
    if result <= 0:
        raise FieldError("non_positive_rate", f"{field} must be positive: {shown(value)}")
    return result


@dataclass(frozen=True)
class CsvFeed:
    kind: str
    table: str                                   # raw.<table>
    header: tuple[str, ...]
    columns: tuple[str, ...]                     # raw columns, in header order
    parsers: tuple[Parser, ...]
    key: tuple[str, ...]                         # unique within one file; a later duplicate is quarantined
    snapshot: bool                               # a newer version of the file name replaces the older one's rows
    copy_as_text: bool = False                   # a valid field's text is its Postgres input (dates, decimals, text)
    whole: bool = False                          # all or nothing: one bad row rejects the file (snapshots.py)
    dated: bool = False                          # raw rows carry snapshot_date, the file name's date
    expected_header: str | None = None           # the header(s) a wrong-header reason names, if not `header`

    def parse(self, fields: list[str]) -> tuple | list[FieldError]:
        try:
            return tuple([parser(value, field) for parser, value, field in zip(self.parsers, fields, self.header, strict=True)])
        except FieldError:
            pass
        problems = []
        for parser, value, field in zip(self.parsers, fields, self.header, strict=True):
            try:
                parser(value, field)
            except FieldError as exc:
                problems.append(exc)
        return problems

    def parse_columns(self, rows: list[list[str]]) -> list[tuple] | None:
        """Typed rows of a clean file, each distinct value of a column parsed once; None on any problem.

        A problem (a bad value or a repeated key) sends the file through parse() row by row instead,
        which names every problem; both give the same typed rows for a file without one.
        """
        columns = []
        for parser, field, values in zip(self.parsers, self.header, zip(*rows, strict=True), strict=True):
            try:
                parsed = {value: parser(value, field) for value in set(values)}
            except FieldError:
                return None
            columns.append(list(map(parsed.__getitem__, values)))
        typed = list(zip(*columns, strict=True))
        keys = self.key_positions
        if len({tuple([row[i] for i in keys]) for row in typed}) != len(typed):
            return None
        return typed

    def sort_plain(self, lines: list[str]) -> tuple[NumberedLines, list[Quarantined]]:
        """The lines of a plain file (parse_csv.read_plain) as (line number, line) to COPY as they are, and
        the quarantined ones with the same reasons record-by-record parsing gives. Each distinct text of a
        column is checked once, and the lines holding a bad one are found column by column; only those lines
        are parsed one by one (and every line only when a key repeats).

        No Python object that the garbage collector tracks is made per line (a tuple per line made the
        collector's young-generation passes ~40 % of the time of a 34 k-line file): the key of a line is its
        key fields joined by commas (a plain field holds no comma, so the text stands for the tuple), and the
        good lines come back as NumberedLines (two flat lists).
        """
        width = len(self.header)
        bad: set[int] = set()  # indexes into lines
        if set(map(str.count, lines, repeat(","))) == {width - 1}:  # every line has the header's field count
            fields = ",".join(lines).split(",")
            columns: list = [fields[i::width] for i in range(width)]
        else:
            rows = [line.split(",") for line in lines]
            bad.update(i for i, row in enumerate(rows) if len(row) != width)
            columns = list(zip(*(_NO_ROW[width] if i in bad else row for i, row in enumerate(rows)), strict=True))
        for parser, field, values in zip(self.parsers, self.header, columns, strict=True):
            invalid: set[str] = set()
            for value in set(values):
                if value is _MISSING:
                    continue
                try:
                    parser(value, field)
                except FieldError:
                    invalid.add(value)
            if invalid:
                bad.update(i for i, value in enumerate(values) if value in invalid)
        keys = list(map(",".join, zip(*(columns[i] for i in self.key_positions), strict=True)))
        if not bad and len(set(keys)) == len(keys):  # the common case: no loop over the lines
            return NumberedLines(range(2, len(lines) + 2), lines), []
        quarantined: list[Quarantined] = []
        if len({keys[i] for i in range(len(keys)) if i not in bad}) == len(lines) - len(bad):
            # no repeated key among the good lines: they are everything but the bad ones
            kept = [i for i in range(len(lines)) if i not in bad]
            quarantined = [self._careful(i + 2, lines[i], lines[i].split(",")) for i in sorted(bad)]
            return NumberedLines([i + 2 for i in kept], [lines[i] for i in kept]), quarantined
        numbers: list[int] = []
        good: list[str] = []
        first_line: dict[str, int] = {}
        for i, line in enumerate(lines):
            if i in bad:
                quarantined.append(self._careful(i + 2, line, line.split(",")))
                continue
            key = keys[i]
            if key in first_line:
                quarantined.append(Quarantined(i + 2, "duplicate_key",
                                               self.duplicate_reason(tuple(key.split(",")), first_line[key]), line))
                continue
            first_line[key] = i + 2
            numbers.append(i + 2)
            good.append(line)
        return NumberedLines(numbers, good), quarantined

    def _careful(self, number: int, line: str, row: list[str]) -> Quarantined:
        if not line.strip():
            return Quarantined(number, "blank_line", "blank line: expected a CSV record", line)
        if len(row) != len(self.header):
            return Quarantined(number, "wrong_column_count",
                               f"wrong number of fields: expected {len(self.header)}, got {len(row)}", line)
        problems = self.parse(row)
        return Quarantined(number, problems[0].code, "; ".join(p.message for p in problems), line)

    def duplicate_reason(self, key: tuple, first: int) -> str:
        return f"duplicate ({', '.join(self.key)}) = ({', '.join(str(k) for k in key)}): first at line {first}"

    def key_of(self, row: tuple) -> tuple:
        return tuple([row[i] for i in self.key_positions])

    @cached_property
    def key_positions(self) -> tuple[int, ...]:
        return tuple(self.columns.index(c) for c in self.key)


CATALOG = CsvFeed(
    kind="catalog", table="catalog_prices",
    header=("sku", "product_name", "category", "charge_type", "unit", "tenant", "currency", "unit_price",
            "idle_unit_price", "effective_from"),
    columns=("sku", "product_name", "category", "charge_type", "unit", "tenant", "currency", "unit_price",
             "idle_unit_price", "effective_from"),
    parsers=(text, text, text, choice(vocab.CHARGE_TYPES, "unknown_charge_type"), text,
             choice(vocab.TENANTS, "unknown_tenant"), choice(vocab.CURRENCIES, "unknown_currency"),
             price, idle_price, parse_date),
    key=("sku", "tenant", "currency", "effective_from"), snapshot=False)

ACCOUNTS = CsvFeed(
    kind="accounts", table="accounts",
    header=("account_id", "account_name", "country", "currency", "created_at"),
    columns=("account_id", "account_name", "country", "currency", "created_at"),
    parsers=(text, text, choice(vocab.COUNTRIES, "unknown_country"), choice(vocab.CURRENCIES, "unknown_currency"),
             parse_created_at),
    key=("account_id",), snapshot=False,
    expected_header="'account_id,account_name,country,currency,created_at' or "
                    "'account_id,account_name,country,currency,created_at,tax_id,payment_terms_days'")

# rules §9: an accounts file may also carry tax_id and payment_terms_days (both may be empty: null)
ACCOUNTS_WITH_TERMS = CsvFeed(
    kind="accounts", table="accounts",
    header=(*ACCOUNTS.header, "tax_id", "payment_terms_days"),
    columns=(*ACCOUNTS.columns, "tax_id", "payment_terms_days"),
    parsers=(*ACCOUNTS.parsers, optional_text, optional_count),
    key=("account_id",), snapshot=False)

CONTROL = CsvFeed(
    kind="control", table="orderstream_control",
    header=("event_date", "account_id", "event_type", "event_count"),
    columns=("event_date", "account_id", "event_type", "event_count"),
    parsers=(parse_date, text, choice(vocab.EVENT_TYPES, "unknown_event_type"), parse_count),
    key=("event_date", "account_id", "event_type"), snapshot=True, copy_as_text=True)

PRIMARY_BILLING = CsvFeed(
    kind="primary_billing", table="primary_billing",
    header=("usage_date", "account_id", "sku", "currency", "amount"),
    columns=("usage_date", "account_id", "sku", "currency", "amount"),
    parsers=(parse_date, text, text, choice(vocab.CURRENCIES, "unknown_currency"), amount),
    key=("usage_date", "account_id", "sku"), snapshot=True, copy_as_text=True)

FINANCE_GL = CsvFeed(
    kind="finance_gl", table="finance_gl",
    header=("period", "account_id", "currency", "posted_revenue"),
    columns=("period", "account_id", "currency", "posted_revenue"),
    parsers=(parse_period, text, choice(vocab.CURRENCIES, "unknown_currency"), amount),
    key=("period", "account_id"), snapshot=True)

FX_RATES = CsvFeed(
    kind="fx_rates", table="fx_rates",
    header=("period", "currency", "usd_per_unit"),
    columns=("period", "currency", "usd_per_unit"),
    parsers=(parse_period, choice(vocab.CURRENCIES, "unknown_currency"), rate),
    key=("period", "currency"), snapshot=True)

# rules §9: full snapshots from finance, each accepted whole or rejected whole (snapshots.py)
TAX_RATES = CsvFeed(
    kind="tax_rates", table="tax_rates",
    header=("country", "tax_name", "rate", "reverse_charge", "effective_from"),
    columns=("country", "tax_name", "rate", "reverse_charge", "effective_from"),
    parsers=(choice(vocab.COUNTRIES, "unknown_country"), text, tax_rate, boolean, parse_date),
    key=("country", "effective_from"), snapshot=True, whole=True, dated=True)

SALES_ENTITIES = CsvFeed(
    kind="sales_entities", table="sales_entities",
    header=("country", "legal_name", "address", "tax_registration_id"),
    columns=("country", "legal_name", "address", "tax_registration_id"),
    parsers=(choice(vocab.COUNTRIES, "unknown_country"), text, text, text),
    key=("country",), snapshot=True, whole=True, dated=True)

FEEDS = {feed.kind: feed for feed in (CATALOG, ACCOUNTS, CONTROL, PRIMARY_BILLING, FINANCE_GL, FX_RATES, TAX_RATES,
                                      SALES_ENTITIES)}
SNAPSHOT_TABLES = tuple(feed.table for feed in FEEDS.values() if feed.snapshot)


def feed_for(kind: str, data: bytes) -> CsvFeed:
    """The feed that reads a file of this kind: an accounts file whose header has the optional columns is read
    as ACCOUNTS_WITH_TERMS, any other as ACCOUNTS (whose wrong-header reason names both headers)."""
    if kind != "accounts":
        return FEEDS[kind]
    first = data.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", "replace").removeprefix("\ufeff")
    try:
        fields = next(csv.reader([first], strict=True), [])
    except csv.Error:
        return ACCOUNTS
    return ACCOUNTS_WITH_TERMS if tuple(fields) == ACCOUNTS_WITH_TERMS.header else ACCOUNTS
