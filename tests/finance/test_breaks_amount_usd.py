"""marts.fct_reconciliation_breaks.amount_usd: the open breaks of a month sum to the finance pack's amount at risk."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from iaas_billing.base import dbt_runner
from iaas_billing.reports import finance_report
from tests.finance import world
from tests.finance.conftest import connect

# October rates of the world: JPY 0.0066, EUR 1.08, BHD 2.6596 (USD 1 without a row).
# (break_id, level, currency, difference, status): each alone rounds to a sum the pack does not show:
# JPY -144, 1, -1 -> 0.9504 + 0.0066 + 0.0066 = 0.9636 -> 0.96 (each alone: 0.95 + 0.01 + 0.01 = 0.97);
# EUR 4 x 0.05 -> 4 x 0.054 = 0.216 -> 0.22 (each alone: 4 x 0.05 = 0.20); BHD 0.125 -> 0.33245 -> 0.33;
# USD -10.00; a count break (no amount); a resolved USD break (not at risk). Pack: 0.96 + 0.22 + 0.33 + 10.
BREAKS = [
    ("j1", "L1_PRIMARY_VS_SECONDARY", "JPY", D("-144"), "open"),
    ("j2", "L1_PRIMARY_VS_SECONDARY", "JPY", D("1"), "open"),
    ("j3", "L1_PRIMARY_VS_SECONDARY", "JPY", D("-1"), "open"),
    ("e1", "L1_PRIMARY_VS_SECONDARY", "EUR", D("0.05"), "open"),
    ("e2", "L1_PRIMARY_VS_SECONDARY", "EUR", D("0.05"), "open"),
    ("e3", "L1_PRIMARY_VS_SECONDARY", "EUR", D("-0.05"), "open"),
    ("e4", "L1_PRIMARY_VS_SECONDARY", "EUR", D("0.05"), "open"),
    ("b1", "L1_PRIMARY_VS_SECONDARY", "BHD", D("0.125"), "open"),
    ("u1", "L3_FINANCE_VS_ORDERSTREAM", "USD", D("-10.00"), "open"),
    ("c1", "L2_ORDERSTREAM_VS_BILLING", None, D("-3"), "open"),
    ("u2", "L1_PRIMARY_VS_SECONDARY", "USD", D("-0.06"), "resolved"),
]


@pytest.fixture(scope="module")
def breaks_url(databases):
    url = databases.create("breaks_usd")
    with connect(url) as conn:
        world.load_inputs(conn)
        run_id = conn.execute("insert into audit.recon_runs (as_of, levels) values ('2026-11-01 02:00+00', '{}')"
                              " returning run_id").fetchone()[0]
        for n, (break_id, level, currency, difference, status) in enumerate(BREAKS):
            conn.execute(
                "insert into audit.reconciliation_breaks (break_id, recon_level, break_type, break_key,"
                " business_date, difference, currency, status, detected_at, last_seen_at, resolved_at, first_run_id)"
                " values (%s, %s, 'amount_mismatch', %s, %s, %s, %s, %s, '2026-11-01 02:00+00',"
                " '2026-11-01 02:00+00', case when %s = 'resolved' then timestamptz '2026-11-01 02:00+00' end, %s)",
                (break_id, level, break_id, date(2026, 10, 1 + n), difference, currency, status, status, run_id))
    dbt_runner.run_dbt(["run", "--select", "+fct_reconciliation_breaks", "fct_fx_rates_latest"], url=url)
    return url


def test_open_breaks_amount_usd_sums_to_what_the_pack_prints(breaks_url):
    with connect(breaks_url) as conn:
        pack_rows = finance_report._rows(conn, finance_report.RECON_SQL, {"period": date(2026, 10, 1)})
        mart = dict(conn.execute("select break_id, amount_usd from marts.fct_reconciliation_breaks").fetchall())
        open_sum = conn.execute("select sum(amount_usd) from marts.fct_reconciliation_breaks"
                                " where status = 'open'").fetchone()[0]
    # what the pack prints: the sum of its rows' amount_at_risk_usd (finance_report.build)
    printed = finance_report.usd(sum((r["amount_at_risk_usd"] for r in pack_rows if r["currency"]), D(0)))
    assert printed == "US$11.51"
    assert finance_report.usd(open_sum) == printed
    # rounding each break alone would print a cent less: the test can tell the two apart
    alone = sum(round(abs(d) * {"JPY": D("0.0066"), "EUR": D("1.08"), "BHD": D("2.6596"), "USD": D(1)}[c], 2)
                for _, _, c, d, s in BREAKS if c and s == "open")
    assert alone == D("11.50")
    # per level and currency too, and no break more than a cent from its own rounding
    assert mart["c1"] is None and mart["u1"] == D("10.00") and mart["u2"] == D("0.06") and mart["b1"] == D("0.33")
    assert sum(mart[b] for b in ("j1", "j2", "j3")) == D("0.96")
    assert sum(mart[b] for b in ("e1", "e2", "e3", "e4")) == D("0.22")
    assert sorted(mart[b] for b in ("e1", "e2", "e3", "e4")) == [D("0.05"), D("0.05"), D("0.06"), D("0.06")]
    assert sorted(mart[b] for b in ("j1", "j2", "j3")) == [D("0.00"), D("0.01"), D("0.95")]
