"""Currencies of the 12 countries and the one rounding rule: half away from zero to the minor unit."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

# country -> (currency, minor units), rules §1.2
COUNTRIES: dict[str, tuple[str, int]] = {
    "US": ("USD", 2), "CA": ("CAD", 2), "GB": ("GBP", 2), "DE": ("EUR", 2),
    "CH": ("CHF", 2), "SE": ("SEK", 2), "JP": ("JPY", 0), "SG": ("SGD", 2),
    "IN": ("INR", 2), "AE": ("AED", 2), "BH": ("BHD", 3), "AU": ("AUD", 2),
}
MINOR_UNITS: dict[str, int] = {currency: minor for currency, minor in COUNTRIES.values()}
CURRENCIES: tuple[str, ...] = tuple(sorted(MINOR_UNITS))


def round_ratio(numerator: int, denominator: int, places: int) -> Decimal:
    """`numerator / denominator` (denominator > 0) rounded half away from zero to `places` decimals."""
    whole, rest = divmod(abs(numerator) * 10**places, denominator)
    if 2 * rest >= denominator:
        whole += 1
    return Decimal(-whole if numerator < 0 else whole).scaleb(-places)


def round_half_away(value: Fraction | int, places: int) -> Decimal:
    """`value` rounded half away from zero to `places` decimals, exactly (no float, no context)."""
    value = Fraction(value)
    return round_ratio(value.numerator, value.denominator, places)


def round_money(value: Fraction | int, currency: str) -> Decimal:
    """`value` rounded once to the currency's minor units (JPY 0, BHD 3, the others 2)."""
    return round_half_away(value, MINOR_UNITS[currency])


def format_decimal(value: Decimal) -> str:
    """Plain notation, never an exponent (`0E-2` prints as `0.00`)."""
    return f"{value:f}"
