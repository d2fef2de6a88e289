"""Field parsers shared by every feed: decimals, dates, RFC 3339 UTC instants, closed vocabularies."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache

from iaas_billing.landing import vocab

# [0-9] and not \d: Python's \d also matches other scripts' digits.
_DECIMAL_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?\Z")
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_PERIOD_TEXT = re.compile(r"([0-9]{4})-([0-9]{2})\Z")
_INTEGER_TEXT = re.compile(r"-?[0-9]+\Z")
_RFC3339_UTC = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?:[Zz]|[+-]00:00)\Z")


class FieldError(ValueError):
    """One broken field: a reason code (for grouping) and a sentence that names the field and value."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def shown(value: object, limit: int = 60) -> str:
    """A value as it appears in a reason: repr, cut to a readable length."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_text(value: object, field: str) -> str:
    """A non-empty string that Postgres can store (no NUL, no lone surrogate)."""
    if type(value) is not str:
        raise FieldError("mistyped_field", f"{field} must be a string, got {json_type(value)} {shown(value)}")
    if not value:
        raise FieldError("empty_field", f"{field} is empty")
    if "\x00" in value:
        raise FieldError("bad_text", f"{field} contains a NUL character")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise FieldError("bad_text", f"{field} contains an invalid unicode escape") from None
    return value


def json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | Decimal | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def check_decimal(value: Decimal, field: str, *, max_decimals: int = vocab.MAX_DECIMALS,
                  max_integer_digits: int = vocab.MAX_INTEGER_DIGITS, text: str | None = None) -> Decimal:
    """Scale and magnitude limits of the raw numeric columns."""
    if not value.is_finite():
        raise FieldError("bad_number", f"{field} is not a finite number: {shown(text or str(value))}")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > max_decimals:
        # Trailing zeros (1.5000000) carry no information beyond the limit; real digits do.
        if value != value.quantize(Decimal(1).scaleb(-max_decimals)):
            raise FieldError("too_many_decimals",
                             f"{field} has more than {max_decimals} decimal places: {shown(text or str(value))}")
        value = value.quantize(Decimal(1).scaleb(-max_decimals))
    if value.adjusted() >= max_integer_digits:
        raise FieldError("out_of_range", f"{field} is too large: {shown(text or str(value))}")
    return value


@lru_cache(maxsize=8)
def _within_limits(max_decimals: int, max_integer_digits: int) -> re.Pattern:
    """A decimal that parse_decimal accepts as it is: at most max_integer_digits significant integer digits,
    at most max_decimals decimals (zeros after them allowed)."""
    return re.compile(rf"-?0*[0-9]{{1,{max_integer_digits}}}(?:\.[0-9]{{1,{max_decimals}}}0*)?\Z")


def parse_decimal(text: str, field: str, *, max_decimals: int = vocab.MAX_DECIMALS,
                  max_integer_digits: int = vocab.MAX_INTEGER_DIGITS) -> Decimal:
    """A plain decimal written as digits with an optional sign and point (no exponent, no spaces).

    Decimal places beyond the limit are allowed only when they are zeros (1.5000000 is 1.5).
    """
    if _within_limits(max_decimals, max_integer_digits).match(text):  # the common case, one regex
        return Decimal(text)
    if not _DECIMAL_TEXT.match(text):
        raise FieldError("bad_number", f"{field} is not a decimal number: {shown(text)}")
    point = text.find(".")
    if point >= 0 and len(text) - point - 1 > max_decimals:
        if len(text.rstrip("0")) - point - 1 > max_decimals:
            raise FieldError("too_many_decimals",
                             f"{field} has more than {max_decimals} decimal places: {shown(text)}")
    integer = (text[:point] if point >= 0 else text).lstrip("-").lstrip("0")
    if len(integer) > max_integer_digits:
        raise FieldError("out_of_range", f"{field} is too large: {shown(text)}")
    return Decimal(text)


def parse_count(text: str, field: str) -> int:
    if not _INTEGER_TEXT.match(text):
        raise FieldError("bad_number", f"{field} is not an integer: {shown(text)}")
    value = int(text)
    if value < 0:
        raise FieldError("out_of_range", f"{field} is negative: {shown(text)}")
    if value > vocab.INT32_MAX:
        raise FieldError("out_of_range", f"{field} is too large: {shown(text)}")
    return value


_dates: dict[str, date] = {}


def parse_date(text: str, field: str) -> date:
    """A calendar date YYYY-MM-DD (valid dates cached: a file repeats a few)."""
    value = _dates.get(text)
    if value is not None:
        return value
    if _DATE_TEXT.match(text):
        try:
            value = date.fromisoformat(text)
        except ValueError:
            pass
        else:
            if len(_dates) < 100_000:
                _dates[text] = value
            return value
    raise FieldError("bad_date", f"{field} is not a date YYYY-MM-DD: {shown(text)}")


def parse_period(text: str, field: str) -> date:
    """A billing period YYYY-MM, as its first day."""
    match = _PERIOD_TEXT.match(text)
    if match and 1 <= int(match.group(2)) <= 12 and int(match.group(1)) >= 1:
        return date(int(match.group(1)), int(match.group(2)), 1)
    raise FieldError("bad_period", f"{field} is not a period YYYY-MM: {shown(text)}")


def parse_utc_instant(text: object, field: str) -> datetime:
    """An RFC 3339 timestamp in UTC (Z or +00:00), at most microsecond precision."""
    if type(text) is not str:
        raise FieldError("mistyped_field", f"{field} must be an RFC 3339 string, got {json_type(text)} {shown(text)}")
    if _RFC3339_UTC.match(text):
        try:
            value = datetime.fromisoformat(text.upper().replace("Z", "+00:00").replace("-00:00", "+00:00"))
        except ValueError:
            pass
        else:
            return value.astimezone(UTC)
    raise FieldError("bad_timestamp", f"{field} is not an RFC 3339 UTC timestamp: {shown(text)}")


def parse_created_at(text: str, field: str) -> datetime:
    """An accounts timestamp: RFC 3339 UTC, or a plain date meaning 00:00 UTC."""
    if _DATE_TEXT.match(text):
        day = parse_date(text, field)
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    return parse_utc_instant(text, field)


def parse_choice(text: str, field: str, allowed: frozenset[str], code: str) -> str:
    if text not in allowed:
        raise FieldError(code, f"unknown {field} {shown(text)} (expected one of {', '.join(sorted(allowed))})")
    return text
