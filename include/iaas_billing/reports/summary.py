"""Turns a run's report into the few lines a person wants to read."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path


def run_summary(report) -> str:
    lines = [f"run as of {report.as_of.isoformat()}"]
    if report.landing is not None:
        lnd = report.landing
        not_read = f", {lnd.files_not_read} of them unchanged and not read again" if lnd.files_not_read else ""
        lines.append(f"  landed {lnd.files_landed} file(s) ({lnd.files_skipped} already processed{not_read}): "
                     f"{lnd.rows_loaded} rows loaded, {lnd.rows_quarantined} quarantined")
        for name in lnd.rejected_files:
            lines.append(f"  rejected: {name}")
        for name in lnd.new_versions:
            lines.append(f"  new version of: {name}")
    if report.dbt is not None:
        counts = ", ".join(f"{n} {k}" for k, n in sorted(report.dbt.counts.items()))
        lines.append(f"  dbt build: {counts}")
    for bill_run in report.bill_runs:
        lines.append(f"  {bill_run}")
    if report.recon is not None:
        lines.append(f"  {report.recon}")
    return "\n".join(lines)


# The demo's findings for one period, read from the marts only (tests/dbt/test_interface.py).
MARGIN_BY_CURRENCY_SQL = """
select currency, sum(revenue) as revenue, sum(cost) as cost, sum(margin) as margin,
       sum(margin_usd) as margin_usd, bool_and(margin_usd is not null) as is_usd_complete
from marts.fct_margin_monthly where billing_period = %s group by currency order by currency
"""
MARGIN_TOTAL_SQL = """
select revenue_usd, cost_usd, margin_usd, margin_pct from marts.fct_margin_usd_monthly
where billing_period = %s and dimension = 'total'
"""
ACCOUNTS_SQL = """
select account_id, country, currency, revenue, revenue_usd from marts.fct_margin_by_account_monthly
where billing_period = %s
"""
SO_INVOICES_SQL = """
select currency, count(*) as invoice_count, sum(net_amount) as net_amount, sum(tax_amount) as tax_amount,
       sum(gross_amount) as gross_amount
from marts.fct_invoices where tenant = 'SO' and billing_period = %s group by currency order by currency
"""
FOUND_SQL = """
select recon_level, break_type, count(*) filter (where status = 'open') as open_count,
       count(*) filter (where status <> 'open') as resolved_count
from marts.fct_reconciliation_breaks group by recon_level, break_type
"""


def margin_pct(margin: Decimal | None, revenue: Decimal | None) -> Decimal | None:
    """Margin / revenue (docs/rules.md), None where revenue is zero or unknown."""
    return None if margin is None or not revenue else margin / revenue


def margin_lines(by_currency: list[dict], total: dict | None) -> list[str]:
    """Revenue, cost, margin and margin % per currency (in it) with the margin in USD, then the total in USD."""
    from iaas_billing.reports.finance_report import local, pct, usd

    lines = [f"  {'currency':<9}{'revenue':>18}{'cost':>18}{'margin':>18}{'margin %':>10}{'margin, USD':>18}"]
    for r in by_currency:
        cur = r["currency"]
        lines.append(f"  {cur:<9}{local(r['revenue'], cur, None):>18}{local(r['cost'], cur, None):>18}"
                     f"{local(r['margin'], cur, None):>18}{pct(margin_pct(r['margin'], r['revenue'])):>10}"
                     f"{usd(r['margin_usd'] if r['is_usd_complete'] else None):>18}")
    if total is not None:
        lines.append(f"  {'total':<9}{usd(total['revenue_usd']):>18}{usd(total['cost_usd']):>18}"
                     f"{usd(total['margin_usd']):>18}{pct(total['margin_pct']):>10}{usd(total['margin_usd']):>18}")
    return lines


def invoice_lines(by_currency: list[dict]) -> list[str]:
    """The SO invoices issued for a period per currency: how many, net (the revenue), tax and gross (rules §9)."""
    from iaas_billing.reports.finance_report import local

    lines = [f"  {'currency':<9}{'invoices':>9}{'net':>18}{'tax':>18}{'gross':>18}"]
    for r in by_currency:
        cur = r["currency"]
        lines.append(f"  {cur:<9}{r['invoice_count']:>9}{local(r['net_amount'], cur, None):>18}"
                     f"{local(r['tax_amount'], cur, None):>18}{local(r['gross_amount'], cur, None):>18}")
    return lines


def largest_accounts(accounts: list[dict], top: int = 5) -> list[str]:
    """The `top` accounts by revenue in USD, the figure shown beside the revenue in the account's currency;
    an account whose USD figure is unknown (no rate) comes after every known one."""
    from iaas_billing.reports.finance_report import local, usd

    ranked = sorted(accounts, key=lambda r: (r["revenue_usd"] is None, -(r["revenue_usd"] or 0), r["account_id"]))
    return [f"  {r['account_id']:<14}{r['country'] or '':<4}{local(r['revenue'], r['currency'], None):>20}"
            f"{usd(r['revenue_usd']):>18}" for r in ranked[:top]]


def read_injected(truth: Path) -> dict[tuple[str, str], int] | None:
    """The simulator's injected discrepancies (DIR/truth/discrepancies.csv, read as data: the platform never
    imports the simulator), counted by level and break type; None when there is no truth (a real inbox)."""
    return _count(truth / "discrepancies.csv", "level")


def read_expected_open(truth: Path) -> dict[tuple[str, str], int] | None:
    """The breaks the truth expects open once the whole inbox is processed (DIR/truth/expected_breaks.csv):
    the injected discrepancies' breaks, and the data-quality ones the simulated anomalies make."""
    return _count(truth / "expected_breaks.csv", "recon_level", lambda row: row["status"] == "open")


def _count(path: Path, level_column: str, keep=lambda row: True) -> dict[tuple[str, str], int] | None:
    if not path.exists():
        return None
    counts: dict[tuple[str, str], int] = {}
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if keep(row):
                key = (_level(row[level_column]), row["break_type"])
                counts[key] = counts.get(key, 0) + 1
    return counts


def _level(level: str) -> str:
    """L1_PRIMARY_VS_SECONDARY and L1 alike -> L1; DATA_QUALITY -> DQ."""
    return "DQ" if level.upper().startswith(("DATA", "DQ")) else level.split("_", 1)[0].upper()


def discrepancy_lines(injected: dict[tuple[str, str], int] | None, found: list[dict],
                      expected: dict[tuple[str, str], int] | None = None) -> list[str]:
    """Injected (and the truth's expected open breaks) beside found, one line per level and break type that
    any side has ("-": no truth)."""
    by_key = {(_level(r["recon_level"]), r["break_type"]): r for r in found}
    lines = [f"  {'level':<6}{'break type':<28}{'injected':>9}{'expected open':>15}{'found open':>12}{'resolved':>10}"]

    def shown(counts, key) -> str:
        return "-" if counts is None else str(counts.get(key, 0))

    for key in sorted(set(injected or {}) | set(expected or {}) | set(by_key)):
        r = by_key.get(key, {})
        lines.append(f"  {key[0]:<6}{key[1]:<28}{shown(injected, key):>9}{shown(expected, key):>15}"
                     f"{r.get('open_count', 0):>12}{r.get('resolved_count', 0):>10}")
    if injected is not None:
        total = "-" if expected is None else str(sum(expected.values()))
        lines.append(f"  {'total':<34}{sum(injected.values()):>9}{total:>15}{sum(r['open_count'] for r in found):>12}"
                     f"{sum(r['resolved_count'] for r in found):>10}")
    return lines


def findings(period: date, truth: Path | None, url=None) -> str:
    """The demo's findings: margin per currency and in total, the largest accounts, discrepancies injected and found."""
    from iaas_billing.base import db

    with db.connect(url) as conn:
        def rows(sql: str, params=()) -> list[dict]:
            cur = conn.execute(sql, params)
            return [dict(zip([c.name for c in cur.description], r, strict=True)) for r in cur.fetchall()]

        by_currency = rows(MARGIN_BY_CURRENCY_SQL, (period,))
        total = next(iter(rows(MARGIN_TOTAL_SQL, (period,))), None)
        accounts = rows(ACCOUNTS_SQL, (period,))
        invoices = rows(SO_INVOICES_SQL, (period,))
        found = rows(FOUND_SQL)
    injected = read_injected(truth) if truth else None
    expected = read_expected_open(truth) if truth else None
    lines = [f"Margin {period:%Y-%m} (issued invoices; USD at finance's rate for the month):",
             *margin_lines(by_currency, total),
             f"\nSO invoices of {period:%Y-%m} (revenue is their net; tax is billed on top, rules §9):",
             *invoice_lines(invoices),
             f"\nFive largest accounts by revenue in USD ({period:%Y-%m}):", *largest_accounts(accounts),
             "\nDiscrepancies injected by the simulator (DIR/truth) beside the breaks the platform found:",
             *discrepancy_lines(injected, found, expected)]
    return "\n".join(lines)
