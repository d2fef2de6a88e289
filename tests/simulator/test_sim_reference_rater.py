"""The reference rater against hand computations, to the minor unit, one rule at a time.

Each expected value is written as the computation that gives it. Prices here are made up for the
test; every one has at most 6 decimals, as the catalogue contract says.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from fractions import Fraction

import pytest

from billing_simulator.instants import add_months_clamped, format_instant, parse_instant
from billing_simulator.money import round_half_away, round_money
from billing_simulator.reference_rater import Account, Event, PriceRow, land, rate

T = parse_instant
OCT, NOV = T("2026-10-01T00:00:00Z"), T("2026-11-01T00:00:00Z")
CHARGE_TYPES = {"cpu": "hourly", "vm": "hourly", "ip": "hourly", "stor": "monthly", "lic": "annual",
                "svc": "one_time", "arm": "hourly"}


def price(sku, unit, idle="0", currency="USD", tenant="SO", since="2026-01-01", delivered="2026-01-01"):
    return PriceRow(sku, CHARGE_TYPES[sku.split(".")[0]], tenant, currency, D(unit), D(idle),
                    T(since + "T00:00:00Z"), T(delivered + "T00:00:00Z"), (T(delivered + "T00:00:00Z"), 0, sku, 0))


class Stream:
    """Events of one account, numbered in the order written; delivered when they happen unless told."""

    def __init__(self, account="ACC-1"):
        self.account, self.events, self.seq = account, [], {}

    def add(self, when, event_type, resource="r1", components=None, delivered=None, event_id=None, seq=None):
        t = T(when)
        self.seq[resource] = seq or self.seq.get(resource, 0) + 1
        at = T(delivered) if delivered else t
        event_id = event_id or f"e{len(self.events) + 1}"
        comps = tuple((sku, D(q)) for sku, q in components.items()) if components is not None else None
        self.events.append(Event(event_id, t, self.seq[resource], self.account, resource, event_type, comps,
                                 delivered_at=at, landing=(at, 2, "f", len(self.events))))
        return self


def account(currency="USD", visible="2020-01-01T00:00:00Z", account_id="ACC-1"):
    return Account(account_id, currency, T(visible))


def so(result, **key):
    return [x for x in result.invoice_lines if x.tenant == "SO" and all(getattr(x, k) == v for k, v in key.items())]


def so_daily(result):
    return {(x.usage_date.isoformat(), x.sku): x.amount for x in result.daily_lines if x.tenant == "SO"}


def test_hourly_is_metered_to_the_second():
    s = Stream().add("2026-10-03T10:00:00Z", "CREATE", components={"cpu.std.vcpu": 4}) \
                .add("2026-10-03T12:30:15Z", "DECOMMISSION")
    result = rate(s.events, [price("cpu.std.vcpu", "0.04")], [account()], OCT, NOV)
    [line] = so(result)
    # 2 h 30 min 15 s = 9015 s; 9015 x 4 vCPU x 0.04 / 3600 = 0.400666.. -> 0.40
    assert line.exact == Fraction(9015 * 4 * 4, 100 * 3600)
    assert line.amount == D("0.40")
    # quantity in unit-hours: 9015 x 4 / 3600 = 10.016666..
    assert line.quantity == Fraction(9015 * 4, 3600)
    assert so_daily(result) == {("2026-10-03", "cpu.std.vcpu"): D("0.40")}


def test_idle_rates_while_stopped_or_suspended_and_no_line_at_a_zero_rate():
    comps = {"vm.gp.2x8": 1, "stor.ssd.gb": 100, "ip.public": 2}
    s = Stream().add("2026-10-01T00:00:00Z", "CREATE", components=comps) \
                .add("2026-10-01T10:00:00Z", "SHUTDOWN") \
                .add("2026-10-01T15:00:00Z", "START") \
                .add("2026-10-01T18:00:00Z", "SUSPEND") \
                .add("2026-10-02T00:00:00Z", "DECOMMISSION")
    prices = [price("vm.gp.2x8", "0.10", idle="0"), price("stor.ssd.gb", "0.31", idle="0.31"),
              price("ip.public", "0.005", idle="0.0025")]
    result = rate(s.events, prices, [account()], OCT, NOV)
    # running 10 h + 3 h = 13 h; stopped 5 h + suspended 6 h = 11 h idle
    vm = so(result, sku="vm.gp.2x8")
    assert [(x.rate_kind, x.amount) for x in vm] == [("standard", D("1.30"))]  # 13 h x 0.10; idle at 0: no line
    stor = {x.rate_kind: x for x in so(result, sku="stor.ssd.gb")}
    # 13 h of a 744-hour month x 100 GB x 0.31 = 0.541666.. -> 0.54; 11 h -> 0.458333.. -> 0.46
    assert stor["standard"].exact == Fraction(13 * 3600 * 100 * 31, 100 * 744 * 3600)
    assert (stor["standard"].amount, stor["idle"].amount) == (D("0.54"), D("0.46"))
    assert stor["idle"].unit_price == D("0.31")
    ip = {x.rate_kind: x.amount for x in so(result, sku="ip.public")}
    # 13 h x 2 x 0.005 = 0.13; 11 h x 2 x 0.0025 = 0.055 -> 0.06 (half away from zero)
    assert ip == {"standard": D("0.13"), "idle": D("0.06")}
    # the daily line is one per sku and day, both rate kinds summed before rounding:
    # storage 24 h x 100 x 0.31 / 744 h = 1.00 exactly; ip 0.13 + 0.055 = 0.185 -> 0.19
    assert so_daily(result) == {("2026-10-01", "vm.gp.2x8"): D("1.30"), ("2026-10-01", "stor.ssd.gb"): D("1.00"),
                                ("2026-10-01", "ip.public"): D("0.19")}


def test_monthly_is_prorated_by_the_seconds_of_that_month():
    s = Stream().add("2026-10-05T00:00:00Z", "CREATE", components={"stor.ssd.gb": 100}) \
                .add("2026-10-15T00:00:00Z", "DECOMMISSION") \
                .add("2026-10-31T12:00:00Z", "CREATE", resource="r2", components={"stor.ssd.gb": 100}) \
                .add("2026-11-01T12:00:00Z", "DECOMMISSION", resource="r2")
    result = rate(s.events, [price("stor.ssd.gb", "0.10", idle="0.10")], [account()], OCT,
                  T("2026-12-01T00:00:00Z"))
    october, november = so(result, billing_period=date(2026, 10, 1)), so(result, billing_period=date(2026, 11, 1))
    # r1: 10 days of a 31-day month x 100 GB x 0.10 = 10/31 x 10 = 3.2258..; r2: 12 h of October = 0.1612..
    # one line for both: (10 x 86400 + 43200) / (31 x 86400) x 100 x 0.10 = 3.3870.. -> 3.39
    assert october[0].exact == Fraction(10 * 86400 + 43200, 31 * 86400) * 100 * Fraction(1, 10)
    assert october[0].amount == D("3.39")
    assert october[0].quantity == Fraction(10 * 86400 + 43200, 31 * 86400) * 100  # unit-months
    # r2 in November: 12 h of a 30-day month x 100 x 0.10 = 10/60 = 0.1666.. -> 0.17
    assert november[0].exact == Fraction(43200, 30 * 86400) * 10
    assert november[0].amount == D("0.17")


def test_lines_round_once_not_per_day():
    s = Stream().add("2026-11-01T00:00:00Z", "CREATE", components={"stor.ssd.gb": 1}) \
                .add("2026-11-04T00:00:00Z", "DECOMMISSION")
    result = rate(s.events, [price("stor.ssd.gb", "0.10", idle="0.10")], [account()], NOV,
                  T("2026-12-01T00:00:00Z"))
    # each day: 0.10 / 30 = 0.00333.. -> a daily line of 0.00 (rounds to zero, but it is a line)
    assert so_daily(result) == {(f"2026-11-0{d}", "stor.ssd.gb"): D("0.00") for d in (1, 2, 3)}
    # the invoice line: 3 x 0.10 / 30 = 0.01, not 3 x 0.00
    assert so(result)[0].amount == D("0.01")


def test_price_change_splits_the_span_and_the_invoice_line():
    prices = [price("cpu.std.vcpu", "0.04"), price("cpu.std.vcpu", "0.05", since="2026-10-15", delivered="2026-10-15")]
    s = Stream().add("2026-10-14T12:00:00Z", "CREATE", components={"cpu.std.vcpu": 2}) \
                .add("2026-10-15T06:00:00Z", "DECOMMISSION")
    result = rate(s.events, prices, [account()], OCT, NOV)
    lines = {x.unit_price: (x.quantity, x.amount) for x in so(result)}
    # 12 h x 2 x 0.04 = 0.96 before the change; 6 h x 2 x 0.05 = 0.60 after it
    assert lines == {D("0.04"): (24, D("0.96")), D("0.05"): (12, D("0.60"))}
    assert so_daily(result) == {("2026-10-14", "cpu.std.vcpu"): D("0.96"), ("2026-10-15", "cpu.std.vcpu"): D("0.60")}
    # seen before the new price was delivered, the old one applies all along: 18 h x 2 x 0.04 = 1.44
    early = rate(s.events, prices, [account()], OCT, T("2026-10-15T06:00:00Z"), visible_at=T("2026-10-14T23:59:59Z"))
    assert [(x.unit_price, x.amount) for x in so(early)] == [(D("0.04"), D("1.44"))]


def test_annual_terms_high_water_no_refund_and_clamped_renewal():
    prices = [price("lic.os.rhel.annual", "120.00"),
              price("lic.os.rhel.annual", "130.00", since="2029-01-01", delivered="2028-12-01")]
    s = Stream().add("2028-02-29T10:00:00Z", "CREATE", components={"lic.os.rhel.annual": 3}) \
                .add("2028-06-01T00:00:00Z", "MODIFY", components={"lic.os.rhel.annual": 1}) \
                .add("2028-07-01T00:00:00Z", "MODIFY", components={"lic.os.rhel.annual": 3}) \
                .add("2028-08-01T00:00:00Z", "MODIFY", components={"lic.os.rhel.annual": 5}) \
                .add("2029-03-01T00:00:00Z", "MODIFY", components={"lic.os.rhel.annual": 2}) \
                .add("2030-06-01T00:00:00Z", "DECOMMISSION")
    result = rate(s.events, prices, [account()], T("2028-01-01T00:00:00Z"), T("2032-01-01T00:00:00Z"))
    charged = sorted((x.billing_period.isoformat(), x.quantity, x.unit_price, x.amount) for x in so(result))
    assert charged == [
        ("2028-02-01", 3, D("120.00"), D("360.00")),  # term 1 starts 2028-02-29 10:00: 3 x 120
        # 3 -> 1 -> 3 charges nothing (high-water 3); 3 -> 5 charges the 2 above it: 2 x 120
        ("2028-08-01", 2, D("120.00"), D("240.00")),
        # renewal 12 months later, 29 Feb clamped to 28 Feb 2029 10:00; the quantity then is 5, at
        # the price in force then: 5 x 130
        ("2029-02-01", 5, D("130.00"), D("650.00")),
        # the drop to 2 refunds nothing; term 3 starts 2030-02-28 10:00 with 2: 2 x 130
        ("2030-02-01", 2, D("130.00"), D("260.00")),
        # decommissioned 2030-06-01: no renewal in 2031, no refund
    ]
    assert {x.usage_date.isoformat() for x in result.daily_lines} == {"2028-02-29", "2028-08-01", "2029-02-28",
                                                                      "2030-02-28"}


def test_renewal_dates_are_the_same_day_and_time_clamped_to_the_month_end():
    assert format_instant(add_months_clamped(T("2028-02-29T10:00:00Z"), 12)) == "2029-02-28T10:00:00Z"
    assert format_instant(add_months_clamped(T("2028-02-29T10:00:00Z"), 48)) == "2032-02-29T10:00:00Z"
    assert format_instant(add_months_clamped(T("2027-01-31T08:15:00Z"), 12)) == "2028-01-31T08:15:00Z"
    assert format_instant(add_months_clamped(T("2027-01-31T08:15:00Z"), 1)) == "2027-02-28T08:15:00Z"


def test_annual_is_due_while_suspended():
    s = Stream().add("2026-10-01T00:00:00Z", "CREATE", components={"lic.os.rhel.annual": 1}) \
                .add("2026-10-02T00:00:00Z", "SUSPEND") \
                .add("2026-10-03T00:00:00Z", "MODIFY", components={"lic.os.rhel.annual": 4})
    result = rate(s.events, [price("lic.os.rhel.annual", "120.00")], [account()], OCT, NOV)
    # 1 x 120 at the start, then the rise to 4 while suspended: 3 x 120; one invoice line of 4 x 120
    assert so_daily(result) == {("2026-10-01", "lic.os.rhel.annual"): D("120.00"),
                                ("2026-10-03", "lic.os.rhel.annual"): D("360.00")}
    assert [(x.quantity, x.amount) for x in so(result)] == [(4, D("480.00"))]


def test_one_time_high_water_over_the_life():
    s = Stream().add("2026-10-02T09:00:00Z", "CREATE", components={"svc.training.seat": 3}) \
                .add("2026-10-03T09:00:00Z", "MODIFY", components={"svc.training.seat": 1}) \
                .add("2026-10-04T09:00:00Z", "MODIFY", components={"svc.training.seat": 3}) \
                .add("2026-10-05T09:00:00Z", "MODIFY", components={"svc.training.seat": 5}) \
                .add("2026-10-06T09:00:00Z", "DECOMMISSION")
    result = rate(s.events, [price("svc.training.seat", "350.00")], [account()], OCT, NOV)
    # 3 x 350 = 1050 on the 2nd; 3 -> 1 -> 3 nothing; 3 -> 5 charges 2 x 350 = 700 on the 5th
    assert so_daily(result) == {("2026-10-02", "svc.training.seat"): D("1050.00"),
                                ("2026-10-05", "svc.training.seat"): D("700.00")}
    [line] = so(result)
    assert (line.quantity, line.amount) == (5, D("1750.00"))


def test_fractional_quantities_stay_exact():
    s = Stream().add("2026-10-02T09:00:00Z", "CREATE", components={"svc.consulting.hour": "7.5"})
    prices = [PriceRow("svc.consulting.hour", "one_time", "SO", "USD", D("185.00"), D(0), 0)]
    [line] = so(rate(s.events, prices, [account()], OCT, NOV))
    assert (line.quantity, line.amount) == (Fraction(15, 2), D("1387.50"))  # 7.5 x 185


def test_jpy_and_bhd_rounding_half_away_from_zero():
    jpy = Stream().add("2026-10-01T00:00:00Z", "CREATE", components={"cpu.std.vcpu": 1}) \
                  .add("2026-10-01T01:30:00Z", "DECOMMISSION")
    result = rate(jpy.events, [price("cpu.std.vcpu", "3", currency="JPY")], [account("JPY")], OCT, NOV)
    # 1.5 h x 3 JPY = 4.5 JPY -> 5 (0 decimals, half away from zero; half-even would give 4)
    assert [x.amount for x in so(result)] == [D("5")]
    bhd = Stream().add("2026-10-01T00:00:00Z", "CREATE", components={"cpu.std.vcpu": 1}) \
                  .add("2026-10-01T01:00:00Z", "DECOMMISSION") \
                  .add("2026-10-01T00:00:00Z", "CREATE", resource="r2", components={"cpu.std.vcpu": 2}) \
                  .add("2026-10-01T03:00:00Z", "DECOMMISSION", resource="r2")
    result = rate(bhd.events, [price("cpu.std.vcpu", "0.000500", currency="BHD")], [account("BHD")], OCT, NOV)
    # (1 h x 1 + 3 h x 2) x 0.0005 = 0.0035 BHD -> 0.004 (3 decimals)
    assert [x.amount for x in so(result)] == [D("0.004")]
    assert str(so(result)[0].amount) == "0.004"


@pytest.mark.parametrize("value, currency, expected", [
    (Fraction(125, 1000), "USD", "0.13"), (Fraction(-125, 1000), "USD", "-0.13"), (Fraction(124999, 10**6), "USD", "0.12"),
    (Fraction(5, 2), "JPY", "3"), (Fraction(-5, 2), "JPY", "-3"), (Fraction(1, 2000), "BHD", "0.001"),
    (Fraction(1, 3), "EUR", "0.33"), (0, "CHF", "0.00"),
])
def test_round_money_half_away_from_zero(value, currency, expected):
    assert str(round_money(value, currency)) == expected


def test_round_half_away_to_six_decimals():
    assert str(round_half_away(Fraction(1, 3), 6)) == "0.333333"
    assert str(round_half_away(Fraction(5, 10**7), 6)) == "0.000001"


def test_events_apply_in_time_and_seq_order_whatever_the_arrival():
    s = Stream().add("2026-10-01T00:00:00Z", "CREATE", components={"cpu.std.vcpu": 1}, delivered="2026-10-01T05:00:00Z") \
                .add("2026-10-01T02:00:00Z", "SHUTDOWN", delivered="2026-10-01T03:00:00Z") \
                .add("2026-10-01T04:00:00Z", "START", delivered="2026-10-01T05:00:00Z") \
                .add("2026-10-01T06:00:00Z", "DECOMMISSION", delivered="2026-10-01T07:00:00Z")
    shuffled = [s.events[i] for i in (3, 1, 0, 2)]
    result = rate(shuffled, [price("cpu.std.vcpu", "1.00")], [account()], OCT, NOV)
    assert [x.amount for x in so(result)] == [D("4.00")]  # running 0-2 h and 4-6 h
    assert result.anomalies == []
    # at 04:00 only the SHUTDOWN had landed: with no CREATE it is an anomaly, and nothing is charged
    early = rate(shuffled, [price("cpu.std.vcpu", "1.00")], [account()], OCT, NOV, visible_at=T("2026-10-01T04:00:00Z"))
    assert [a.event.event_type for a in early.anomalies] == ["SHUTDOWN"] and early.invoice_lines == []


def test_invalid_transitions_are_not_applied():
    s = Stream().add("2026-10-01T00:00:00Z", "CREATE", components={"cpu.std.vcpu": 1}) \
                .add("2026-10-01T01:00:00Z", "RESUME") \
                .add("2026-10-01T02:00:00Z", "CREATE", components={"cpu.std.vcpu": 9}) \
                .add("2026-10-01T03:00:00Z", "DECOMMISSION") \
                .add("2026-10-01T04:00:00Z", "START") \
                .add("2026-10-01T05:00:00Z", "MODIFY", components={"cpu.std.vcpu": 9})
    result = rate(s.events, [price("cpu.std.vcpu", "1.00")], [account()], OCT, NOV)
    assert [(a.event.event_type, a.state) for a in result.anomalies] == [
        ("RESUME", "RUNNING"), ("CREATE", "RUNNING"), ("START", "DECOMMISSIONED"), ("MODIFY", "DECOMMISSIONED")]
    assert [x.amount for x in so(result)] == [D("3.00")]  # 3 h x 1 vCPU, nothing after the decommission


def test_duplicates_count_once_and_the_first_landed_of_a_conflict_stands():
    s = Stream().add("2026-10-01T00:00:00Z", "CREATE", components={"cpu.std.vcpu": 1}, event_id="x") \
                .add("2026-10-01T00:00:00Z", "CREATE", components={"cpu.std.vcpu": 1}, event_id="x", seq=1,
                     delivered="2026-10-01T02:00:00Z") \
                .add("2026-10-01T00:00:00Z", "CREATE", components={"cpu.std.vcpu": 5}, event_id="x", seq=1,
                     delivered="2026-10-01T03:00:00Z") \
                .add("2026-10-01T10:00:00Z", "DECOMMISSION")
    landed, duplicates, conflicts = land(s.events, None)
    assert (len(landed), duplicates, len(conflicts)) == (2, 1, 1)
    assert conflicts[0].rejected.components == (("cpu.std.vcpu", D(5)),)
    result = rate(s.events, [price("cpu.std.vcpu", "1.00")], [account()], OCT, NOV)
    assert [x.amount for x in so(result)] == [D("10.00")]  # 10 h x 1, not x 5


def test_events_of_an_unknown_account_are_held_then_rated():
    s = Stream().add("2026-10-05T10:00:00Z", "CREATE", components={"cpu.std.vcpu": 1}, delivered="2026-10-05T11:00:00Z") \
                .add("2026-10-05T20:00:00Z", "DECOMMISSION", delivered="2026-10-05T21:00:00Z")
    new_account = account(visible="2026-10-06T00:00:00Z")  # in accounts_20261005.csv, delivered at midnight
    held = rate(s.events, [price("cpu.std.vcpu", "1.00")], [new_account], OCT, NOV, visible_at=T("2026-10-05T23:00:00Z"))
    assert held.invoice_lines == [] and [h.released_at for h in held.held] == [None, None]
    later = rate(s.events, [price("cpu.std.vcpu", "1.00")], [new_account], OCT, NOV)
    assert [x.amount for x in so(later)] == [D("10.00")]
    assert [h.released_at for h in later.held] == [T("2026-10-06T00:00:00Z")] * 2


def test_events_of_an_account_no_snapshot_lists_stay_held_and_are_never_rated():
    s = Stream(account="ACC-9").add("2026-10-05T10:00:00Z", "CREATE", components={"cpu.std.vcpu": 1}) \
                               .add("2026-10-06T10:00:00Z", "MODIFY", components={"cpu.std.vcpu": 2})
    result = rate(s.events, [price("cpu.std.vcpu", "1.00")], [account()], OCT, NOV)
    assert result.invoice_lines == [] and result.daily_lines == [] and result.unpriced == []
    assert [(h.event.event_id, h.released_at) for h in result.held] == [("e1", None), ("e2", None)]


def test_an_account_keeps_its_first_currency():
    """Rules §1: a later snapshot listing another currency changes nothing (the platform reports it)."""
    s = Stream().add("2026-10-01T00:00:00Z", "CREATE", components={"cpu.std.vcpu": 1}) \
                .add("2026-10-02T00:00:00Z", "DECOMMISSION")
    prices = [price("cpu.std.vcpu", "1.00"), price("cpu.std.vcpu", "150", currency="JPY")]
    first, later = account(visible="2026-10-01T00:00:00Z"), account("JPY", visible="2026-10-20T00:00:00Z")
    for listings in ([first, later], [later, first]):
        result = rate(s.events, prices, listings, OCT, NOV)
        assert [(x.currency, x.amount) for x in so(result)] == [("USD", D("24.00"))]


def test_unpriced_usage_is_listed_never_charged_as_zero_then_priced_when_the_price_lands():
    s = Stream().add("2026-10-12T06:00:00Z", "CREATE", components={"arm.4x16": 1, "cpu.std.vcpu": 1})
    prices = [price("cpu.std.vcpu", "0.04"),
              price("arm.4x16", "0.10", since="2026-10-12", delivered="2026-10-20")]  # backdated upload
    before = rate(s.events, prices, [account()], OCT, T("2026-10-20T00:00:00Z"), visible_at=T("2026-10-19T23:59:59Z"))
    assert {x.sku for x in before.invoice_lines} == {"cpu.std.vcpu"}
    unpriced = {u.usage_date.isoformat(): u.quantity for u in before.unpriced if u.tenant == "SO"}
    # 18 h on the 12th, then 7 full days, in unit-seconds (the SKU is unknown: no charge type yet)
    assert unpriced["2026-10-12"] == 18 * 3600 and unpriced["2026-10-19"] == 86400 and len(unpriced) == 8
    assert {u.charge_type for u in before.unpriced if u.tenant == "SO"} == {None}
    after = rate(s.events, prices, [account()], OCT, NOV)
    assert [u for u in after.unpriced if u.tenant == "SO"] == []  # (this test prices SO only)
    # 19 d 18 h = 474 h x 0.10 = 47.40, charged from the 12th once the upload landed
    assert [x.amount for x in so(after, sku="arm.4x16")] == [D("47.40")]


def test_open_intervals_are_rated_to_the_end_asked():
    s = Stream().add("2026-10-31T12:00:00Z", "CREATE", components={"cpu.std.vcpu": 1})
    asked = rate(s.events, [price("cpu.std.vcpu", "1.00")], [account()], OCT, T("2026-10-31T18:00:00Z"))
    assert [x.amount for x in so(asked)] == [D("6.00")]


def test_each_tenant_has_its_own_price_list_in_the_account_currency():
    prices = [price("cpu.std.vcpu", "1.00", currency="EUR"), price("cpu.std.vcpu", "0.40", tenant="HO", currency="EUR"),
              price("cpu.std.vcpu", "9.99", currency="USD")]
    s = Stream().add("2026-10-01T00:00:00Z", "CREATE", components={"cpu.std.vcpu": 1}) \
                .add("2026-10-01T10:00:00Z", "DECOMMISSION")
    result = rate(s.events, prices, [account("EUR")], OCT, NOV)
    assert {(x.tenant, x.currency, x.amount) for x in result.invoice_lines} == {("SO", "EUR", D("10.00")),
                                                                               ("HO", "EUR", D("4.00"))}
