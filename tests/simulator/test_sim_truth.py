"""The truth matches the inbox it sits beside: re-read the files, re-rate them, and compare.

Every expected break must be explained by the files (a feed that differs from the reference, a
quarantined line, a conflicting copy, an invalid transition), and every difference between the
files and the reference must be an expected break.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

import pytest
from sim_inbox import landed_counts, read_csv, read_inbox

from billing_simulator.discrepancies import ALL_KINDS
from billing_simulator.reference_rater import land, quantity_6dp, rate

START, END = date(2026, 10, 1), date(2026, 11, 1)
FEED_END = date(2026, 11, 3)  # the daily feeds run on for [end, end + 48 h)
OCTOBER = date(2026, 10, 1)
S, E = 1790812800, 1793491200  # 2026-10-01 and 2026-11-01, 00:00 UTC
E2 = E + 2 * 86400  # 2026-11-03
CLOSE = E + 3600


@pytest.fixture(scope="module", params=["small_sim", "messy_sim"])
def world(request):
    small_sim = request.getfixturevalue(request.param)
    inbox = read_inbox(small_sim / "inbox")
    truth = {name: read_csv(small_sim / "truth" / f"{name}.csv")
             for name in ("daily_lines", "invoice_lines_at_close", "adjustment_lines", "discrepancies",
                          "expected_breaks")}
    accounts = list(inbox.accounts.values())
    # through the tail (the daily lines); its invoice lines are October's only (see `october`)
    final = rate(inbox.events, inbox.prices, accounts, S, E2)
    at_close = rate(inbox.events, inbox.prices, accounts, S, E, visible_at=CLOSE)
    params = json.loads((small_sim / "truth" / "params.json").read_text())
    params["world"] = request.param
    return inbox, truth, final, at_close, params


def october(result):
    return [x for x in result.invoice_lines if x.billing_period == OCTOBER]


def breaks(truth, level, break_type=None, status=None):
    return [b for b in truth["expected_breaks"] if b["recon_level"] == level
            and (break_type is None or b["break_type"] == break_type) and (status is None or b["status"] == status)]


def test_daily_lines_are_the_inbox_rated(world):
    inbox, truth, final, _, _ = world
    expected = {(x.tenant, x.usage_date.isoformat(), x.account_id, x.sku): (x.currency, str(x.amount))
                for x in final.daily_lines}
    written = {(r["tenant"], r["usage_date"], r["account_id"], r["sku"]): (r["currency"], r["amount"])
               for r in truth["daily_lines"]}
    assert written == expected
    assert {k[0] for k in written} == {"HO", "SO"}
    assert {k[1] for k in written} >= {"2026-11-01", "2026-11-02"} and max(k[1] for k in written) == "2026-11-02"


def _invoice_key(row):
    return (row["tenant"], row["account_id"], row["billing_period"], row["sku"], row["charge_type"],
            row["rate_kind"], Decimal(row["unit_price"]))


def test_invoice_lines_at_close_see_only_files_delivered_by_the_close(world):
    _, truth, final, at_close, params = world
    expected = {(x.tenant, x.account_id, x.billing_period.isoformat(), x.sku, x.charge_type, x.rate_kind,
                 x.unit_price): (str(quantity_6dp(x.quantity)), x.currency, str(x.amount))
                for x in at_close.invoice_lines}
    written = {_invoice_key(r): (r["quantity"], r["currency"], r["amount"]) for r in truth["invoice_lines_at_close"]}
    assert written == expected
    if params["world"] == "small_sim":  # and there the close really missed something
        assert {x.key: x.amount for x in october(final)} != {x.key: x.amount for x in at_close.invoice_lines}


def test_adjustments_are_final_minus_billed_on_the_next_period(world):
    _, truth, final, at_close, params = world
    now = {x.key: x for x in october(final)}
    billed = {x.key: x for x in at_close.invoice_lines}
    expected = {}
    for key in set(now) | set(billed):
        amount = (now[key].amount if key in now else 0) - (billed[key].amount if key in billed else 0)
        if amount:
            expected[key] = str(amount)
    rows = truth["adjustment_lines"]
    if params["world"] == "small_sim":
        assert rows, "late October events after the close must give adjustment lines"
    assert {r["billing_period"] for r in rows} <= {"2026-11-01"}
    assert {r["adjusted_period"] for r in rows} <= {"2026-10-01"}
    written = {(r["tenant"], r["account_id"], date.fromisoformat(r["adjusted_period"]), r["sku"], r["charge_type"],
                r["rate_kind"], Decimal(r["unit_price"])): r["amount"] for r in rows}
    assert written == expected


def test_l1_breaks_are_exactly_where_primary_billing_differs(world):
    inbox, truth, final, _, _ = world
    ours = {(x.usage_date, x.account_id, x.sku): x.amount for x in final.daily_lines if x.tenant == "SO"}
    minor = {a.account_id: Decimal("0.01") if a.currency not in ("JPY", "BHD") else
             Decimal("1") if a.currency == "JPY" else Decimal("0.001") for a in inbox.accounts.values()}
    found = set()
    for key in set(ours) | set(inbox.primary):
        mine, theirs = ours.get(key), inbox.primary.get(key)
        if mine is None:
            found.add((key, "missing_in_platform", "", str(theirs)))
        elif theirs is None:
            found.add((key, "missing_in_primary", str(mine), ""))
        elif abs(mine - theirs) > minor[key[1]]:
            found.add((key, "amount_mismatch", str(mine), str(theirs)))
    expected = {((date.fromisoformat(b["business_date"]), b["account_id"], b["sku"]), b["break_type"], b["expected"],
                 b["actual"]) for b in breaks(truth, "L1_PRIMARY_VS_SECONDARY")}
    assert found == expected
    assert {b[1] for b in found} == {"missing_in_platform", "missing_in_primary", "amount_mismatch"}
    assert all(key[0] < END for key, *_ in found), "nothing is injected on the tail days"
    assert {k[0] for k in inbox.primary} >= {END, FEED_END - (FEED_END - END) / 2}


def test_l2_breaks_are_exactly_where_control_totals_differ(world):
    inbox, truth, _, _, _ = world
    landed = {k: v for k, v in landed_counts(inbox.events).items() if START <= k[0] < FEED_END}
    found = set()
    for key in set(landed) | set(inbox.control):
        control, got = inbox.control.get(key, 0), landed.get(key, 0)
        if control != got:
            found.add((key, "count_shortfall" if control > got else "count_excess", str(control), str(got)))
    expected = {((date.fromisoformat(b["business_date"]), b["account_id"], b["event_type"]), b["break_type"],
                 b["expected"], b["actual"]) for b in breaks(truth, "L2_ORDERSTREAM_VS_BILLING")}
    assert found == expected
    assert {b[1] for b in found} == {"count_shortfall", "count_excess"}


def test_l3_breaks_are_exactly_where_finance_differs(world):
    inbox, truth, _, at_close, _ = world
    totals = defaultdict(Decimal)
    for x in at_close.invoice_lines:  # October has no adjustments from September: none were issued
        if x.tenant == "SO":
            totals[(x.billing_period, x.account_id)] += x.amount
    found = set()
    for key in set(totals) | set(inbox.finance):
        ours, theirs = totals.get(key), inbox.finance.get(key)
        if ours is None:
            found.add((key, "missing_in_platform"))
        elif theirs is None:
            found.add((key, "missing_in_finance", str(ours), ""))
        elif ours != theirs:
            found.add((key, "amount_mismatch", str(ours), str(theirs)))
    expected = {((date.fromisoformat(b["business_date"]), b["account_id"]), b["break_type"], b["expected"],
                 b["actual"]) for b in breaks(truth, "L3_FINANCE_VS_ORDERSTREAM")}
    assert found == expected


def test_quarantined_rows_are_the_lines_that_do_not_parse(world):
    inbox, truth, _, _, _ = world
    expected = {(b["file_name"], int(b["line_number"])) for b in breaks(truth, "DATA_QUALITY", "quarantined_row")}
    assert {(name, line) for name, line, _ in inbox.quarantined} == expected
    reasons = " ".join(reason for _, _, reason in inbox.quarantined)
    for reason in ("not JSON", "missing", "quantity <= 0", "unknown event_type", "amount is not a decimal",
                   "event_count is negative"):
        assert reason in reasons
    # a junk CSV row is an extra row for a key nobody else has: it takes nothing from L1 or L2 (the
    # L1 / L2 tests above hold with it quarantined); header-only files (the tail's control files at
    # least: no event happens after the end) are valid empty feeds, neither quarantined nor a break
    assert {"orderstream_control_20261101.csv", "orderstream_control_20261102.csv"}.isdisjoint(
        name for name, _, _ in inbox.quarantined)
    for b in breaks(truth, "DATA_QUALITY", "quarantined_row"):
        assert b["status"] == "open" and b["business_date"].replace("-", "") in b["file_name"].replace("T", "_")


def test_conflicting_duplicates_and_anomalies_match_the_rating(world):
    inbox, truth, final, _, _ = world
    _, duplicates, conflicts = land(inbox.events, None)
    assert duplicates > 0, "same-id redeliveries are there"
    assert {(c.rejected.event_id, c.rejected.landing[2], c.rejected.landing[3]) for c in conflicts} == {
        (b["event_id"], b["file_name"], int(b["line_number"]))
        for b in breaks(truth, "DATA_QUALITY", "conflicting_duplicate")}
    assert {a.event.event_id for a in final.anomalies} == {
        b["event_id"] for b in breaks(truth, "DATA_QUALITY", "lifecycle_anomaly", "open")}
    kinds = {a.event.event_type + "/" + str(a.state) for a in final.anomalies}
    assert any(k.startswith("RESUME/RUNNING") for k in kinds)
    assert any(k.endswith("/DECOMMISSIONED") for k in kinds)
    assert any(k.startswith("CREATE/") for k in kinds)


def test_held_events_are_released_when_the_account_lands_or_held_for_good(world):
    inbox, truth, final, _, _ = world
    released = {h.event.event_id for h in final.held if h.released_at is not None}
    never = {h.event.event_id: h.event for h in final.held if h.released_at is None}
    assert released and never
    assert {b["event_id"] for b in breaks(truth, "DATA_QUALITY", "held_event", "resolved")} == released
    assert {b["event_id"] for b in breaks(truth, "DATA_QUALITY", "held_event", "open")} == set(never)
    assert len(breaks(truth, "DATA_QUALITY", "held_event")) == len(released) + len(never)
    # held for good: an account no snapshot lists; its events are counted (the L2 test above), never rated
    unknown = {e.account_id for e in never.values()}
    assert not unknown & set(inbox.accounts)
    assert not [x for x in final.daily_lines if x.account_id in unknown]
    assert not [k for k in inbox.primary if k[1] in unknown]
    assert {k[1] for k in inbox.control} >= unknown


def test_a_changed_currency_is_reported_and_the_first_one_kept(world):
    inbox, truth, final, _, _ = world
    rows = breaks(truth, "DATA_QUALITY", "currency_change")
    assert rows and {b["status"] for b in rows} == {"open"}
    assert {b["account_id"]: (b["file_name"], b["currency"]) for b in rows} == {
        account_id: (name, inbox.accounts[account_id].currency)
        for account_id, (name, _) in inbox.currency_changes.items()}
    kept = {b["account_id"]: b["currency"] for b in rows}
    for line in truth["daily_lines"]:
        if line["account_id"] in kept:
            assert line["currency"] == kept[line["account_id"]]
    for x in final.daily_lines:  # the reference rater, given every snapshot's rows, keeps the first
        if x.account_id in kept:
            assert x.currency == kept[x.account_id]


def test_unpriced_usage_is_listed_resolved(world):
    inbox, truth, final, _, params = world
    unpriced = breaks(truth, "DATA_QUALITY", "unpriced_usage")
    assert unpriced and {b["status"] for b in unpriced} == {"resolved"}
    assert {b["sku"] for b in unpriced} <= set(params["new_skus"]["skus"])
    assert not final.unpriced  # all priced by the close
    # the new SKU is really used before its upload lands, and is billed in the end
    first_use = min(e.event_time for e in inbox.events for sku, _ in (e.components or ()) if sku.startswith("vm.arm"))
    assert S + 11 * 86400 <= first_use < S + 19 * 86400
    assert any(x.sku.startswith("vm.arm") for x in october(final))


def test_every_injected_discrepancy_is_an_expected_break_and_nothing_else_is(world):
    _, truth, _, _, _ = world
    discrepancies = truth["discrepancies"]
    assert {d["kind"] for d in discrepancies} == set(ALL_KINDS)
    as_breaks = Counter((d["level"], d["break_type"], d["business_date"], d["account_id"], d["sku"], d["event_type"],
                         d["expected"], d["actual"]) for d in discrepancies)
    level_breaks = Counter((b["recon_level"], b["break_type"], b["business_date"], b["account_id"], b["sku"],
                            b["event_type"], b["expected"], b["actual"]) for b in truth["expected_breaks"]
                           if b["recon_level"] != "DATA_QUALITY")
    assert as_breaks == level_breaks
    assert {b["status"] for b in truth["expected_breaks"] if b["recon_level"] != "DATA_QUALITY"} == {"open"}


def test_without_discrepancies_and_mess_the_feeds_agree_with_the_reference(clean_sim):
    inbox = read_inbox(clean_sim / "inbox")
    discrepancies = read_csv(clean_sim / "truth" / "discrepancies.csv")
    all_breaks = read_csv(clean_sim / "truth" / "expected_breaks.csv")
    assert discrepancies == [] and {b["recon_level"] for b in all_breaks} == {"DATA_QUALITY"}
    # what a clean run still has: the world's own, all resolved (events of accounts created in the
    # month held until their snapshot lands, the new SKUs' usage until their upload lands, an event
    # invalid until an earlier one lands late); the header-only control files of the tail are valid
    # empty feeds, not breaks
    kinds = {(b["break_type"], b["status"]) for b in all_breaks}
    assert {("held_event", "resolved"), ("unpriced_usage", "resolved")} <= kinds <= {
        ("held_event", "resolved"), ("unpriced_usage", "resolved"), ("lifecycle_anomaly", "resolved")}
    header_only = {name for name in ("orderstream_control_20261101.csv", "orderstream_control_20261102.csv")
                   if (clean_sim / "inbox" / name).read_text(encoding="utf-8").count("\n") == 1}
    assert len(header_only) == 2
    assert inbox.currency_changes == {} and inbox.quarantined == []
    assert json.loads((clean_sim / "truth" / "params.json").read_text())["counts"]["header_only_files"] >= 2
    daily = {(date.fromisoformat(r["usage_date"]), r["account_id"], r["sku"]): Decimal(r["amount"])
             for r in read_csv(clean_sim / "truth" / "daily_lines.csv") if r["tenant"] == "SO"}
    assert inbox.primary == daily
    landed = {k: v for k, v in landed_counts(inbox.events).items() if START <= k[0] < FEED_END}
    assert inbox.control == landed
    assert set(landed_counts(inbox.events)) == set(landed) and {k[1] for k in landed} <= set(inbox.accounts)
    totals = defaultdict(Decimal)
    for r in read_csv(clean_sim / "truth" / "invoice_lines_at_close.csv"):
        if r["tenant"] == "SO":
            totals[(date.fromisoformat(r["billing_period"]), r["account_id"])] += Decimal(r["amount"])
    assert inbox.finance == dict(totals)


def test_the_same_world_with_and_without_discrepancies_and_mess(small_sim, clean_sim):
    """Discrepancies and mess change the feeds and the order stream, not the catalogue, the FX rates
    or the accounts (but for the currency changes listed in the truth)."""
    for name in ("catalog_20261001_initial.csv", "fx_rates_202610.csv", "accounts_20260930.csv"):
        assert (small_sim / "inbox" / name).read_bytes() == (clean_sim / "inbox" / name).read_bytes()
    changes = {b["account_id"]: b for b in read_csv(small_sim / "truth" / "expected_breaks.csv")
               if b["break_type"] == "currency_change"}
    messy, clean = (read_csv(sim / "inbox" / "accounts_20261031.csv") for sim in (small_sim, clean_sim))
    assert [{**r, "currency": changes[r["account_id"]]["currency"]} if r["account_id"] in changes else r
            for r in messy] == clean
