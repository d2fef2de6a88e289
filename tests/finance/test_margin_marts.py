"""Margin marts (rules §7) on the hand-made world: values computed by hand in tests/finance/world.py."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tests.finance.conftest import connect
from tests.finance.world import OCT, SEP


def rows(url, query, *params):
    with connect(url) as conn:
        cur = conn.execute(query, params)
        return [dict(zip([c.name for c in cur.description], r, strict=True)) for r in cur.fetchall()]


@pytest.mark.rule("7.1")
def test_margin_per_account_and_sku_counts_adjustments_in_the_invoice_period(finance_url):
    got = rows(finance_url, "select * from marts.fct_margin_monthly where billing_period = %s and account_id = 'ACC-001'"
               " and sku = 'cpu.std.vcpu'", OCT)
    assert len(got) == 1
    row = got[0]
    # SO 59.52 + adjustment of September 0.96; HO 37.20 + 0.60
    assert (row["revenue"], row["cost"], row["margin"]) == (D("60.48"), D("37.80"), D("22.68"))
    assert row["margin_pct"] == D("0.375")
    assert (row["revenue_adjustments"], row["cost_adjustments"]) == (D("0.96"), D("0.60"))
    assert (row["country"], row["category"], row["currency"]) == ("US", "compute", "USD")
    assert (row["revenue_usd"], row["cost_usd"], row["margin_usd"]) == (D("60.48"), D("37.80"), D("22.68"))


@pytest.mark.rule("7.2")
def test_usd_uses_the_latest_rate_and_rounds_each_row_to_cents(finance_url):
    jpy = rows(finance_url, "select * from marts.fct_margin_monthly where account_id = 'ACC-002' order by billing_period, sku")
    # September: the second version of fx_rates_202609.csv (0.0068) wins: 4320 * 0.0068 = 29.376 -> 29.38
    assert (jpy[0]["billing_period"], jpy[0]["usd_per_unit"], jpy[0]["revenue_usd"]) == (SEP, D("0.0068"), D("29.38"))
    # October licence: 4800 * 0.0066 = 31.68, 6000 * 0.0066 = 39.60, margin -7.92, pct -1200 / 4800
    lic = [r for r in jpy if r["sku"] == "lic.win.core"][0]
    assert (lic["revenue_usd"], lic["cost_usd"], lic["margin_usd"], lic["margin_pct"]) == (
        D("31.68"), D("39.60"), D("-7.92"), D("-0.25"))
    bhd = rows(finance_url, "select * from marts.fct_margin_monthly where account_id = 'ACC-003' and sku = 'cpu.std.vcpu'")
    # 11.160 + 0.500 idle = 11.660 * 2.6596 = 31.010936 -> 31.01; 7.840 * 2.6596 = 20.851264 -> 20.85
    assert (bhd[0]["revenue"], bhd[0]["revenue_usd"], bhd[0]["cost_usd"]) == (D("11.660"), D("31.01"), D("20.85"))
    assert bhd[0]["margin_pct"] == D("0.327616")  # 3.820 / 11.660


@pytest.mark.rule("7.2")
def test_missing_rate_is_a_break_and_a_null_never_a_zero(finance_url):
    missing = rows(finance_url, "select * from intermediate.int_fx_rates_missing")
    assert [(m["billing_period"], m["currency"], m["line_count"], m["revenue"]) for m in missing] == [
        (SEP, "EUR", 2, D("7.20"))]
    eur_sep = rows(finance_url, "select * from marts.fct_margin_monthly where billing_period = %s and currency = 'EUR'", SEP)
    assert eur_sep[0]["revenue"] == D("7.20") and eur_sep[0]["revenue_usd"] is None
    total_sep = rows(finance_url, "select * from marts.fct_margin_usd_monthly where billing_period = %s and dimension = 'total'",
                     SEP)[0]
    assert total_sep["revenue_usd"] is None and total_sep["missing_fx_currencies"] == "EUR"


@pytest.mark.rule("7.2")
def test_consolidated_usd_by_country_category_and_total(finance_url):
    usd = {(r["dimension"], r["dimension_value"]): r for r in rows(
        finance_url, "select * from marts.fct_margin_usd_monthly where billing_period = %s", OCT)}
    # 60.48 + 29.76 + 10.00 + 29.46 + 31.68 + 31.01 + 5.05 + 3.89 + 54.00
    assert usd[("total", "all")]["revenue_usd"] == D("255.33")
    assert usd[("total", "all")]["cost_usd"] == D("240.52")
    assert usd[("total", "all")]["margin_usd"] == D("14.81")
    assert usd[("country", "DE")]["margin_usd"] == D("-30.89")  # (3.89 - 2.38) + (54.00 - 86.40)
    assert usd[("category", "storage")]["revenue_usd"] == D("15.05")  # 10.00 USD + 1.900 BHD -> 5.05
    local = rows(finance_url, "select * from marts.fct_margin_by_country_monthly where billing_period = %s"
                 " and country = 'JP'", OCT)[0]
    assert (local["currency"], local["revenue"], local["cost"], local["margin"]) == ("JPY", D("9264"), D("8976"), D("288"))


@pytest.mark.rule("7.1")
def test_loss_makers_are_the_accounts_and_skus_that_lost_money(finance_url):
    losses = rows(finance_url, "select subject_type, subject_id, currency, margin, loss_rank from"
                  " marts.fct_loss_makers_monthly where billing_period = %s order by subject_type, loss_rank", OCT)
    assert [(r["subject_type"], r["subject_id"], r["currency"], r["margin"], r["loss_rank"]) for r in losses] == [
        ("account", "ACC-004", "EUR", D("-28.60"), 1),
        ("sku", "setup.fee", "EUR", D("-30.00"), 1),      # -32.40 USD
        ("sku", "lic.win.core", "JPY", D("-1200"), 2),    # -7.92 USD
        ("sku", "stor.ssd.gb", "USD", D("-2.00"), 3),     # -2.00 USD; BHD storage made +0.400
    ]


def test_largest_accounts_are_ranked_by_usd_revenue(finance_url):
    ranked = rows(finance_url, "select account_id, revenue_rank from marts.fct_margin_by_account_monthly"
                  " where billing_period = %s order by revenue_rank", OCT)
    # USD revenue: ACC-001 100.24, ACC-002 61.14, ACC-004 57.89, ACC-003 36.06
    assert [r["account_id"] for r in ranked] == ["ACC-001", "ACC-002", "ACC-004", "ACC-003"]
