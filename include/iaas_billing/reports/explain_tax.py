"""`iaas-billing explain --invoice`: how each tax line of an SO invoice was computed (rules §9), from the marts.

The tax groups are read from marts.fct_invoice_taxes as issued; the lines each group covers from
marts.fct_invoice_lines (their tax_name, tax_rate, is_reverse_charge). What is computed here is only the
arithmetic shown to the reader: the sum of the covered lines, that sum times the rate exactly, and its
rounding half away from zero to the currency's minor units, each set beside the issued figure (a
difference is flagged, never hidden).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import get_currency_precision
from sqlalchemy.engine import URL

from iaas_billing.base import db
from iaas_billing.base.errors import BillingError

# The column of fct_invoice_lines that would name the tax rate row applied (its effective_from); read when present.
EFFECTIVE_FROM_COLUMN = "tax_effective_from_date"

TAXES_SQL = """
select tax_name, rate, is_reverse_charge, taxable_amount, tax_amount
from marts.fct_invoice_taxes
where invoice_id = %s
order by is_reverse_charge, rate desc, tax_name
"""
LINES_SQL = """
select line_number, sku, amount, billing_period, adjusted_period, tax_name, tax_rate, is_reverse_charge{extra}
from marts.fct_invoice_lines
where invoice_id = %s
order by line_number
"""


@dataclass
class TaxGroup:
    tax: dict                                      # fct_invoice_taxes row, as issued
    lines: list[dict] = field(default_factory=list)  # the fct_invoice_lines it covers

    @property
    def line_sum(self) -> Decimal:
        return sum((Decimal(r["amount"]) for r in self.lines), Decimal(0))


@dataclass
class TaxExplanation:
    invoice: dict
    minor_units: int
    groups: list[TaxGroup]
    uncovered: list[dict]                          # lines no group covers (should be none)
    has_effective_from: bool


def _rows(conn, query: str, params=()) -> list[dict]:
    cur = conn.execute(query, params)
    names = [c.name for c in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _exists(conn, relation: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null", (relation,)).fetchone()[0]


def _minor_units(conn, currency: str) -> int:
    """From marts.dim_currencies (the project's currency table); CLDR's where that view is not built."""
    if _exists(conn, "marts.dim_currencies"):
        row = conn.execute("select minor_units from marts.dim_currencies where currency = %s", (currency,)).fetchone()
        if row is not None:
            return int(row[0])
    return get_currency_precision(currency)


def covers(tax: dict, line: dict) -> bool:
    """A line is in a group by its tax name and reverse charge, and, unless reverse charge (rate 0), its rate."""
    if line["tax_name"] != tax["tax_name"] or bool(line["is_reverse_charge"]) != bool(tax["is_reverse_charge"]):
        return False
    return bool(tax["is_reverse_charge"]) or Decimal(line["tax_rate"]) == Decimal(tax["rate"])


def fetch_taxes(invoice_id: str, url: URL | None = None, conn=None) -> TaxExplanation | None:
    """The invoice's tax groups and the lines each covers; None for an HO statement (no tax applies)."""
    if conn is None:
        with db.connect(url, autocommit=True) as own:
            return fetch_taxes(invoice_id, conn=own)
    if not _exists(conn, "marts.fct_invoice_taxes"):
        raise BillingError("marts.fct_invoice_taxes does not exist yet: run `iaas-billing run` (the dbt build) first")
    invoices = _rows(conn, "select * from marts.fct_invoices where invoice_id = %s", (invoice_id,))
    if not invoices:
        raise BillingError(f"invoice {invoice_id!r} is not issued (not in marts.fct_invoices)")
    invoice = invoices[0]
    if invoice["tenant"] != "SO":
        return None
    columns = {r[0] for r in conn.execute(
        "select column_name from information_schema.columns where table_schema = 'marts'"
        " and table_name = 'fct_invoice_lines'").fetchall()}
    has_effective_from = EFFECTIVE_FROM_COLUMN in columns
    lines = _rows(conn, LINES_SQL.format(extra=f", {EFFECTIVE_FROM_COLUMN}" if has_effective_from else ""),
                  (invoice_id,))
    groups = [TaxGroup(tax) for tax in _rows(conn, TAXES_SQL, (invoice_id,))]
    uncovered = []
    for line in lines:
        group = next((g for g in groups if covers(g.tax, line)), None)
        (group.lines if group else uncovered).append(line)
    return TaxExplanation(invoice=invoice, minor_units=_minor_units(conn, invoice["currency"]), groups=groups,
                          uncovered=uncovered, has_effective_from=has_effective_from)


def round_half_away(value: Decimal, minor_units: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-minor_units), rounding=ROUND_HALF_UP)


def _plain(value) -> str:
    """A decimal as written, without exponent or trailing zeros (0.0725, 99.28, 7.1978)."""
    d = Decimal(value)
    return "0" if d == 0 else format(d.normalize(), "f")


def _money(value, minor_units: int) -> str:
    return f"{Decimal(value):.{minor_units}f}"


def _last_day(period: date) -> date:
    following = date(period.year + period.month // 12, period.month % 12 + 1, 1)
    return following - timedelta(days=1)


def _percent(rate) -> str:
    return _plain(Decimal(rate) * 100) + " %"


def _rate_source(expl: TaxExplanation, period: date, own: bool, lines: list[dict]) -> str:
    country = expl.invoice.get("country") or "the account's country"
    why = ("the invoice's own period" if own
           else "an adjustment: the rate of the period it adjusts, not of the invoice's")
    text = f"{period:%Y-%m} ({why}): the rate of {country} in force on {_last_day(period)}"
    if expl.has_effective_from:
        starts = sorted({r[EFFECTIVE_FROM_COLUMN] for r in lines if r[EFFECTIVE_FROM_COLUMN] is not None})
        text += ", the rate row effective from " + (", ".join(str(s) for s in starts) if starts else "(none)")
    return text


def render_taxes(expl: TaxExplanation) -> list[str]:
    inv, mu = expl.invoice, expl.minor_units
    cur = inv["currency"]
    out = [f"tax (rules §9): one tax line per rate, each rounded once, half away from zero, to {mu} decimal(s)"
           f" ({cur}'s minor units)"]
    for number, group in enumerate(expl.groups, start=1):
        tax = group.tax
        if tax["is_reverse_charge"]:
            head = f"{tax['tax_name']}, reverse charge: rate 0 (the customer, tax ID {inv.get('customer_tax_id')},"
            head += " accounts for the tax)"
        else:
            head = f"{tax['tax_name']} {_percent(tax['rate'])}: rate {_plain(tax['rate'])}, not reverse charge"
        out.append(f"  tax line {number}: {head}")
        by_period: dict[tuple[date, bool], list[dict]] = {}
        for line in group.lines:
            own = line["adjusted_period"] is None
            by_period.setdefault((line["adjusted_period"] or line["billing_period"], own), []).append(line)
        out.append(f"    covers {len(group.lines)} line(s):")
        for (period, own), lines in sorted(by_period.items(), key=lambda kv: kv[0][0], reverse=True):
            numbers = ", ".join(str(r["line_number"]) for r in lines)
            out.append(f"      line(s) {numbers}: charges of {_rate_source(expl, period, own, lines)}")
        if not expl.has_effective_from:
            out.append(f"      (the rate row's effective_from is not in the marts: fct_invoice_lines has no"
                       f" {EFFECTIVE_FROM_COLUMN})")
        terms = " + ".join(_money(r["amount"], mu) for r in group.lines) or "0"
        line_sum = group.line_sum
        taxable = Decimal(tax["taxable_amount"])
        check = "" if line_sum == taxable else f"  !! the lines add up to {_money(line_sum, mu)}"
        out.append(f"    taxable sum: {terms} = {_money(taxable, mu)} {cur}{check}")
        rate = Decimal(0) if tax["is_reverse_charge"] else Decimal(tax["rate"])
        exact = taxable * rate
        rounded = round_half_away(exact, mu)
        issued = Decimal(tax["tax_amount"])
        half = " (exactly half a minor unit: away from zero)" if abs(exact - rounded) * 10 ** mu == Decimal(
            "0.5") else ""
        out.append(f"    {_money(taxable, mu)} x {_plain(rate)} = {_plain(exact)} exactly")
        note = "" if rounded == issued else f"  !! issued {_money(issued, mu)}, the rule gives {_money(rounded, mu)}"
        out.append(f"    rounded half away from zero to {mu} decimal(s): {_money(rounded, mu)}{half}"
                   f" -> tax {_money(issued, mu)} {cur}{note}")
    for line in expl.uncovered:
        out.append(f"  !! line {line['line_number']} ({line['sku']}) is in no tax line"
                   f" (tax_name {line['tax_name']}, rate {line['tax_rate']})")
    tax_sum = sum((Decimal(g.tax["tax_amount"]) for g in expl.groups), Decimal(0))
    out.append(f"  net {_money(inv['net_amount'], mu)} + tax {_money(inv['tax_amount'], mu)}"
               f" = gross {_money(inv['gross_amount'], mu)} {cur}"
               + ("" if tax_sum == Decimal(inv["tax_amount"]) else f"  !! the tax lines add up to {_money(tax_sum, mu)}")
               + ("" if Decimal(inv["net_amount"]) + Decimal(inv["tax_amount"]) == Decimal(inv["gross_amount"])
                  else "  !! net + tax is not gross"))
    if inv.get("due_date"):
        out.append(f"  due {inv['due_date']}: issued {inv['issued_at'].astimezone(UTC):%Y-%m-%d} (UTC)"
                   f" + {inv['payment_terms_days']} days' terms")
    return out
