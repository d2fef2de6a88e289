"""Pricing decisions on a hand-made world (tests/pricing/world.py), with real dbt builds shared by the module.

`iaas-billing whatif` on closed October, with hand-computed figures. October as issued (by hand, as in
tests/rating/test_bill_run.py): ACC-1 (USD) vm-1 {cpu 2, disk 10, setup 1} running 504 h, suspended 240 h: cpu
1008 unit-hours x 0.05 = 50.40 (HO x 0.02 = 20.16); disk running 504/744 x 10 x 0.10 = 0.677.. -> 0.68 and idle
240/744 x 10 x 0.10 = 0.322.. -> 0.32 (HO 0.27 + 0.13); setup 1 x 50.00 (HO 30.00). ACC-2 (JPY) cpu 396 h x 7.3 =
2890.8 -> 2891 (HO x 3.1 = 1227.6 -> 1228); lic 12000 (HO 5000). ACC-3 (BHD) cpu 1036770 s x 0.0185 / 3600 =
5.3278.. -> 5.328 (HO x 0.007 = 2.0159.. -> 2.016).

Then unbilled revenue (marts.fct_unbilled_revenue) and `iaas-billing invoices preview`: at October's end, and in
the middle of November after November's events.
"""

from __future__ import annotations

import re
from decimal import Decimal

from .conftest import query, run_cli
from .world import END_OF_OCTOBER, NOV, NOV_CLOCK, OCT

D = Decimal
ISSUED = {  # (account, sku): (SO revenue, HO cost) issued for October
    ("ACC-1", "cpu"): (D("50.40"), D("20.16")),
    ("ACC-1", "disk"): (D("1.00"), D("0.40")),
    ("ACC-1", "setup"): (D("50.00"), D("30.00")),
    ("ACC-2", "cpu"): (D("2891"), D("1228")),
    ("ACC-2", "lic"): (D("12000"), D("5000")),
    ("ACC-3", "cpu"): (D("5.328"), D("2.016")),
}
# cpu's SO prices +10 %: 1008 x 0.055 = 55.44; 396 x 8.03 = 3179.88 -> 3180; 1036770 x 0.02035 / 3600 =
# 5.86063.. -> 5.861. Nothing else changes.
CPU_PLUS_10 = {("ACC-1", "cpu"): D("55.44"), ("ACC-2", "cpu"): D("3180"), ("ACC-3", "cpu"): D("5.861")}


def _rows(scenarios, name: str) -> dict[tuple[str, str], tuple]:
    """{(account, sku): (revenue_current, revenue_proposed, cost_current, cost_proposed, revenue_issued, cost_issued)}"""
    return {(r[2], r[4]): r[7:13] for r in scenarios["rpt"] if r[0] == name}


def test_unchanged_price_list_reproduces_the_issued_invoices(scenarios):
    code, out, err = scenarios["unchanged"]
    assert code == 0, err
    rows = _rows(scenarios, "unchanged")
    assert set(rows) == set(ISSUED)
    for key, (revenue, cost) in ISSUED.items():
        assert rows[key] == (revenue, revenue, cost, cost, revenue, cost), key
    # and the same, per account and sku, as the ledger's issued SO and HO lines
    ledger = query(scenarios["url"], "select account_id, sku, sum(amount) filter (where tenant = 'SO'),"
                                     " sum(amount) filter (where tenant = 'HO') from marts.fct_invoice_lines"
                                     " where billing_period = '2026-10-01' group by 1, 2")
    assert {(a, s): (so, ho) for a, s, so, ho in ledger} == ISSUED
    assert "total, USD: revenue 213.85 -> 213.85 (0.00, +0.0%)" in out


def test_ten_percent_on_one_sku_changes_exactly_its_rows_by_hand(scenarios):
    code, out, err = scenarios["cpu10"]
    assert code == 0, err
    rows = _rows(scenarios, "cpu-plus-10")
    assert set(rows) == set(ISSUED)
    for key, (revenue, cost) in ISSUED.items():
        proposed = CPU_PLUS_10.get(key, revenue)
        assert rows[key] == (revenue, proposed, cost, cost, revenue, cost), key
    changed = {key for key, r in rows.items() if r[0] != r[1] or r[2] != r[3]}
    assert changed == set(CPU_PLUS_10)
    # USD at 0.0066 JPY and 2.6596 BHD, per (account, sku) row rounded to cents: revenue 101.40 + 19.08 + 79.20 +
    # 14.17 = 213.85 -> 106.44 + 20.99 + 79.20 + 15.59 = 222.22; cost 50.56 + 8.10 + 33.00 + 5.36 = 97.02.
    assert "total, USD: revenue 213.85 -> 222.22 (+8.37, +3.9%); margin 116.83 -> 125.20 (+8.37)" in out
    assert re.search(r"^\s+US\s+USD\s+101\.40\s+106\.44\s+\+5\.04\s+\+5\.0%\s+50\.84\s+55\.88\s+\+5\.04\s+\+5\.04"
                     r"\s+\+5\.04$", out, re.M)
    assert re.search(r"^\s+JP\s+JPY\s+14,891\s+15,180\s+\+289\s+\+1\.9%\s+8,663\s+8,952\s+\+289\s+\+1\.91\s+\+1\.91$",
                     out, re.M)
    assert re.search(r"^\s+BH\s+BHD\s+5\.328\s+5\.861\s+\+0\.533\s+\+10\.0%", out, re.M)
    assert re.search(r"^\s+compute\s+all, USD\s+83\.65\s+92\.02\s+\+8\.37\s+\+10\.0%", out, re.M)
    assert re.search(r"^\s+license\s+all, USD\s+79\.20\s+79\.20\s+0\.00", out, re.M)
    # rises: ACC-1 +5.04 USD (+5.0 %), ACC-2 +1.91 USD (+1.9 %), ACC-3 +1.42 USD (+10.0 %)
    by_amount = out[out.index("(by USD amount)"):out.index("(by %)")]
    assert [m.group(1) for m in re.finditer(r"^\s+\d+\s+(ACC-\d)", by_amount, re.M)] == ["ACC-1", "ACC-2", "ACC-3"]
    assert re.search(r"^\s+3\s+ACC-3\s+BH\s+BHD\s+5\.328\s+5\.861\s+\+0\.533\s+\+10\.0%\s+\+1\.42$", by_amount, re.M)
    by_pct = out[out.index("(by %)"):]
    assert [m.group(1) for m in re.finditer(r"^\s+\d+\s+(ACC-\d)", by_pct, re.M)] == ["ACC-3", "ACC-1", "ACC-2"]


def test_bad_proposal_is_rejected_whole_with_every_error_named(scenarios):
    code, out, err = scenarios["bad"]
    assert code == 2 and out == ""
    assert "proposed price list proposed_bad.csv rejected, nothing stored: 6 errors" in err
    named = re.findall(r"proposed_bad\.csv: line (\d+): (.*)", err)
    assert [int(n) for n, _ in named] == [3, 4, 5, 6, 7, 8]
    reasons = dict((int(n), r) for n, r in named)
    assert "weekly" in reasons[3] and "charge_type" in reasons[3]
    assert "XYZ" in reasons[4]
    assert "negative" in reasons[5]
    assert "category 'memory'" in reasons[6]
    assert "already proposed at line 2" in reasons[7]
    assert "expected 10" in reasons[8]
    # nothing stored: the scenario of that name is the one run before, untouched
    assert scenarios["whatif_after_bad"] == scenarios["whatif_before_bad"]


def test_rerunning_a_name_replaces_that_scenario_only(scenarios):
    assert scenarios["trial_first"][0] == 0 and scenarios["trial_second"][0] == 0
    assert "scenario 'trial' replaced" in scenarios["trial_second"][1]
    # first run: cpu SO +20 % (1008 x 0.06 = 60.48); the second (+10 %) replaced it
    assert ("cpu", "ACC-1", D("60.48")) in scenarios["trial_first_rows"]
    trial = _rows(scenarios, "trial")
    assert trial[("ACC-1", "cpu")][1] == D("55.44")
    assert {k: r for k, r in trial.items()} == _rows(scenarios, "cpu-plus-10")
    # the other scenarios are still there, as they were
    assert {r[0] for r in scenarios["rpt"]} == {"unchanged", "cpu-plus-10", "trial"}
    proposed = query(scenarios["url"], "select count(*) from whatif.proposed_prices where scenario = 'trial'")[0][0]
    assert proposed == len(scenarios["paths"]["cpu10"].read_text().splitlines()) - 1


def test_nothing_issued_or_read_by_the_pipeline_changes(scenarios):
    assert scenarios["pipeline_after"] == scenarios["pipeline_before"]


def test_an_open_period_is_refused(scenarios):
    code, _, err = scenarios["open_period"]
    assert code == 2 and "period 2026-11 is not closed" in err
    assert not query(scenarios["url"], "select 1 from whatif.scenarios where scenario = 'november'")


def test_finance_pack_has_a_section_per_scenario(scenarios, tmp_path):
    code, _, err = run_cli(scenarios["url"], "report", "--period", "2026-10", "--out", str(tmp_path))
    assert code == 0, err
    page = (tmp_path / "finance_pack_2026-10.html").read_text(encoding="utf-8")
    section = page[page.index("What-if pricing scenarios"):page.index("<footer>")]
    assert section.count("<h3>") == 3
    cpu = section[section.index("<h3>cpu-plus-10</h3>"):section.index("<h3>trial</h3>")]
    assert "Revenue US$213.85 &rarr; US$222.22 (+3.9%); margin US$116.83 &rarr; US$125.20 (+US$8.37)" in cpu
    assert "¥15,180" in cpu and "BHD5.861" in cpu


def test_scenarios_survive_a_full_refresh_build(scenarios, november):
    assert november["whatif"] == scenarios["whatif_final"]
    assert november["rpt"] == scenarios["rpt"]


# --- unbilled revenue and the invoice preview ---

LINE_SQL = ("select line_number, sku, charge_type, rate_kind, unit_price, quantity, currency, amount, adjusted_period"
            " from marts.fct_invoice_lines where invoice_id = %s order by line_number")
LINE_KEYS = ("line_number", "sku", "charge_type", "rate_kind", "unit_price", "quantity", "currency", "amount",
             "adjusted_period")


def test_october_closes_from_the_previewed_rating(october):
    assert [(c.billing_period, c.invoice_count, c.line_count) for c in october["closes"]] == [(OCT, 6, 14)]


def test_preview_at_the_end_of_the_period_is_the_issued_invoice_line_for_line(october):
    url = october["url"]
    for (account, tenant), drafts in october["previews"].items():
        assert [d.billing_period for d in drafts] == [OCT, NOV]  # October in its grace, November just begun
        draft, november = drafts
        assert november.lines == []
        issued = query(url, "select invoice_id, total_amount, line_count from marts.fct_invoices where tenant = %s"
                            " and account_id = %s and billing_period = %s", tenant, account, OCT)
        assert issued == [(draft.invoice_id, draft.total_amount, len(draft.lines))], (account, tenant)
        lines = query(url, LINE_SQL, draft.invoice_id)
        assert lines == [tuple(line[k] for k in LINE_KEYS) for line in draft.lines], (account, tenant)
    # by hand: ACC-1's SO invoice is cpu 50.40 + disk 0.68 + disk idle 0.32 + setup 50.00
    acc1 = october["previews"][("ACC-1", "SO")][0]
    assert acc1.invoice_id == "SO-202610-000001" and acc1.total_amount == D("101.40")
    assert [(x["sku"], x["rate_kind"], x["amount"]) for x in acc1.lines] == [
        ("cpu", "standard", D("50.40")), ("disk", "idle", D("0.32")), ("disk", "standard", D("0.68")),
        ("setup", "standard", D("50.00"))]


def test_unbilled_is_the_period_in_grace_until_the_bill_run_closes_it(october):
    rows = {(t, a, s): (p, amount, hw) for t, p, a, s, amount, hw in october["unbilled_before_close"]}
    assert {k: v[1] for k, v in rows.items()} == {
        ("SO", "ACC-1", "cpu"): D("50.40"), ("SO", "ACC-1", "disk"): D("1.00"), ("SO", "ACC-1", "setup"): D("50.00"),
        ("SO", "ACC-2", "cpu"): D("2891"), ("SO", "ACC-2", "lic"): D("12000"), ("SO", "ACC-3", "cpu"): D("5.328"),
        ("HO", "ACC-1", "cpu"): D("20.16"), ("HO", "ACC-1", "disk"): D("0.40"), ("HO", "ACC-1", "setup"): D("30.00"),
        ("HO", "ACC-2", "cpu"): D("1228"), ("HO", "ACC-2", "lic"): D("5000"), ("HO", "ACC-3", "cpu"): D("2.016"),
    }
    assert {(v[0], v[2]) for v in rows.values()} == {(OCT, END_OF_OCTOBER)}
    assert october["unbilled_after_close"] == 0  # closed: gone at once, no rebuild needed


def test_unbilled_revenue_of_the_open_period_by_hand(november):
    # Clock 2026-11-10 12:00 (228 h into November, of 720). ACC-1 vm-1: cpu 2 for 96 h, then cpu 4 for 132 h
    # (MODIFY 11-05) = 720 unit-hours x 0.05 = 36.00 (HO 0.02: 14.40); disk 10 x 228/720 = 3.166667 unit-months
    # x 0.10 = 0.3166.. -> 0.32 (HO x 0.04 = 0.1266.. -> 0.13); setup one-time rises 1 -> 2: 1 x 50.00 (HO 30.00).
    # ACC-2 vm-2: cpu 168 h to the SHUTDOWN (idle rate 0 after) x 7.3 = 1226.4 -> 1226 (HO x 3.1 = 520.8 -> 521).
    # ACC-3 db-3: cpu 228 h x 0.0185 = 4.218 (HO x 0.007 = 1.596).
    expected = {
        ("SO", "ACC-1", "cpu", "USD"): D("36.00"), ("SO", "ACC-1", "disk", "USD"): D("0.32"),
        ("SO", "ACC-1", "setup", "USD"): D("50.00"), ("SO", "ACC-2", "cpu", "JPY"): D("1226"),
        ("SO", "ACC-3", "cpu", "BHD"): D("4.218"),
        ("HO", "ACC-1", "cpu", "USD"): D("14.40"), ("HO", "ACC-1", "disk", "USD"): D("0.13"),
        ("HO", "ACC-1", "setup", "USD"): D("30.00"), ("HO", "ACC-2", "cpu", "JPY"): D("521"),
        ("HO", "ACC-3", "cpu", "BHD"): D("1.596"),
    }
    rows = november["unbilled"]
    assert {(t, a, s, c): amount for t, p, a, s, c, amount, hw in rows} == expected
    assert {(p, hw) for t, p, a, s, c, amount, hw in rows} == {(NOV, NOV_CLOCK)}


def test_preview_of_the_open_period_matches_unbilled(november):
    [draft] = november["preview"]  # October is closed: only November is open
    assert draft.billing_period == NOV and draft.total_amount == D("86.32")  # 36.00 + 0.32 + 50.00
    assert [(x["sku"], x["quantity"], x["amount"]) for x in draft.lines] == [
        ("cpu", D("720.000000"), D("36.00")), ("disk", D("3.166667"), D("0.32")), ("setup", D("1"), D("50.00"))]
    code, out, err = november["preview_cli"]
    assert code == 0, err
    assert "DRAFT SO invoice, 2026-11, account ACC-1 ACC-1 Ltd (US, USD); not issued" in out
    assert "charges to 2026-11-10 12:00 UTC (the last build's clock)" in out
    assert "total 86.32 USD (3 lines, 0 adjustment(s))" in out
