"""`iaas-billing invoices preview`: one account's draft invoice to date, as the bill run would issue it now.

The lines are the bill run's own (the interface marts fct_invoice_lines_due and fct_invoices_due, exposure
`invoice_preview`), read for the account's open periods (dim_billing_periods); nothing is recomputed or
written. They are as of the last dbt build's clock (rated_through_at).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.engine import URL

from iaas_billing.base import db
from iaas_billing.base.errors import BillingError

LINES_SQL = """
select l.invoice_id, l.line_number, l.billing_period, l.sku, s.product_name, l.charge_type, l.rate_kind,
       l.unit_price, l.quantity, l.currency, l.amount, l.adjusted_period
from marts.fct_invoice_lines_due as l
left join marts.dim_skus as s on s.sku = l.sku
where l.tenant = %(tenant)s and l.account_id = %(account)s and l.billing_period = %(period)s
order by l.line_number
"""
INVOICE_SQL = """
select invoice_id, currency, total_amount, line_count, adjustment_line_count, tax_amount, gross_amount,
       is_missing_tax_rate, is_missing_issuer
from marts.fct_invoices_due
where tenant = %(tenant)s and account_id = %(account)s and billing_period = %(period)s
"""
TAXES_SQL = """
select tax_name, rate, is_reverse_charge, taxable_amount, tax_amount, line_count
from marts.fct_invoice_taxes_due
where invoice_id = %(invoice_id)s
order by is_reverse_charge, rate desc, tax_name
"""
TENANTS = {"SO": "sales office: the customer's invoice", "HO": "head office: the cost statement"}


@dataclass
class Draft:
    """The draft invoice of one account, tenant and open period."""

    tenant: str
    account_id: str
    account_name: str | None
    country: str | None
    currency: str | None
    billing_period: date
    rated_through_at: datetime
    period_end_at: datetime
    due_at: datetime  # the period's end plus the grace: the bill run closes it from then (rules 5.1)
    invoice_id: str | None = None
    total_amount: Decimal | None = None
    lines: list[dict] = field(default_factory=list)
    taxes: list[dict] = field(default_factory=list)  # SO: the tax groups as the bill run would issue them (§9.4)
    invoice: dict = field(default_factory=dict)


def _rows(conn, query: str, params) -> list[dict]:
    cur = conn.execute(query, params)
    return [dict(zip([c.name for c in cur.description], r, strict=True)) for r in cur.fetchall()]


def fetch(account: str, tenant: str = "SO", period: date | None = None, url: URL | None = None) -> list[Draft]:
    """The account's draft of every open period (or of `period`), oldest first."""
    with db.connect(url, autocommit=True) as conn:
        if conn.execute("select to_regclass('marts.fct_invoice_lines_due') is null").fetchone()[0]:
            raise BillingError("the billing models are not built yet: run `iaas-billing run` first")
        known = _rows(conn, "select account_name, country, currency from marts.dim_accounts where account_id = %s",
                      (account,))
        if not known:
            raise BillingError(f"account {account!r} is not in the accounts master (marts.dim_accounts)")
        periods = _rows(conn, "select billing_period, is_closed, rated_through_at, period_end_at, due_at"
                              " from marts.dim_billing_periods order by billing_period", ())
        if period is not None:
            chosen = [p for p in periods if p["billing_period"] == period]
            if not chosen:
                raise BillingError(f"period {period:%Y-%m} is not a billing period yet (no event that early, "
                                   "or later than the last build's clock)")
            if chosen[0]["is_closed"]:
                raise BillingError(f"period {period:%Y-%m} is closed: its invoice is issued "
                                   "(`iaas-billing invoices render`)")
        else:
            chosen = [p for p in periods if not p["is_closed"]]
        drafts = []
        for p in chosen:
            params = {"tenant": tenant, "account": account, "period": p["billing_period"]}
            draft = Draft(tenant, account, known[0]["account_name"], known[0]["country"], known[0]["currency"],
                          p["billing_period"], p["rated_through_at"], p["period_end_at"], p["due_at"])
            draft.lines = _rows(conn, LINES_SQL, params)
            invoice = _rows(conn, INVOICE_SQL, params)
            if invoice:
                draft.invoice = invoice[0]
                draft.invoice_id, draft.total_amount = invoice[0]["invoice_id"], invoice[0]["total_amount"]
                draft.taxes = _rows(conn, TAXES_SQL, {"invoice_id": draft.invoice_id})
            drafts.append(draft)
    return drafts


def _quantity(value: Decimal) -> str:
    return f"{value:,.6f}"


def render(drafts: list[Draft]) -> str:
    """The drafts as text: header, regular lines, adjustments, total."""
    if not drafts:
        return "no open billing period: every period is closed (see `iaas-billing invoices render`)"
    out: list[str] = []
    for d in drafts:
        if out:
            out.append("")
        header = (f"DRAFT {d.tenant} invoice, {d.billing_period:%Y-%m}, account {d.account_id}"
                  f"{' ' + d.account_name if d.account_name else ''} ({d.country}, {d.currency}); not issued")
        if d.rated_through_at < d.period_end_at:
            to_date = f"charges to {d.rated_through_at:%Y-%m-%d %H:%M} UTC (the last build's clock)"
        else:
            to_date = f"charges to the period's end (built at {d.rated_through_at:%Y-%m-%d %H:%M} UTC)"
        out += [header, f"  tenant {d.tenant} ({TENANTS.get(d.tenant, d.tenant)})",
                f"  {to_date}; the bill run closes the period from {d.due_at:%Y-%m-%d %H:%M} UTC"]
        if not d.lines:
            out.append("  no charges yet")
            continue
        out.append(f"  provisional number {d.invoice_id} (numbers are given in account order at the close)")
        table = [["#", "sku", "product", "charge", "rate", "quantity", "unit price", "amount", "adjusts"]]
        for line in d.lines:
            table.append([str(line["line_number"]), line["sku"], line["product_name"] or "", line["charge_type"],
                          line["rate_kind"], _quantity(line["quantity"]), str(line["unit_price"]),
                          f"{line['amount']:,}", f"{line['adjusted_period']:%Y-%m}" if line["adjusted_period"] else ""])
        widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
        for row in table:
            cells = [c.ljust(w) if i in (1, 2, 3, 4, 8) else c.rjust(w)
                     for i, (c, w) in enumerate(zip(row, widths, strict=True))]
            out.append("  " + "  ".join(cells).rstrip())
        out.append(f"  total {d.total_amount:,} {d.currency} ({len(d.lines)} line{'s' if len(d.lines) != 1 else ''},"
                   f" {sum(1 for x in d.lines if x['adjusted_period'])} adjustment(s))")
        if d.tenant == "SO":
            out += _tax_lines(d)
    return "\n".join(out)


def _tax_lines(d: Draft) -> list[str]:
    """The SO draft's tax groups and gross (rules §9.4), or why it cannot be taxed yet (§9.6)."""
    out = []
    for tax in d.taxes:
        label = (f"{tax['tax_name']} reverse charge (the customer accounts for the tax)" if tax["is_reverse_charge"]
                 else f"{tax['tax_name']} {tax['rate'] * 100:g} %")
        out.append(f"  {label} on {tax['taxable_amount']:,}: {tax['tax_amount']:,} {d.currency}")
    if d.invoice.get("is_missing_tax_rate"):
        out.append(f"  tax: no rate in force for {d.country}: the period cannot be closed until a tax_rates snapshot"
                   " gives one")
    if d.invoice.get("is_missing_issuer"):
        out.append(f"  issuer: no sales entity for {d.country}: the period cannot be closed until a sales_entities"
                   " snapshot names one")
    if d.invoice:
        out.append(f"  gross {d.invoice['gross_amount']:,} {d.currency} (net {d.total_amount:,}"
                   f" + tax {d.invoice['tax_amount']:,})")
    return out
