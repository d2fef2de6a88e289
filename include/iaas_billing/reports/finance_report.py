"""Renders the finance pack: one self-contained HTML page (inline SVG charts) from the finance marts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from html import escape
from pathlib import Path

from babel.dates import format_date
from babel.numbers import format_percent, get_currency_symbol
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy.engine import URL

from iaas_billing.base import db
from iaas_billing.base.errors import BillingError
from iaas_billing.reports.invoices_render import COUNTRY_LOCALES, DEFAULT_LOCALE, money

REQUIRED = ("fct_margin_usd_monthly", "fct_margin_by_country_monthly", "fct_margin_by_account_monthly",
            "fct_loss_makers_monthly")
# Reconciliation status of the period's breaks (business_date in the month), read straight from the break
# register's mart: a view built on it would be dropped (cascade) each time the reconciliation step rebuilds
# it. Amount at risk = sum of |difference| of the open breaks that are money (have a currency), also in USD
# at finance's rate for the period (USD itself 1; null where the rate is missing).
RECON_SQL = """
with breaks as (
    select recon_level, coalesce(currency, '') as currency, status, difference
    from marts.fct_reconciliation_breaks
    where business_date >= %(period)s and business_date < %(period)s::date + interval '1 month'
),

by_level as (
    select
        recon_level,
        currency,
        count(*) filter (where status = 'open') as open_break_count,
        count(*) filter (where status = 'resolved') as resolved_break_count,
        coalesce(sum(abs(difference)) filter (where status = 'open' and currency <> ''), 0) as amount_at_risk
    from breaks
    group by recon_level, currency
)

select
    by_level.*,
    case
        when by_level.currency = '' then 0
        else round(by_level.amount_at_risk
                   * coalesce(rates.usd_per_unit, case when by_level.currency = 'USD' then 1 end), 2)
    end as amount_at_risk_usd
from by_level
left join marts.fct_fx_rates_latest as rates
    on rates.billing_period = %(period)s and rates.currency = by_level.currency
order by by_level.recon_level, by_level.currency
"""
SERIES = (("revenue", "Revenue", "#2f6db5"), ("cost", "Cost", "#c7792b"), ("margin", "Margin", "#2e8b57"))
# What-if pricing scenarios run for the period (docs/pricing.md): read from the pricing marts where they exist.
WHATIF_SCENARIOS_SQL = """
select scenario, max(catalog_file) as catalog_file, max(scenario_created_at) as created_at
from marts.rpt_pricing_whatif where billing_period = %s group by scenario order by scenario
"""
WHATIF_TOP_ACCOUNTS = 5


def previous_period(period: date) -> date:
    return date(period.year - 1, 12, 1) if period.month == 1 else date(period.year, period.month - 1, 1)


# The pack sets currencies side by side, where a bare "$" (the symbol en_US gives USD, en_CA CAD, en_AU AUD,
# en_SG SGD) would be ambiguous: the dollar currencies get an explicit prefix, every other symbol is the
# locale's own (docs/finance.md).
DOLLAR_SYMBOLS = {"USD": "US$", "CAD": "CA$", "AUD": "A$", "SGD": "S$", "NZD": "NZ$", "HKD": "HK$"}


def _unambiguous(value: Decimal, currency: str, locale: str) -> str:
    text = money(value, currency, locale)
    symbol = DOLLAR_SYMBOLS.get(currency)
    if symbol is None or symbol in text:
        return text
    return text.replace(get_currency_symbol(currency, locale=locale), symbol, 1)


def usd(value: Decimal | None) -> str:
    return "n/a" if value is None else _unambiguous(value, "USD", "en_US")


def local(value: Decimal | None, currency: str, country: str | None) -> str:
    if value is None:
        return "n/a"
    return _unambiguous(value, currency, COUNTRY_LOCALES.get(country or "", DEFAULT_LOCALE))


def pct(value: Decimal | None) -> str:
    return "n/a" if value is None else format_percent(value, format="#,##0.0%", locale="en_US")


def change(now: Decimal | None, before: Decimal | None) -> str:
    """The change from before to now, in % of |before|; n/a when either is unknown or before is 0."""
    if now is None or before is None or before == 0:
        return "n/a"
    return format_percent((now - before) / abs(before), format="+#,##0.0%;-#,##0.0%", locale="en_US")


def bar_chart(groups: list[tuple[str, list[Decimal | None]]], title: str) -> Markup:
    """A horizontal grouped bar chart (revenue, cost, margin per group) as inline SVG; negatives go left."""
    row_h, bar_h, label_w, width, top = 58, 14, 150, 720, 34
    values = [abs(v) for _, vs in groups for v in vs if v is not None] or [Decimal(1)]
    has_negative = any(v is not None and v < 0 for _, vs in groups for v in vs)
    plot_w = width - label_w - 110
    zero_x = label_w + (plot_w * 0.3 if has_negative else 0)
    scale = (plot_w - (zero_x - label_w)) / float(max(values) or 1)
    height = top + row_h * len(groups) + 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
             f'viewBox="0 0 {width} {height}" width="100%" class="chart">',
             f'<text x="0" y="16" class="chart-title">{escape(title)}</text>']
    for i, (name, _, colour) in enumerate(SERIES):
        parts.append(f'<rect x="{label_w + i * 110}" y="22" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{label_w + i * 110 + 14}" y="31" class="legend">{name}</text>')
    for g, (label, vals) in enumerate(groups):
        y0 = top + g * row_h + 8
        parts.append(f'<text x="{label_w - 8}" y="{y0 + 1.5 * bar_h + 4}" text-anchor="end" class="label">'
                     f'{escape(label)}</text>')
        for s, value in enumerate(vals):
            y = y0 + s * (bar_h + 1)
            if value is None:
                parts.append(f'<text x="{zero_x + 4}" y="{y + bar_h - 3}" class="value">n/a (no FX rate)</text>')
                continue
            w = abs(float(value)) * scale
            x = zero_x - w if value < 0 else zero_x
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{max(w, 0.5):.1f}" height="{bar_h}" '
                         f'fill="{SERIES[s][2]}"><title>{SERIES[s][1]}: {usd(value)}</title></rect>')
            tx = (x + w + 4) if value >= 0 else (x - 4)
            anchor = "start" if value >= 0 else "end"
            parts.append(f'<text x="{tx:.1f}" y="{y + bar_h - 3}" text-anchor="{anchor}" class="value">'
                         f'{usd(value)}</text>')
    parts.append(f'<line x1="{zero_x}" y1="{top}" x2="{zero_x}" y2="{height - 6}" class="axis"/></svg>')
    return Markup("".join(parts))


def _rows(conn, query: str, params) -> list[dict]:
    cur = conn.execute(query, params)
    return [dict(zip([c.name for c in cur.description], r, strict=True)) for r in cur.fetchall()]


def _exists(conn, relation: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null", (relation,)).fetchone()[0]


def fetch(period: date, url: URL | None = None) -> dict:
    """Everything the pack shows, read from the finance marts (reconciliation only where it exists)."""
    prev = previous_period(period)
    with db.connect(url) as conn:
        missing = [m for m in REQUIRED if not _exists(conn, f"marts.{m}")]
        if missing:
            raise BillingError(f"marts.{missing[0]} does not exist: run `iaas-billing run` to build the marts first")
        usd_rows = _rows(conn, "select * from marts.fct_margin_usd_monthly where billing_period in (%s, %s)",
                         (period, prev))
        data = {
            "usd": {(r["billing_period"], r["dimension"], r["dimension_value"]): r for r in usd_rows},
            "countries": _rows(conn, "select * from marts.fct_margin_by_country_monthly where billing_period = %s "
                                     "order by revenue_usd desc nulls last, country", (period,)),
            "accounts": _rows(conn, "select * from marts.fct_margin_by_account_monthly where billing_period = %s "
                                    "and revenue_rank <= 10 order by revenue_rank", (period,)),
            "losses": _rows(conn, "select * from marts.fct_loss_makers_monthly where billing_period = %s "
                                  "order by subject_type, loss_rank limit 20", (period,)),
            "missing_fx": _rows(conn, "select * from marts.fct_fx_rates_missing where billing_period in "
                                      "(%s, %s) order by billing_period, currency", (period, prev))
            if _exists(conn, "marts.fct_fx_rates_missing") else [],
            "recon": _rows(conn, RECON_SQL, {"period": period})
            if _exists(conn, "marts.fct_reconciliation_breaks") else None,
            "whatif": _whatif_rows(conn, period),
        }
    return data


def _whatif_rows(conn, period: date) -> list[dict]:
    """Each what-if scenario of the period: USD roll-ups, each country in its currency, the top rising accounts."""
    if not all(_exists(conn, f"marts.{m}") for m in ("rpt_pricing_whatif", "rpt_pricing_whatif_usd",
                                                      "rpt_pricing_whatif_by_dimension", "rpt_pricing_whatif_accounts")):
        return []
    scenarios = _rows(conn, WHATIF_SCENARIOS_SQL, (period,))
    for s in scenarios:
        params = {"s": s["scenario"], "p": period, "top": WHATIF_TOP_ACCOUNTS}
        where = "where scenario = %(s)s and billing_period = %(p)s"
        s["usd"] = _rows(conn, f"select * from marts.rpt_pricing_whatif_usd {where}", params)
        s["countries"] = _rows(conn, f"select * from marts.rpt_pricing_whatif_by_dimension {where}"
                                     " and dimension = 'country' order by dimension_value", params)
        s["accounts"] = _rows(conn, f"select * from marts.rpt_pricing_whatif_accounts {where} and bill_change > 0"
                                    " and rise_rank <= %(top)s order by rise_rank", params)
    return scenarios


def _signed_usd(value: Decimal | None) -> str:
    return "n/a" if value is None else ("+" if value > 0 else "") + usd(value)


def _whatif_context(scenarios: list[dict]) -> list[dict]:
    """The what-if sections, formatted: headline in USD, by country (currency and USD), by category, top rises."""
    out = []
    for s in scenarios:
        total = next((r for r in s["usd"] if r["dimension"] == "total"), None)
        categories = sorted((r for r in s["usd"] if r["dimension"] == "category"),
                            key=lambda r: (r["revenue_change_usd"] is None, -abs(r["revenue_change_usd"] or 0),
                                           r["dimension_value"]))
        out.append({
            "name": s["scenario"], "catalog_file": s["catalog_file"],
            "created_at": s["created_at"].astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "revenue": usd(total["revenue_current_usd"]) if total else "n/a",
            "revenue_proposed": usd(total["revenue_proposed_usd"]) if total else "n/a",
            "revenue_change": change(total["revenue_proposed_usd"], total["revenue_current_usd"]) if total else "n/a",
            "margin": usd(total["margin_current_usd"]) if total else "n/a",
            "margin_proposed": usd(total["margin_proposed_usd"]) if total else "n/a",
            "margin_change": _signed_usd(total["margin_change_usd"]) if total else "n/a",
            "missing_fx": total["missing_fx_currencies"] if total else None,
            "countries": [{"country": r["dimension_value"], "currency": r["currency"],
                           "revenue": local(r["revenue_current"], r["currency"], r["dimension_value"]),
                           "revenue_proposed": local(r["revenue_proposed"], r["currency"], r["dimension_value"]),
                           "revenue_change": local(r["revenue_change"], r["currency"], r["dimension_value"]),
                           "margin_change": local(r["margin_change"], r["currency"], r["dimension_value"]),
                           "revenue_change_usd": usd(r["revenue_change_usd"]),
                           "margin_change_usd": usd(r["margin_change_usd"]),
                           "negative": r["revenue_change"] < 0} for r in s["countries"]],
            "categories": [{"category": r["dimension_value"], "revenue": usd(r["revenue_current_usd"]),
                            "revenue_proposed": usd(r["revenue_proposed_usd"]),
                            "revenue_change": usd(r["revenue_change_usd"]), "pct": pct(r["revenue_change_pct"]),
                            "margin_change": usd(r["margin_change_usd"]),
                            "negative": (r["revenue_change_usd"] or 0) < 0} for r in categories],
            "accounts": [{"account_id": r["account_id"], "country": r["country"],
                          "bill": local(r["bill_current"], r["currency"], r["country"]),
                          "bill_proposed": local(r["bill_proposed"], r["currency"], r["country"]),
                          "change": local(r["bill_change"], r["currency"], r["country"]),
                          "pct": pct(r["bill_change_pct"]), "change_usd": usd(r["bill_change_usd"])}
                         for r in s["accounts"]],
        })
    return out


def build(period: date, url: URL | None = None) -> dict:
    """The template's context: headline figures, charts and tables, formatted."""
    data = fetch(period, url)
    prev = previous_period(period)
    total = data["usd"].get((period, "total", "all"))
    if total is None:
        raise BillingError(f"no issued invoices for period {period:%Y-%m}: no finance pack to write")
    before = data["usd"].get((prev, "total", "all"))

    def dims(p: date, dimension: str) -> list[dict]:
        rows = [r for (bp, d, _), r in data["usd"].items() if bp == p and d == dimension]
        return sorted(rows, key=lambda r: (r["revenue_usd"] is None, -(r["revenue_usd"] or 0), r["dimension_value"]))

    def chart(dimension: str, title: str) -> Markup:
        groups = [(r["dimension_value"], [r["revenue_usd"], r["cost_usd"], r["margin_usd"]])
                  for r in dims(period, dimension)]
        return bar_chart(groups, title)

    # No previous month (the first one invoiced): its comparisons are left out, not shown as n/a. A previous
    # month whose USD total is unknown (a missing rate) still shows n/a, beside the missing-rate warning.
    headline = []
    for key, label in (("revenue_usd", "Revenue"), ("cost_usd", "Cost"), ("margin_usd", "Margin")):
        now = total[key]
        headline.append({"label": label, "now": usd(now), "before": usd(before[key]) if before else None,
                         "change": change(now, before[key]) if before else ""})
    headline.append({"label": "Margin %", "now": pct(total["margin_pct"]),
                     "before": pct(before["margin_pct"]) if before else None, "change": ""})
    comparison = []
    for row in dims(period, "country") if before else []:
        was = data["usd"].get((prev, "country", row["dimension_value"]))
        comparison.append({"country": row["dimension_value"], "revenue": usd(row["revenue_usd"]),
                           "revenue_before": usd(was["revenue_usd"]) if was else "",
                           "change": change(row["revenue_usd"], was["revenue_usd"]) if was else "new",
                           "margin": usd(row["margin_usd"]), "margin_before": usd(was["margin_usd"]) if was else ""})
    recon = None
    if data["recon"] is not None:
        recon = {"rows": [{**r, "amount": local(r["amount_at_risk"], r["currency"], None) if r["currency"] else "",
                           "amount_usd": usd(r["amount_at_risk_usd"]) if r["currency"] else ""}
                          for r in data["recon"]],
                 "open": sum(r["open_break_count"] for r in data["recon"]),
                 "resolved": sum(r["resolved_break_count"] for r in data["recon"])}
        known = [r["amount_at_risk_usd"] for r in data["recon"] if r["currency"]]
        recon["at_risk_usd"] = usd(sum(known, Decimal(0))) if None not in known else "n/a (missing FX rate)"
    return {
        "period": format_date(period, "MMMM yyyy", locale="en"),
        "previous": format_date(prev, "MMMM yyyy", locale="en"),
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "headline": headline,
        "usd_complete": total["is_usd_complete"],
        "missing_fx": data["missing_fx"],
        "chart_country": chart("country", "By country, USD"),
        "chart_category": chart("category", "By category, USD"),
        "comparison": comparison,
        "countries": [{**r, "revenue_f": local(r["revenue"], r["currency"], r["country"]),
                       "cost_f": local(r["cost"], r["currency"], r["country"]),
                       "margin_f": local(r["margin"], r["currency"], r["country"]),
                       "pct_f": pct(r["margin_pct"]), "margin_usd_f": usd(r["margin_usd"])}
                      for r in data["countries"]],
        "accounts": [{**r, "revenue_f": local(r["revenue"], r["currency"], r["country"]),
                      "margin_f": local(r["margin"], r["currency"], r["country"]),
                      "revenue_usd_f": usd(r["revenue_usd"]), "pct_f": pct(r["margin_pct"])}
                     for r in data["accounts"]],
        "losses": [{**r, "margin_f": local(r["margin"], r["currency"], r["country"]),
                    "margin_usd_f": usd(r["margin_usd"]), "pct_f": pct(r["margin_pct"])} for r in data["losses"]],
        "recon": recon,
        "whatif": _whatif_context(data["whatif"]),
    }


def render(period: date, out: Path, url: URL | None = None) -> Path:
    """Write out/finance_pack_YYYY-MM.html and return its path."""
    context = build(period, url)
    env = Environment(loader=PackageLoader("iaas_billing.reports", "templates"), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    out.mkdir(parents=True, exist_ok=True)
    page = out / f"finance_pack_{period:%Y-%m}.html"
    page.write_text(env.get_template("finance_pack.html.j2").render(**context), encoding="utf-8")
    return page
