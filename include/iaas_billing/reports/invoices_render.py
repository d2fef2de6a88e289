"""Renders each issued invoice of a period as HTML and PDF (Jinja2 template, Babel formatting, WeasyPrint)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent, get_currency_name
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

# Quantities print with at most this many decimals (rounded half away from zero); the exact figure stays in
# fct_invoice_lines.quantity and in the cell's title.
QUANTITY_DECIMALS = 2

INVOICES_SQL = """
select i.invoice_id, i.tenant, i.account_id, i.billing_period, i.currency, i.total_amount, i.line_count,
       i.issued_at, a.account_name, coalesce(i.country, a.country) as country, i.net_amount, i.tax_amount,
       i.gross_amount, i.payment_terms_days, i.due_date, i.issuer_legal_name, i.issuer_address,
       i.issuer_tax_registration_id, i.customer_tax_id, i.has_reverse_charge
from marts.fct_invoices as i
left join marts.dim_accounts as a on a.account_id = i.account_id
where i.billing_period = %s
order by i.tenant desc, i.invoice_id
"""
LINES_SQL = """
select l.invoice_id, l.sku, {product} as product_name, l.charge_type, l.rate_kind, l.unit_price, l.quantity,
       l.amount, l.adjusted_period, l.tax_name, l.tax_rate, l.is_reverse_charge
from marts.fct_invoice_lines as l
{join}
where l.billing_period = %s
order by l.invoice_id, l.adjusted_period nulls first, l.sku, l.rate_kind, l.unit_price
"""
TAXES_SQL = """
select invoice_id, tax_name, rate, is_reverse_charge, taxable_amount, tax_amount
from marts.fct_invoice_taxes
where billing_period = %s
order by invoice_id, is_reverse_charge, rate desc, tax_name
"""
NEEDED = ("marts.fct_invoices", "marts.fct_invoice_lines", "marts.fct_invoice_taxes", "marts.dim_accounts")


@dataclass
class Line:
    sku: str
    description: str
    quantity: str
    quantity_exact: str
    unit_price: str
    amount: str
    adjusted_period: str | None
    tax: str = ""


@dataclass
class AdjustmentGroup:
    """The adjustment lines of one earlier period, shown under that period."""

    period: str
    lines: list[Line]
    subtotal: str


@dataclass
class TaxLine:
    label: str
    taxable: str
    amount: str
    is_reverse_charge: bool
    tax_name: str


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
    adjustment_groups: list[AdjustmentGroup] = field(default_factory=list)
    subtotal: str = ""
    adjustments_subtotal: str = ""
    issue_date: str = ""
    due_date: str = ""
    payment_terms_days: int | None = None
    issuer_legal_name: str = ""
    issuer_address: list[str] = field(default_factory=list)
    issuer_tax_registration_id: str = ""
    customer_tax_id: str = ""
    net: str = ""
    taxes: list[TaxLine] = field(default_factory=list)
    tax_total: str = ""
    gross: str = ""
    reverse_charge_taxes: list[str] = field(default_factory=list)

    @property
    def is_invoice(self) -> bool:
        return self.tenant == "SO"


def _halfwidth_yen(text: str) -> str:
    """ja_JP writes U+FFE5 (fullwidth yen), missing from Latin fonts; U+00A5 is the same sign and prints anywhere."""
    return text.replace("\uffe5", "\u00a5")


def money(amount: Decimal, currency: str, locale: str) -> str:
    """An amount with the currency's symbol and minor units (JPY 0, BHD 3) in the locale's conventions."""
    return _halfwidth_yen(format_currency(amount, currency, locale=locale))


def unit_price(price: Decimal, currency: str, locale: str) -> str:
    """A rate with all its significant decimals, never fewer than the currency's minor units."""
    return _halfwidth_yen(format_currency(price, currency, locale=locale, decimal_quantization=False))


def exact_quantity(value: Decimal, locale: str) -> str:
    return format_decimal(value.normalize() if value == value.to_integral() else value, locale=locale,
                          decimal_quantization=False)


def quantity(value: Decimal, locale: str) -> str:
    """A quantity for reading: at most QUANTITY_DECIMALS decimals, half away from zero, no trailing zeros."""
    rounded = value.quantize(Decimal(1).scaleb(-QUANTITY_DECIMALS), rounding=ROUND_HALF_UP)
    return exact_quantity(rounded.normalize() if rounded != 0 else Decimal(0), locale)


def percent(rate: Decimal, locale: str) -> str:
    """A tax rate in the locale's percent format, all its decimals: 19 %, 8.1%."""
    return format_percent(rate, locale=locale, decimal_quantization=False)


def tax_label(tax_name: str, rate: Decimal, is_reverse_charge: bool, locale: str) -> str:
    if is_reverse_charge:
        return f"{tax_name}, reverse charge"
    return f"{tax_name} {percent(rate, locale)}"


def _period_label(period: date) -> str:
    return format_date(period, "MMMM yyyy", locale="en")


def _line(row: dict, currency: str, locale: str) -> Line:
    description = row["product_name"] or row["sku"]
    if row["rate_kind"] == "idle":
        description += " (idle rate: suspended or stopped)"
    description += f", {QUANTITY_UNITS.get(row['charge_type'], 'units')}"
    adjusted = row["adjusted_period"]
    tax = ""
    if row.get("tax_name") is not None:
        tax = tax_label(row["tax_name"], row["tax_rate"], bool(row["is_reverse_charge"]), locale)
    return Line(sku=row["sku"], description=description, quantity=quantity(row["quantity"], locale),
                quantity_exact=exact_quantity(row["quantity"], locale),
                unit_price=unit_price(row["unit_price"], currency, locale),
                amount=money(row["amount"], currency, locale),
                adjusted_period=_period_label(adjusted) if adjusted else None, tax=tax)


def _records(cur) -> list[dict]:
    names = [c.name for c in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _fetch(period: date, url: URL | None) -> tuple[list[dict], dict[str, list[dict]], dict[str, list[dict]]]:
    with db.connect(url) as conn:
        for needed in NEEDED:
            if not conn.execute("select to_regclass(%s) is not null", (needed,)).fetchone()[0]:
                raise BillingError(f"{needed} does not exist: run `iaas-billing run` to build the marts first")
        has_skus = conn.execute("select to_regclass('marts.dim_skus') is not null").fetchone()[0]
        invoices = _records(conn.execute(INVOICES_SQL, (period,)))
        lines_sql = LINES_SQL.format(
            product="s.product_name" if has_skus else "null::text",
            join="left join marts.dim_skus as s on s.sku = l.sku" if has_skus else "")
        lines: dict[str, list[dict]] = {}
        for row in _records(conn.execute(lines_sql, (period,))):
            lines.setdefault(row["invoice_id"], []).append(row)
        taxes: dict[str, list[dict]] = {}
        for row in _records(conn.execute(TAXES_SQL, (period,))):
            taxes.setdefault(row["invoice_id"], []).append(row)
    return invoices, lines, taxes


def _adjustment_groups(rows: list[dict], currency: str, locale: str) -> list[AdjustmentGroup]:
    groups: dict[date, list[dict]] = {}
    for row in rows:
        groups.setdefault(row["adjusted_period"], []).append(row)
    return [AdjustmentGroup(period=_period_label(p), lines=[_line(r, currency, locale) for r in groups[p]],
                            subtotal=money(sum((r["amount"] for r in groups[p]), Decimal(0)), currency, locale))
            for p in sorted(groups)]


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def build_documents(period: date, url: URL | None = None) -> list[Document]:
    """The period's issued invoices, formatted and ready for the template."""
    invoices, lines, taxes = _fetch(period, url)
    documents = []
    for inv in invoices:
        locale = COUNTRY_LOCALES.get(inv["country"] or "", DEFAULT_LOCALE)
        currency = inv["currency"]
        own = lines.get(inv["invoice_id"], [])
        regular = [r for r in own if r["adjusted_period"] is None]
        adjusting = [r for r in own if r["adjusted_period"] is not None]
        issued: datetime = inv["issued_at"]
        is_invoice = inv["tenant"] == "SO"
        net = inv["net_amount"] if inv["net_amount"] is not None else inv["total_amount"]
        doc = Document(
            invoice_id=inv["invoice_id"], tenant=inv["tenant"],
            title="Invoice" if is_invoice else "Cost statement",
            account_id=inv["account_id"], account_name=inv["account_name"] or inv["account_id"],
            country=inv["country"] or "", currency=currency,
            currency_name=get_currency_name(currency, locale="en"), locale=locale,
            period=_period_label(period), issued_at=issued.strftime("%Y-%m-%d %H:%M UTC") if issued else "",
            total=money(inv["total_amount"], currency, locale), total_amount=inv["total_amount"],
            lines=[_line(r, currency, locale) for r in regular],
            adjustments=[_line(r, currency, locale) for r in adjusting],
            adjustment_groups=_adjustment_groups(adjusting, currency, locale),
            subtotal=money(sum((r["amount"] for r in regular), Decimal(0)), currency, locale),
            adjustments_subtotal=money(sum((r["amount"] for r in adjusting), Decimal(0)), currency, locale),
            issue_date=_day(issued.astimezone(UTC).date()) if issued else "",
            net=money(net, currency, locale))
        if is_invoice:
            groups = taxes.get(inv["invoice_id"], [])
            doc.due_date = _day(inv["due_date"])
            doc.payment_terms_days = inv["payment_terms_days"]
            doc.issuer_legal_name = inv["issuer_legal_name"] or ""
            doc.issuer_address = [part.strip() for part in (inv["issuer_address"] or "").split(";") if part.strip()]
            doc.issuer_tax_registration_id = inv["issuer_tax_registration_id"] or ""
            doc.customer_tax_id = inv["customer_tax_id"] or ""
            doc.taxes = [TaxLine(label=tax_label(g["tax_name"], g["rate"], g["is_reverse_charge"], locale),
                                 taxable=money(g["taxable_amount"], currency, locale),
                                 amount=money(g["tax_amount"], currency, locale),
                                 is_reverse_charge=g["is_reverse_charge"], tax_name=g["tax_name"]) for g in groups]
            doc.tax_total = money(inv["tax_amount"], currency, locale)
            doc.gross = money(inv["gross_amount"], currency, locale)
            doc.reverse_charge_taxes = sorted({g["tax_name"] for g in groups if g["is_reverse_charge"]})
        documents.append(doc)
    return documents


def _environment() -> Environment:
    return Environment(loader=PackageLoader("iaas_billing.reports", "templates"), autoescape=select_autoescape(["html"]),
                       trim_blocks=True, lstrip_blocks=True)


def render_document(doc: Document) -> str:
    """One document's HTML (the PDF is laid out from the same HTML and CSS)."""
    return _environment().get_template("invoice.html.j2").render(doc=doc)


def write_pdf(html: str, path: Path, base: Path) -> None:
    """The same HTML and CSS, laid out by WeasyPrint (imported here: it loads the system's Pango)."""
    from weasyprint import HTML

    HTML(string=html, base_url=str(base)).write_pdf(path)


def render(period: date, out: Path, url: URL | None = None, *, pdf: bool = True) -> list[Path]:
    """Write out/<invoice_id>.html and .pdf for every issued invoice of the period, and out/index.html.

    Returns the HTML documents' paths (each one's PDF is beside it)."""
    documents = build_documents(period, url)
    if not documents:
        raise BillingError(f"no issued invoices for period {period:%Y-%m}: nothing to render")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for doc in documents:
        html = render_document(doc)
        path = out / f"{doc.invoice_id}.html"
        path.write_text(html, encoding="utf-8")
        if pdf:
            write_pdf(html, path.with_suffix(".pdf"), out)
        written.append(path)
    index = _environment().get_template("invoice_index.html.j2")
    (out / "index.html").write_text(index.render(documents=documents, period=_period_label(period), pdf=pdf),
                                    encoding="utf-8")
    return written
