"""The bill run end to end on real Postgres with real `dbt build`s (rules §3-§5).

One scenario, built step by step in a module-scoped database (each dbt build costs seconds):

October, as landed before the close (clock 2026-11-01T01:00Z, grace 1 h):
  ACC-1 (US, USD) vm-1: CREATE 10-01 00:00 {cpu 2, disk 10}; SUSPEND 10-11 00:00; RESUME 10-21 00:00;
        a RESUME 10-25 (already running: anomaly, not applied). vm-5: CREATE 10-05 00:00 {gpu 1}: gpu is in
        no catalogue yet (unpriced).
  ACC-2 (JP, JPY) vm-2: CREATE 10-15 12:00 {cpu 1, lic 1}.
  ACC-3 (BH, BHD) db-3: CREATE 10-20 00:00:30 {cpu 1}.
  ACC-9: vm-9 CREATE 10-30 00:00 {cpu 4}, but ACC-9 is not in the accounts master yet (held).
Prices (from 2026-01-01): cpu hourly SO USD 0.05 / HO 0.02, idle 0; JPY SO 7.3 / HO 3.1; BHD SO 0.0185 /
HO 0.007. disk monthly USD SO 0.10 / HO 0.04, idle = unit price. lic annual JPY SO 12000 / HO 5000.

Late data, landed in November (closed with clock 2026-12-01T01:00Z): vm-1 SHUTDOWN 10-31 00:00 (late event
for the closed October), accounts file with ACC-9 (late account), catalogue with gpu from 2026-10-01
(SO 1.00 / HO 0.50: retroactive price).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from iaas_billing.base import db
from iaas_billing.jobs import billrun

from .conftest import build
from .raw_rows import RawWriter, event, ts

D = Decimal
OCT_CLOSE = ts("2026-11-01T01:00:00Z")
NOV_CLOSE = ts("2026-12-01T01:00:00Z")


def _prices():
    rows = []
    for tenant, cpu_usd, cpu_jpy, cpu_bhd, disk, lic in (("SO", "0.05", "7.3", "0.0185", "0.10", "12000"),
                                                         ("HO", "0.02", "3.1", "0.007", "0.04", "5000")):
        rows += [("cpu", "hourly", tenant, "USD", cpu_usd, "0", "2026-01-01"),
                 ("cpu", "hourly", tenant, "JPY", cpu_jpy, "0", "2026-01-01"),
                 ("cpu", "hourly", tenant, "BHD", cpu_bhd, "0", "2026-01-01"),
                 ("disk", "monthly", tenant, "USD", disk, disk, "2026-01-01"),
                 ("lic", "annual", tenant, "JPY", lic, "0", "2026-01-01")]
    return rows


def _query(url, sql, *params):
    with db.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def _lines(url, period):
    """{(tenant, account, sku, rate_kind, adjusted_period): (quantity, amount)} of one issued period."""
    rows = _query(url, "select tenant, account_id, sku, rate_kind, adjusted_period, quantity, amount"
                       " from marts.fct_invoice_lines where billing_period = %s", period)
    return {(t, a, s, k, str(adj) if adj else None): (q, amt) for t, a, s, k, adj, q, amt in rows}


@pytest.fixture(scope="module")
def scenario(databases):
    url = databases.create("billrun")
    raw = RawWriter(url)
    raw.accounts([("ACC-1", "US", "USD"), ("ACC-2", "JP", "JPY"), ("ACC-3", "BH", "BHD")])
    raw.tax_tables()
    raw.prices(_prices())
    raw.events([
        event("a1", "2026-10-01T00:00:00Z", 1, "ACC-1", "vm-1", "CREATE", {"cpu": 2, "disk": 10}),
        event("a2", "2026-10-11T00:00:00Z", 2, "ACC-1", "vm-1", "SUSPEND"),
        event("a3", "2026-10-21T00:00:00Z", 3, "ACC-1", "vm-1", "RESUME"),
        event("a4", "2026-10-25T00:00:00Z", 4, "ACC-1", "vm-1", "RESUME"),
        event("g1", "2026-10-05T00:00:00Z", 1, "ACC-1", "vm-5", "CREATE", {"gpu": 1}),
        event("b1", "2026-10-15T12:00:00Z", 1, "ACC-2", "vm-2", "CREATE", {"cpu": 1, "lic": 1}),
        event("c1", "2026-10-20T00:00:30Z", 1, "ACC-3", "db-3", "CREATE", {"cpu": 1}),
        event("h1", "2026-10-30T00:00:00Z", 1, "ACC-9", "vm-9", "CREATE", {"cpu": 4}),
    ], name="orders_20261031T23.jsonl")
    build(url, OCT_CLOSE)
    state = {"url": url, "raw": raw}
    state["oct_closes"] = billrun.close_due_periods(OCT_CLOSE, url=url)
    state["oct_closes_again"] = billrun.close_due_periods(OCT_CLOSE, url=url)
    state["held_before"] = _query(url, "select event_id, account_id from marts.fct_held_events")
    state["unpriced_before"] = _query(
        url, "select distinct tenant, resource_id, sku, reason from marts.fct_unpriced_usage order by 1")
    state["anomalies"] = _query(url, "select event_id, anomaly_type from marts.fct_lifecycle_anomalies")

    # November: late event, late account, retroactive price; then close November.
    raw.events([event("a5", "2026-10-31T00:00:00Z", 5, "ACC-1", "vm-1", "SHUTDOWN")],
               name="orders_20261102T10.jsonl")
    raw.accounts([("ACC-1", "US", "USD"), ("ACC-2", "JP", "JPY"), ("ACC-3", "BH", "BHD"), ("ACC-9", "US", "USD")],
                 name="accounts_20261102.csv")
    raw.prices([("gpu", "hourly", "SO", "USD", "1.00", "0", "2026-10-01"),
                ("gpu", "hourly", "HO", "USD", "0.50", "0", "2026-10-01")], name="catalog_20261103.csv")
    build(url, NOV_CLOSE)
    state["nov_closes"] = billrun.close_due_periods(NOV_CLOSE, url=url)
    state["held_after"] = _query(url, "select event_id from marts.fct_held_events")
    state["unpriced_after"] = _query(url, "select count(*) from marts.fct_unpriced_usage")[0][0]
    return state


@pytest.mark.rule("1.3", "4.2", "4.3", "5.1", "5.2", "5.3")
def test_october_closes_once_with_hand_computed_lines(scenario):
    url = scenario["url"]
    assert [c.billing_period.isoformat() for c in scenario["oct_closes"]] == ["2026-10-01"]
    assert scenario["oct_closes_again"] == []  # the bill run twice issues nothing twice
    lines = _lines(url, "2026-10-01")
    expected = {
        # vm-1 cpu: RUNNING 10-01..10-11 (240 h) + 10-21..11-01 (264 h) = 504 h x 2 = 1008 unit-hours;
        # SO 1008 x 0.05 = 50.40, HO x 0.02 = 20.16. SUSPENDED cpu: idle rate 0 -> no line.
        ("SO", "ACC-1", "cpu", "standard", None): (D("1008"), D("50.40")),
        ("HO", "ACC-1", "cpu", "standard", None): (D("1008"), D("20.16")),
        # disk 10 GB monthly, October = 744 h: running 504/744 x 10 = 6.774194 unit-months;
        # SO x 0.10 = 0.677419.. -> 0.68, HO x 0.04 = 0.270967.. -> 0.27.
        ("SO", "ACC-1", "disk", "standard", None): (D("6.774194"), D("0.68")),
        ("HO", "ACC-1", "disk", "standard", None): (D("6.774194"), D("0.27")),
        # suspended 240/744 x 10 = 3.225806 at the idle rate: SO 0.322580.. -> 0.32, HO 0.129032.. -> 0.13.
        ("SO", "ACC-1", "disk", "idle", None): (D("3.225806"), D("0.32")),
        ("HO", "ACC-1", "disk", "idle", None): (D("3.225806"), D("0.13")),
        # vm-2 (JPY): cpu 10-15 12:00..11-01 = 396 h x 7.3 = 2890.8 -> 2891 (SO); x 3.1 = 1227.6 -> 1228 (HO).
        ("SO", "ACC-2", "cpu", "standard", None): (D("396"), D("2891")),
        ("HO", "ACC-2", "cpu", "standard", None): (D("396"), D("1228")),
        # lic annual: one term starts at CREATE: 1 x 12000 (SO), 1 x 5000 (HO).
        ("SO", "ACC-2", "lic", "standard", None): (D("1"), D("12000")),
        ("HO", "ACC-2", "lic", "standard", None): (D("1"), D("5000")),
        # db-3 (BHD): 10-20 00:00:30..11-01 = 288 h - 30 s = 1036770 s = 287.991667 h;
        # SO 1036770 x 0.0185 / 3600 = 5.32784583.. -> 5.328; HO x 0.007 = 2.01594166.. -> 2.016.
        ("SO", "ACC-3", "cpu", "standard", None): (D("287.991667"), D("5.328")),
        ("HO", "ACC-3", "cpu", "standard", None): (D("287.991667"), D("2.016")),
    }
    assert lines == expected
    invoices = _query(url, "select invoice_id, account_id, total_amount, line_count, issued_at from marts.fct_invoices"
                           " where billing_period = '2026-10-01' order by invoice_id")
    assert [(i, a, t, n) for i, a, t, n, _ in invoices] == [
        ("HO-202610-000001", "ACC-1", D("20.56"), 3),  # 20.16 + 0.27 + 0.13
        ("HO-202610-000002", "ACC-2", D("6228"), 2),   # 1228 + 5000
        ("HO-202610-000003", "ACC-3", D("2.016"), 1),
        ("SO-202610-000001", "ACC-1", D("51.40"), 3),  # 50.40 + 0.68 + 0.32
        ("SO-202610-000002", "ACC-2", D("14891"), 2),  # 2891 + 12000
        ("SO-202610-000003", "ACC-3", D("5.328"), 1),
    ]
    assert {issued for *_, issued in invoices} == {OCT_CLOSE}


@pytest.mark.rule("2.5", "3.3", "3.5")
def test_held_anomalous_and_unpriced_usage_are_reported_not_charged(scenario):
    assert scenario["held_before"] == [("h1", "ACC-9")]
    assert scenario["anomalies"] == [("a4", "invalid_transition")]
    assert scenario["unpriced_before"] == [("HO", "vm-5", "gpu", "sku_not_in_catalogue"),
                                           ("SO", "vm-5", "gpu", "sku_not_in_catalogue")]
    # once the account and the price arrived, nothing is held or unpriced any more
    assert scenario["held_after"] == []
    assert scenario["unpriced_after"] == 0


@pytest.mark.rule("2.5", "3.5", "5.4")
def test_late_event_account_and_price_adjust_october_on_the_november_invoice(scenario):
    url = scenario["url"]
    assert [(c.billing_period.isoformat(), c.invoice_count) for c in scenario["nov_closes"]] == [("2026-11-01", 8)]
    lines = _lines(url, "2026-11-01")
    oct_ = "2026-10-01"
    expected = {
        # --- adjustments of October ---
        # vm-1 SHUTDOWN 10-31 00:00: cpu running 480 h x 2 = 960 -> SO 48.00 - 50.40 = -2.40 (-48 unit-hours),
        # HO 19.20 - 20.16 = -0.96.
        ("SO", "ACC-1", "cpu", "standard", oct_): (D("-48.000000"), D("-2.40")),
        ("HO", "ACC-1", "cpu", "standard", oct_): (D("-48.000000"), D("-0.96")),
        # disk running 480/744 x 10 = 6.451613: SO 0.645161.. -> 0.65 - 0.68 = -0.03; HO 0.258064.. -> 0.26 - 0.27.
        ("SO", "ACC-1", "disk", "standard", oct_): (D("-0.322581"), D("-0.03")),
        ("HO", "ACC-1", "disk", "standard", oct_): (D("-0.322581"), D("-0.01")),
        # disk idle: suspended 240 h + stopped 24 h = 264/744 x 10 = 3.548387: SO 0.354838.. -> 0.35 - 0.32 = +0.03;
        # HO 0.141935.. -> 0.14 - 0.13 = +0.01.
        ("SO", "ACC-1", "disk", "idle", oct_): (D("0.322581"), D("0.03")),
        ("HO", "ACC-1", "disk", "idle", oct_): (D("0.322581"), D("0.01")),
        # gpu priced from 10-01: vm-5 10-05..11-01 = 648 h x 1.00 = 648.00 (SO), x 0.50 = 324.00 (HO): new keys.
        ("SO", "ACC-1", "gpu", "standard", oct_): (D("648.000000"), D("648.00")),
        ("HO", "ACC-1", "gpu", "standard", oct_): (D("648.000000"), D("324.00")),
        # ACC-9 appeared: vm-9 10-30..11-01 = 48 h x 4 = 192 unit-hours x 0.05 = 9.60 (SO), x 0.02 = 3.84 (HO).
        ("SO", "ACC-9", "cpu", "standard", oct_): (D("192.000000"), D("9.60")),
        ("HO", "ACC-9", "cpu", "standard", oct_): (D("192.000000"), D("3.84")),
        # --- November's own lines ---
        # vm-1 stopped all month: disk idle 10 unit-months x 0.10 = 1.00 (SO), x 0.04 = 0.40 (HO).
        ("SO", "ACC-1", "disk", "idle", None): (D("10.000000"), D("1.00")),
        ("HO", "ACC-1", "disk", "idle", None): (D("10.000000"), D("0.40")),
        # vm-5 gpu 720 h x 1.00 = 720.00 / x 0.50 = 360.00.
        ("SO", "ACC-1", "gpu", "standard", None): (D("720.000000"), D("720.00")),
        ("HO", "ACC-1", "gpu", "standard", None): (D("720.000000"), D("360.00")),
        # vm-2: 720 h x 7.3 = 5256 / x 3.1 = 2232; no lic renewal before 2027-10-15.
        ("SO", "ACC-2", "cpu", "standard", None): (D("720.000000"), D("5256")),
        ("HO", "ACC-2", "cpu", "standard", None): (D("720.000000"), D("2232")),
        # db-3: 720 h x 0.0185 = 13.320 / x 0.007 = 5.040.
        ("SO", "ACC-3", "cpu", "standard", None): (D("720.000000"), D("13.320")),
        ("HO", "ACC-3", "cpu", "standard", None): (D("720.000000"), D("5.040")),
        # vm-9: 720 h x 4 = 2880 x 0.05 = 144.00 / x 0.02 = 57.60.
        ("SO", "ACC-9", "cpu", "standard", None): (D("2880.000000"), D("144.00")),
        ("HO", "ACC-9", "cpu", "standard", None): (D("2880.000000"), D("57.60")),
    }
    assert lines == expected
    totals = dict(_query(url, "select invoice_id, total_amount from marts.fct_invoices"
                              " where billing_period = '2026-11-01'"))
    # ACC-1 SO: 1.00 + 720.00 - 2.40 - 0.03 + 0.03 + 648.00 = 1366.60; ACC-9 is the 4th account in id order.
    assert totals["SO-202611-000001"] == D("1366.60")
    assert totals["SO-202611-000004"] == D("153.60")  # 144.00 + 9.60
    assert totals["HO-202611-000004"] == D("61.44")   # 57.60 + 3.84
    # October's issued invoices never changed
    assert _query(url, "select sum(total_amount) from marts.fct_invoices where billing_period = '2026-10-01'"
                       " and tenant = 'SO'")[0][0] == D("51.40") + D("14891") + D("5.328")


@pytest.mark.rule("5.5")
def test_rerun_and_full_refresh_change_no_issued_line_and_match_incremental_rating(scenario):
    url = scenario["url"]
    issued = _query(url, "select * from marts.fct_invoice_lines order by invoice_id, line_number")
    incremental = _query(url, "select * from intermediate.int_invoice_lines_rated order by invoice_line_key")
    daily = _query(url, "select * from marts.fct_rated_usage_daily order by 1, 2, 3, 4")
    assert billrun.close_due_periods(NOV_CLOSE, url=url) == []
    build(url, NOV_CLOSE, "--full-refresh")
    assert _query(url, "select * from marts.fct_invoice_lines order by invoice_id, line_number") == issued
    # the incremental rating equals a rating from scratch
    assert _query(url, "select * from intermediate.int_invoice_lines_rated order by invoice_line_key") == incremental
    assert _query(url, "select * from marts.fct_rated_usage_daily order by 1, 2, 3, 4") == daily
    assert _query(url, "select count(*) from intermediate.int_invoice_adjustments_due")[0][0] == 0
    assert billrun.close_due_periods(NOV_CLOSE, url=url) == []
    assert _query(url, "select * from marts.fct_invoice_lines order by invoice_id, line_number") == issued
