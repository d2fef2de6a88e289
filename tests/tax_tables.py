"""The tax tables a test world needs to close a period with SO lines (rules §9): a tax rate snapshot and the
sales entities, for the 12 countries, as inbox files."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

# country -> (tax_name, rate, reverse_charge), in force from EFFECTIVE_FROM
RATES: dict[str, tuple[str, Decimal, bool]] = {
    "US": ("Sales tax", Decimal("0.07"), False),
    "CA": ("GST", Decimal("0.05"), False),
    "GB": ("VAT", Decimal("0.20"), False),
    "DE": ("VAT", Decimal("0.19"), True),
    "CH": ("VAT", Decimal("0.081"), False),
    "SE": ("VAT", Decimal("0.25"), True),
    "JP": ("Consumption tax", Decimal("0.10"), False),
    "SG": ("GST", Decimal("0.09"), False),
    "IN": ("GST", Decimal("0.18"), False),
    "AE": ("VAT", Decimal("0.05"), False),
    "BH": ("VAT", Decimal("0.10"), False),
    "AU": ("GST", Decimal("0.10"), False),
}
EFFECTIVE_FROM = "2020-01-01"
SNAPSHOT = "20260101"

TAX_HEADER = "country,tax_name,rate,reverse_charge,effective_from"
ENTITY_HEADER = "country,legal_name,address,tax_registration_id"


def tax_rates_csv(rows: list[tuple[str, str, str, str, str]] | None = None, countries=None) -> str:
    """A tax_rates file: the given rows, else the standard table (of `countries`, default all 12)."""
    if rows is None:
        rows = [(c, name, str(rate), "true" if rc else "false", EFFECTIVE_FROM)
                for c, (name, rate, rc) in sorted(RATES.items()) if countries is None or c in countries]
    return "\n".join([TAX_HEADER, *(",".join(r) for r in rows)]) + "\n"


def entity(country: str) -> tuple[str, str, str, str]:
    return (country, f"Cloud Sales {country} Ltd", f"1 Market Street; {country}-1000 Capital",
            f"{country}-TAX-{ord(country[0]) * 100 + ord(country[1])}")


def sales_entities_csv(countries=None) -> str:
    rows = [entity(c) for c in sorted(RATES) if countries is None or c in countries]
    return "\n".join([ENTITY_HEADER, *(",".join(r) for r in rows)]) + "\n"


def write(inbox: Path, snapshot: str = SNAPSHOT, *, countries=None, entities: bool = True) -> None:
    """Drop tax_rates_<snapshot>.csv and sales_entities_<snapshot>.csv into an inbox folder."""
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / f"tax_rates_{snapshot}.csv").write_text(tax_rates_csv(countries=countries), encoding="utf-8")
    if entities:
        (inbox / f"sales_entities_{snapshot}.csv").write_text(sales_entities_csv(countries), encoding="utf-8")
