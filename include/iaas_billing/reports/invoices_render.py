"""Renders one printable HTML document per issued invoice of a period (Jinja2 template, Babel formatting)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, get_currency_name
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.engine import URL

from iaas_billing.base import db
from iaas_billing.base.errors import BillingError

# The locale whose conventions format an account's amounts, per country (docs/finance.md). The
# documents are in English; Bahrain takes CLDR's plain English (it has no en_BH, and ar_BH's
# right-to-left symbol garbles inside an English line): "BHD13.560".
COUNTRY_LOCALES = {
    "US": "en_US", "CA": "en_CA", "GB": "en_GB", "DE": "de_DE", "CH": "de_CH", "SE": "sv_SE",
    "JP": "ja_JP", "SG": "en_SG", "IN": "en_IN", "AE": "en_AE", "BH": "en", "AU": "en_AU",
}
DEFAULT_LOCALE = "en_US"
QUANTITY_UNITS = {"hourly": "unit-hours", "monthly": "unit-months", "annual": "units (12-month term)",
                  "one_time": "units"}

INVOICES_SQL = """
select i.invoice_id, i.tenant, i.account_id, i.billing_period, i.currency, i.total_amount, i.line_count,
       i.issued_at, a.account_name, a.country
from marts.fct_invoices as i
left join marts.dim_accounts as a on a.account_id = i.account_id
where i.billing_period = %s
order by i.tenant desc, i.invoice_id
"""
LINES_SQL = """
select l.invoice_id, l.sku, {product} as product_name, l.charge_type, l.rate_kind, l.unit_price, l.quantity,
       l.amount, l.adjusted_period
from marts.fct_invoice_lines as l
{join}
where l.billing_period = %s
order by l.invoice_id, l.adjusted_period nulls first, l.sku, l.rate_kind, l.unit_price
"""


@dataclass
class Line:
    sku: str
    description: str
    quantity: str
    unit_price: str
    amount: str
    adjusted_period: str | None


@dataclass
class Document:
    invoice_id: str
    tenant: str
    title: str
    account_id: str
    account_name: str
    country: str
    currency: str
    currency_name: str
    locale: str
    period: str
    issued_at: str
    total: str
    total_amount: Decimal
    lines: list[Line] = field(default_factory=list)
    adjustments: list[Line] = field(default_factory=list)
    subtotal: str = ""
    adjustments_subtotal: str = ""


def _halfwidth_yen(text: str) -> str:
    """ja_JP writes U+FFE5 (fullwidth yen), missing from Latin fonts; U+00A5 is the same sign and prints anywhere."""
    return text.replace("\uffe5", "\u00a5")


def money(amount: Decimal, currency: str, locale: str) -> str:
    """An amount with the currency's symbol and minor units (JPY 0, BHD 3) in the locale's conventions."""
    return _halfwidth_yen(format_currency(amount, currency, locale=locale))


def unit_price(price: Decimal, currency: str, locale: str) -> str:
    """A rate with all its significant decimals, never fewer than the currency's minor units."""
    return _halfwidth_yen(format_currency(price, currency, locale=locale, decimal_quantization=False))


def quantity(value: Decimal, locale: str) -> str:
    return format_decimal(value.normalize() if value == value.to_integral() else value, locale=locale,
                          decimal_quantization=False)


def _period_label(period: date) -> str:
    return format_date(period, "MMMM yyyy", locale="en")


def _line(row: dict, currency: str, locale: str) -> Line:
    description = row["product_name"] or row["sku"]
    if row["rate_kind"] == "idle":
        description += " (idle rate: suspended or stopped)"
    description += f", {QUANTITY_UNITS.get(row['charge_type'], 'units')}"
    adjusted = row["adjusted_period"]
    return Line(sku=row["sku"], description=description, quantity=quantity(row["quantity"], locale),
                unit_price=unit_price(row["unit_price"], currency, locale),
                amount=money(row["amount"], currency, locale),
                adjusted_period=_period_label(adjusted) if adjusted else None)


def _fetch(period: date, url: URL | None) -> tuple[list[dict], dict[str, list[dict]]]:
    with db.connect(url) as conn:
        for needed in ("marts.fct_invoices", "marts.fct_invoice_lines", "marts.dim_accounts"):
            if not conn.execute("select to_regclass(%s) is not null", (needed,)).fetchone()[0]:
                raise BillingError(f"{needed} does not exist: run `iaas-billing run` to build the marts first")
        has_skus = conn.execute("select to_regclass('marts.dim_skus') is not null").fetchone()[0]
        cur = conn.execute(INVOICES_SQL, (period,))
        invoices = [dict(zip([c.name for c in cur.description], r, strict=True)) for r in cur.fetchall()]
        lines_sql = LINES_SQL.format(
            product="s.product_name" if has_skus else "null::text",
            join="left join marts.dim_skus as s on s.sku = l.sku" if has_skus else "")
        cur = conn.execute(lines_sql, (period,))
        lines: dict[str, list[dict]] = {}
        for r in cur.fetchall():
            row = dict(zip([c.name for c in cur.description], r, strict=True))
            lines.setdefault(row["invoice_id"], []).append(row)
    return invoices, lines


def build_documents(period: date, url: URL | None = None) -> list[Document]:
    """The period's issued invoices, formatted and ready for the template."""
    invoices, lines = _fetch(period, url)
    documents = []
    for inv in invoices:
        locale = COUNTRY_LOCALES.get(inv["country"] or "", DEFAULT_LOCALE)
        currency = inv["currency"]
        own = lines.get(inv["invoice_id"], [])
        regular = [r for r in own if r["adjusted_period"] is None]
        adjusting = [r for r in own if r["adjusted_period"] is not None]
        issued: datetime = inv["issued_at"]
        documents.append(Document(
            invoice_id=inv["invoice_id"], tenant=inv["tenant"],
            title="Invoice" if inv["tenant"] == "SO" else "Cost statement (head office)",
            account_id=inv["account_id"], account_name=inv["account_name"] or inv["account_id"],
            country=inv["country"] or "", currency=currency,
            currency_name=get_currency_name(currency, locale="en"), locale=locale,
            period=_period_label(period), issued_at=issued.strftime("%Y-%m-%d %H:%M UTC") if issued else "",
            total=money(inv["total_amount"], currency, locale), total_amount=inv["total_amount"],
            lines=[_line(r, currency, locale) for r in regular],
            adjustments=[_line(r, currency, locale) for r in adjusting],
            subtotal=money(sum((r["amount"] for r in regular), Decimal(0)), currency, locale),
            adjustments_subtotal=money(sum((r["amount"] for r in adjusting), Decimal(0)), currency, locale),
        ))
    return documents


def _environment() -> Environment:
    return Environment(loader=PackageLoader("iaas_billing.reports", "templates"), autoescape=select_autoescape(["html"]),
                       trim_blocks=True, lstrip_blocks=True)


def render(period: date, out: Path, url: URL | None = None) -> list[Path]:
    """Write out/<invoice_id>.html for every issued invoice of the period, and out/index.html."""
    documents = build_documents(period, url)
    if not documents:
        raise BillingError(f"no issued invoices for period {period:%Y-%m}: nothing to render")
    out.mkdir(parents=True, exist_ok=True)
    env = _environment()
    template = env.get_template("invoice.html.j2")
    written = []
    for doc in documents:
        path = out / f"{doc.invoice_id}.html"
        path.write_text(template.render(doc=doc), encoding="utf-8")
        written.append(path)
    index = env.get_template("invoice_index.html.j2")
    (out / "index.html").write_text(index.render(documents=documents, period=_period_label(period)),
                                    encoding="utf-8")
    return written
