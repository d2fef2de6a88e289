"""Every simulated file keeps the contract of interfaces.md: names, headers, types, decimals."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sim_inbox import read_csv

from billing_simulator.catalog import CATEGORIES
from billing_simulator.money import COUNTRIES, CURRENCIES, MINOR_UNITS

START, END = date(2026, 10, 1), date(2026, 11, 1)
DAYS = [START + timedelta(days=k) for k in range((END - START).days)]
TAIL = [END, END + timedelta(days=1)]  # [end, end + 48 h): the daily feeds run on, as the order stream
HEADERS = {
    "catalog": "sku,product_name,category,charge_type,unit,tenant,currency,unit_price,idle_unit_price,effective_from",
    "accounts": "account_id,account_name,country,currency,created_at,tax_id,payment_terms_days",
    "orderstream_control": "event_date,account_id,event_type,event_count",
    "primary_billing": "usage_date,account_id,sku,currency,amount",
    "finance_gl": "period,account_id,currency,posted_revenue",
    "fx_rates": "period,currency,usd_per_unit",
    "tax_rates": "country,tax_name,rate,reverse_charge,effective_from",
    "sales_entities": "country,legal_name,address,tax_registration_id",
}
TRUTH_HEADERS = {
    "daily_lines.csv": "tenant,usage_date,account_id,sku,currency,amount",
    "invoice_lines_at_close.csv": "tenant,account_id,billing_period,sku,charge_type,rate_kind,unit_price,quantity,"
                                  "currency,amount",
    "adjustment_lines.csv": "tenant,account_id,billing_period,sku,charge_type,rate_kind,unit_price,quantity,"
                            "currency,amount,adjusted_period",
    "discrepancies.csv": "kind,level,break_type,business_date,account_id,sku,event_type,currency,expected,actual,"
                         "description",
    "invoices.csv": "tenant,account_id,billing_period,currency,net_amount,tax_amount,gross_amount,payment_terms_days",
    "invoice_taxes.csv": "account_id,billing_period,currency,tax_name,rate,is_reverse_charge,taxable_amount,"
                         "tax_amount",
    "expected_breaks.csv": "recon_level,break_type,business_date,account_id,sku,event_type,expected,actual,status,"
                           "currency,file_name,line_number,event_id,resource_id,detail",
}
DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def places(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def money_ok(amount: str, currency: str) -> bool:
    return bool(DECIMAL.match(amount)) and places(amount) == MINOR_UNITS[currency]


@pytest.fixture(scope="module")
def inbox(small_sim):
    return small_sim / "inbox"


@pytest.fixture(scope="module")
def truth_breaks(small_sim):
    return read_csv(small_sim / "truth" / "expected_breaks.csv")


@pytest.fixture(scope="module")
def quarantined(truth_breaks):
    """(file, line) of every row the truth says the platform quarantines."""
    return {(b["file_name"], int(b["line_number"])) for b in truth_breaks if b["break_type"] == "quarantined_row"}


def test_file_names_are_exactly_the_expected_set(inbox):
    names = {p.name for p in inbox.iterdir()}
    expected = {"catalog_20261001_initial.csv", "catalog_20261015_pricechange.csv", "catalog_20261020_newsku.csv",
                "finance_gl_202610.csv", "fx_rates_202610.csv", "tax_rates_20260924.csv",
                "sales_entities_20260924.csv"}
    expected |= {f"accounts_{d:%Y%m%d}.csv" for d in [START - timedelta(days=1), *DAYS]}
    expected |= {f"orderstream_control_{d:%Y%m%d}.csv" for d in DAYS + TAIL}
    expected |= {f"primary_billing_{d:%Y%m%d}.csv" for d in DAYS + TAIL}
    expected |= {f"orders_{d:%Y%m%d}T{h:02d}.jsonl" for d in [*DAYS, END, END + timedelta(days=1)] for h in range(24)}
    assert names == expected


def test_csv_headers(inbox, small_sim):
    for path in inbox.glob("*.csv"):
        kind = next(k for k in HEADERS if path.name.startswith(k + "_"))
        assert path.read_text(encoding="utf-8").split("\n", 1)[0] == HEADERS[kind], path.name
    for name, header in TRUTH_HEADERS.items():
        assert (small_sim / "truth" / name).read_text(encoding="utf-8").split("\n", 1)[0] == header


def test_catalogue(inbox):
    initial = read_csv(inbox / "catalog_20261001_initial.csv")
    change = read_csv(inbox / "catalog_20261015_pricechange.csv")
    newsku = read_csv(inbox / "catalog_20261020_newsku.csv")
    skus = {r["sku"] for r in initial}
    assert len(skus) >= 300
    assert {r["category"] for r in initial} == set(CATEGORIES)
    assert {r["charge_type"] for r in initial} == {"hourly", "monthly", "annual", "one_time"}
    described = {}
    rows_per_sku = defaultdict(set)
    for r in initial + change + newsku:
        assert described.setdefault(r["sku"], (r["product_name"], r["category"], r["charge_type"], r["unit"])) == \
            (r["product_name"], r["category"], r["charge_type"], r["unit"])
        for field in ("unit_price", "idle_unit_price"):
            if r[field]:
                assert DECIMAL.match(r[field]) and places(r[field]) <= 6 and Decimal(r[field]) >= 0
        if r["currency"] == "JPY" and Decimal(r["unit_price"]) >= 1000:
            assert places(r["unit_price"]) == 0
        if r["currency"] == "BHD" and Decimal(r["unit_price"]) >= 1:
            assert places(r["unit_price"]) == 3
        if r["category"] == "compute":
            assert Decimal(r["idle_unit_price"] or 0) == 0
        if r["category"] == "storage":
            assert r["idle_unit_price"] == r["unit_price"]
    for r in initial:
        rows_per_sku[r["sku"]].add((r["tenant"], r["currency"]))
        assert r["effective_from"] == "2026-10-01"
    assert all(pairs == {(t, c) for t in ("HO", "SO") for c in CURRENCIES} for pairs in rows_per_sku.values())
    # cost (HO) below price (SO) for most SKUs, above it for a few
    by_key = {(r["sku"], r["tenant"]): Decimal(r["unit_price"]) for r in initial if r["currency"] == "USD"}
    losses = {s for s in skus if by_key[(s, "HO")] > by_key[(s, "SO")]}
    assert 1 <= len(losses) < len(skus) // 10
    assert {r["effective_from"] for r in change} == {"2026-10-15"} and 3 <= len({r["sku"] for r in change}) < 20
    assert {r["sku"] for r in change} <= skus
    assert not ({r["sku"] for r in newsku} & skus)  # first appears in the later upload
    assert {r["effective_from"] for r in newsku} == {"2026-10-12"}  # backdated to the first use


def test_accounts_snapshots(inbox, small_sim, truth_breaks):
    changes = {b["account_id"]: b for b in truth_breaks if b["break_type"] == "currency_change"}
    assert changes, "the default mess rate changes at least one currency"
    seen: dict[str, dict] = {}
    changed: dict[str, str] = {}
    for day in [START - timedelta(days=1), *DAYS]:
        name = f"accounts_{day:%Y%m%d}.csv"
        rows = read_csv(inbox / name)
        ids = [r["account_id"] for r in rows]
        assert ids == sorted(ids) and set(seen) <= set(ids)  # a full snapshot: nobody disappears
        for r in rows:
            first = seen.setdefault(r["account_id"], r)
            assert COUNTRIES[first["country"]][0] == first["currency"]  # an account's first listing is right
            if r["currency"] != first["currency"]:  # a currency change: in the truth, from its first file on
                change = changes[r["account_id"]]
                assert changed.setdefault(r["account_id"], name) == change["file_name"]
                assert change["currency"] == first["currency"]  # the currency kept
                assert change["business_date"] == change["file_name"][9:13] + "-" + change["file_name"][13:15] + \
                    "-" + change["file_name"][15:17]
                r = {**r, "currency": first["currency"]}
            else:
                assert r["account_id"] not in changed, "a changed currency stays changed"
            assert r == first
            assert r["created_at"] < f"{day + timedelta(days=1)}T00:00:00Z"
    assert set(changed) == set(changes)
    assert {r["country"] for r in seen.values()} == set(COUNTRIES)
    assert any(r["created_at"] >= "2026-10-01" for r in seen.values())  # created during the month
    params = json.loads((small_sim / "truth" / "params.json").read_text())
    assert params["counts"]["accounts"] == len(seen) == 14


def test_order_lines(inbox, quarantined):
    by_resource = defaultdict(dict)
    valid = 0
    for path in sorted(inbox.glob("orders_*.jsonl")):
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if (path.name, number) in quarantined:
                continue
            event = json.loads(text)
            valid += 1
            assert list(event)[:6] == ["event_id", "event_time", "seq", "account_id", "resource_id", "resource_type"]
            assert UUID.match(event["event_id"])
            assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", event["event_time"])
            assert START.isoformat() <= event["event_time"][:10] < END.isoformat()
            assert path.name[7:15] >= event["event_time"][:10].replace("-", "")  # never before it happened
            assert ("components" in event) == (event["event_type"] in ("CREATE", "MODIFY"))
            for c in event.get("components", []):
                assert c["quantity"] > 0
            by_resource[event["resource_id"]][event["event_id"]] = (event["event_time"], event["seq"])
    assert valid > 100
    for events in by_resource.values():  # seq increases with event_time per resource
        ordered = sorted(events.values())
        assert [s for _, s in ordered] == sorted(s for _, s in ordered)


def test_feeds(inbox, small_sim, quarantined):
    junk = set()
    for day in DAYS + TAIL:
        control, primary = f"orderstream_control_{day:%Y%m%d}.csv", f"primary_billing_{day:%Y%m%d}.csv"
        for number, r in enumerate(read_csv(inbox / control), start=2):
            assert r["event_date"] == day.isoformat()
            if (control, number) in quarantined:  # junk: a negative count
                assert int(r["event_count"]) < 0
                junk.add("negative_count")
            else:
                assert int(r["event_count"]) > 0
        for number, r in enumerate(read_csv(inbox / primary), start=2):
            assert r["usage_date"] == day.isoformat()
            if (primary, number) in quarantined:  # junk: not a number
                assert not DECIMAL.match(r["amount"])
                junk.add("non_numeric_amount")
            else:
                assert money_ok(r["amount"], r["currency"])
    assert junk == {"negative_count", "non_numeric_amount"}
    # the tail: no event happens after the end, so its control files are header-only (a valid empty feed,
    # not quarantined); primary billing goes on with the reference lines of the resources still running
    so_tail = defaultdict(dict)
    for r in read_csv(small_sim / "truth" / "daily_lines.csv"):
        if r["tenant"] == "SO" and r["usage_date"] >= END.isoformat():
            so_tail[r["usage_date"]][(r["account_id"], r["sku"])] = (r["currency"], r["amount"])
    for day in TAIL:
        control, primary = f"orderstream_control_{day:%Y%m%d}.csv", f"primary_billing_{day:%Y%m%d}.csv"
        assert (inbox / control).read_text(encoding="utf-8") == HEADERS["orderstream_control"] + "\n"
        assert (control, 1) not in quarantined
        rows = {(r["account_id"], r["sku"]): (r["currency"], r["amount"]) for r in read_csv(inbox / primary)}
        assert rows and rows == so_tail[day.isoformat()]
    finance = read_csv(inbox / "finance_gl_202610.csv")
    assert finance and all(r["period"] == "2026-10" and money_ok(r["posted_revenue"], r["currency"]) for r in finance)
    fx = {r["currency"]: Decimal(r["usd_per_unit"]) for r in read_csv(inbox / "fx_rates_202610.csv")}
    assert set(fx) == set(CURRENCIES) and fx["USD"] == 1 and all(v > 0 for v in fx.values())


def test_truth_amounts_are_rounded_to_the_currency(small_sim):
    for name in ("daily_lines.csv", "invoice_lines_at_close.csv", "adjustment_lines.csv"):
        for r in read_csv(small_sim / "truth" / name):
            assert money_ok(r["amount"], r["currency"]), (name, r)
    for name, fields in (("invoices.csv", ("net_amount", "tax_amount", "gross_amount")),
                         ("invoice_taxes.csv", ("taxable_amount", "tax_amount"))):
        rows = read_csv(small_sim / "truth" / name)
        assert rows
        for r in rows:
            assert all(money_ok(r[f], r["currency"]) for f in fields), (name, r)
            if "quantity" in r:
                assert places(r["quantity"]) == 6
    params = json.loads((small_sim / "truth" / "params.json").read_text())
    assert params["arguments"]["seed"] == 7 and params["periods"] == [{"period": "2026-10",
                                                                       "closes_at": "2026-11-01T01:00:00Z"}]


def test_accounts_tax_id_and_payment_terms(inbox):
    rows = read_csv(inbox / f"accounts_{DAYS[-1]:%Y%m%d}.csv")
    assert {r["payment_terms_days"] for r in rows} <= {"", "15", "30", "45", "60"}
    assert all(r["tax_id"] == r["tax_id"].strip() for r in rows)
    with_id = {r["account_id"] for r in rows if r["tax_id"]}
    assert with_id and len(with_id) < len(rows)  # some accounts have a tax registration, some none
    for country in ("DE", "SE"):  # reverse-charge countries: the first account has one, the second none
        ids = [bool(r["tax_id"]) for r in rows if r["country"] == country]
        assert ids[:2] == [True, False][:len(ids)], country


def test_tax_tables(inbox, small_sim):
    rates = read_csv(inbox / "tax_rates_20260924.csv")  # delivered a week before the range starts
    assert {r["country"] for r in rates} == set(COUNTRIES)
    for r in rates:
        assert r["tax_name"] in ("VAT", "GST", "Sales tax", "Consumption tax")
        assert DECIMAL.match(r["rate"]) and places(r["rate"]) <= 6 and 0 <= Decimal(r["rate"]) <= 1
        assert r["reverse_charge"] in ("true", "false") and date.fromisoformat(r["effective_from"]) < END
    base = {r["country"]: r for r in rates if r["effective_from"] == "2020-01-01"}
    assert (base["DE"]["tax_name"], base["DE"]["rate"], base["DE"]["reverse_charge"]) == ("VAT", "0.19", "true")
    assert (base["JP"]["tax_name"], base["JP"]["rate"]) == ("Consumption tax", "0.10")
    assert (base["BH"]["rate"], base["SE"]["reverse_charge"], base["GB"]["reverse_charge"]) == ("0.10", "true",
                                                                                               "false")
    changes = [r for r in rates if r["effective_from"] != "2020-01-01"]
    assert 1 <= len(changes) <= 2  # a rate change inside the range: one month, so in its middle
    assert {r["effective_from"] for r in changes} == {"2026-10-16"}
    assert all(r["rate"] != base[r["country"]]["rate"] for r in changes)
    params = json.loads((small_sim / "truth" / "params.json").read_text())
    assert params["tax"]["rate_changes"] == {r["country"]: r["rate"] for r in changes}
    entities = read_csv(inbox / "sales_entities_20260924.csv")
    assert sorted(e["country"] for e in entities) == sorted(COUNTRIES)  # one per country
    assert all(e["legal_name"] and "," in e["address"] and e["tax_registration_id"] for e in entities)
