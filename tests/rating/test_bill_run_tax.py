"""The bill run and the tax tables (rules §9), end to end on real Postgres with real `dbt build`s.

October, one vCPU running all month (744 h) on each of four SO accounts (HO prices too):
  A-BH (BH, BHD) cpu SO 0.0185/h: 744 x 0.0185 = 13.764; VAT 10 %: 1.3764 -> 1.376; gross 15.140.
  A-DE (DE, EUR, tax_id DE-999) cpu SO 0.04/h: 29.76; DE is reverse charge and A-DE has a tax_id: rate 0, tax 0.
  A-GB (GB, GBP) cpu SO 0.03/h: 22.32; VAT 20 %: 4.464 -> 4.46; gross 26.78.
  A-JP (JP, JPY, 45 days) cpu SO 7.3/h: 5431.2 -> 5431; Consumption tax 10 %: 543.1 -> 543; gross 5974.
The first tax snapshot has no GB row: at 2026-11-01T01:00Z the bill run closes nothing for October and
records a missing_tax_rate break for GB. A second snapshot adds GB; the run at 2026-11-02T01:00Z closes
October (the numbering as it would have been), and resolves the break. A third snapshot then changes JP's
rate for October (0.10 -> 0.08): a retroactive_tax_rate break; no issued invoice changes.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from iaas_billing import recon
from iaas_billing.base import db, dbt_runner
from iaas_billing.jobs import billrun

from .conftest import build
from .raw_rows import RawWriter, event, ts

D = Decimal
OCT_CLOSE = ts("2026-11-01T01:00:00Z")
RATE_LANDED = ts("2026-11-02T01:00:00Z")
LATE_SNAPSHOT = ts("2026-11-03T01:00:00Z")
ACCOUNTS = [  # account, country, currency, tax_id, payment_terms_days, SO price, HO price
    ("A-BH", "BH", "BHD", None, None, "0.0185", "0.007"),
    ("A-DE", "DE", "EUR", "DE-999", 30, "0.04", "0.02"),
    ("A-GB", "GB", "GBP", None, None, "0.03", "0.01"),
    ("A-JP", "JP", "JPY", None, 45, "7.3", "3.1"),
]
RATES = [("BH", "VAT", "0.10", "false", "2020-01-01"), ("DE", "VAT", "0.19", "true", "2020-01-01"),
         ("JP", "Consumption tax", "0.10", "false", "2020-01-01")]
GB = ("GB", "VAT", "0.20", "false", "2020-01-01")


def _file(conn, raw: RawWriter, name: str, kind: str, rows: int) -> int:
    return raw._file(conn, name, kind, rows)


def _accounts(raw: RawWriter) -> None:
    with db.connect(raw.url) as conn, conn.transaction():
        file_id = _file(conn, raw, "accounts_20261001.csv", "accounts", len(ACCOUNTS))
        for n, (account, country, currency, tax_id, terms, *_) in enumerate(ACCOUNTS, start=2):
            conn.execute(
                "insert into raw.accounts (file_id, line_number, account_id, account_name, country, currency,"
                " created_at, tax_id, payment_terms_days, raw_record) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (file_id, n, account, f"{account} Ltd", country, currency, ts("2026-01-01T00:00:00Z"), tax_id, terms,
                 account))


def _tax_rates(raw: RawWriter, rows: list[tuple], snapshot: str) -> None:
    with db.connect(raw.url) as conn, conn.transaction():
        file_id = _file(conn, raw, f"tax_rates_{snapshot}.csv", "tax_rates", len(rows))
        for n, (country, name, rate, reverse, effective) in enumerate(rows, start=2):
            conn.execute(
                "insert into raw.tax_rates (file_id, line_number, snapshot_date, country, tax_name, rate,"
                " reverse_charge, effective_from, raw_record) values (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (file_id, n, date(int(snapshot[:4]), int(snapshot[4:6]), int(snapshot[6:])), country, name, D(rate),
                 reverse == "true", effective, ",".join((country, name, rate, reverse, effective))))


def _entities(raw: RawWriter, countries: list[str], snapshot: str) -> None:
    with db.connect(raw.url) as conn, conn.transaction():
        file_id = _file(conn, raw, f"sales_entities_{snapshot}.csv", "sales_entities", len(countries))
        for n, country in enumerate(countries, start=2):
            conn.execute(
                "insert into raw.sales_entities (file_id, line_number, snapshot_date, country, legal_name, address,"
                " tax_registration_id, raw_record) values (%s, %s, %s, %s, %s, %s, %s, %s)",
                (file_id, n, date(int(snapshot[:4]), int(snapshot[4:6]), int(snapshot[6:])), country,
                 f"Cloud Sales {country}", f"1 Main St, {country}", f"{country}-REG-1", country))


def _query(url, sql, *params):
    with db.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def _invoices(url):
    return _query(url, "select invoice_id, account_id, net_amount, tax_amount, gross_amount, due_date,"
                       " issuer_legal_name, customer_tax_id, has_reverse_charge from marts.fct_invoices"
                       " where tenant = 'SO' order by invoice_id")


def _taxes(url):
    return _query(url, "select invoice_id, tax_name, rate, is_reverse_charge, taxable_amount, tax_amount"
                       " from marts.fct_invoice_taxes order by invoice_id")


def _tax_breaks(url):
    return _query(url, "select break_type, business_date, detail, status, expected, actual"
                       " from audit.reconciliation_breaks where break_type like '%%tax%%' or break_type like '%%issuer%%'"
                       " order by break_type, business_date, break_key")


@pytest.fixture(scope="module")
def scenario(databases):
    url = databases.create("billrun_tax")
    raw = RawWriter(url)
    _accounts(raw)
    prices = []
    for _account, _country, currency, *_, so, ho in ACCOUNTS:
        prices += [("cpu", "hourly", "SO", currency, so, "0", "2026-01-01"),
                   ("cpu", "hourly", "HO", currency, ho, "0", "2026-01-01")]
    raw.prices(prices)
    raw.events([event(f"e-{a}", "2026-10-01T00:00:00Z", 1, a, f"vm-{a}", "CREATE", {"cpu": 1})
                for a, *_ in ACCOUNTS], name="orders_20261001T00.jsonl")
    _tax_rates(raw, RATES, "20260901")
    _entities(raw, ["BH", "DE", "GB", "JP"], "20260901")
    build(url, OCT_CLOSE)
    # the reconciliation's models exist in a running warehouse (its daily run); the bill run records breaks there
    recon.build_for_checks(OCT_CLOSE, url)
    state = {"url": url}
    state["refused"] = billrun.close_due_periods(OCT_CLOSE, url=url)
    state["numbers_before"] = _query(url, "select invoice_id, account_id from marts.fct_invoices_due"
                                          " where billing_period = '2026-10-01' order by invoice_id")
    state["breaks_refused"] = _tax_breaks(url)
    state["ledger_refused"] = _query(url, "select count(*) from billing.invoices")[0][0]

    _tax_rates(raw, RATES + [GB], "20261101")
    build(url, RATE_LANDED)
    state["closed"] = billrun.close_due_periods(RATE_LANDED, url=url)
    state["breaks_closed"] = _tax_breaks(url)
    state["invoices"] = _invoices(url)
    state["taxes"] = _taxes(url)

    _tax_rates(raw, [r if r[0] != "JP" else ("JP", "Consumption tax", "0.08", "false", "2020-01-01")
                     for r in RATES + [GB]], "20261103")
    build(url, LATE_SNAPSHOT)
    dbt_runner.run_dbt(["run", "--select", "int_recon_tax_issues", "recon_dq_breaks"], url=url, as_of=LATE_SNAPSHOT)
    state["retroactive"] = _query(url, "select break_type, business_date, expected, actual, detail"
                                       " from marts.recon_dq_breaks where break_type = 'retroactive_tax_rate'")
    state["invoices_after"] = _invoices(url)
    state["taxes_after"] = _taxes(url)
    return state


@pytest.mark.rule("9")
def test_a_period_without_a_rate_is_not_closed_and_is_reported(scenario):
    assert scenario["refused"] == []
    assert scenario["ledger_refused"] == 0  # nothing closed for October: not the HO statements either
    # October, the period refused; November, open and accruing, is reported as early as its first hour
    [(kind, day, detail, status, _, _), (kind_nov, day_nov, _, status_nov, _, _)] = scenario["breaks_refused"]
    assert (kind, day, status) == ("missing_tax_rate", date(2026, 10, 1), "open")
    assert (kind_nov, day_nov, status_nov) == ("missing_tax_rate", date(2026, 11, 1), "open")
    assert "no tax rate for GB in force on 2026-10-31" in detail and "1 SO line(s) on 1 invoice(s)" in detail


@pytest.mark.rule("5.3", "9")
def test_it_closes_at_the_first_run_after_the_rate_lands_with_its_numbering_unchanged(scenario):
    assert [c.billing_period for c in scenario["closed"]] == [date(2026, 10, 1)]
    issued = [(i, a) for i, a, *_ in scenario["invoices"]]
    assert issued == [(i, a) for i, a in scenario["numbers_before"] if i.startswith("SO-")]
    assert issued == [("SO-202610-000001", "A-BH"), ("SO-202610-000002", "A-DE"), ("SO-202610-000003", "A-GB"),
                      ("SO-202610-000004", "A-JP")]
    assert [(kind, day, status) for kind, day, _, status, _, _ in scenario["breaks_closed"]] == [
        ("missing_tax_rate", date(2026, 10, 1), "resolved"), ("missing_tax_rate", date(2026, 11, 1), "resolved")]


@pytest.mark.rule("9")
def test_issued_invoices_carry_hand_computed_net_tax_gross_terms_and_issuer(scenario):
    assert scenario["invoices"] == [
        # issued 2026-11-02 (UTC): terms 30 (none given) -> 12-02; A-JP 45 -> 12-17
        ("SO-202610-000001", "A-BH", D("13.764"), D("1.376"), D("15.140"), date(2026, 12, 2), "Cloud Sales BH",
         None, False),
        ("SO-202610-000002", "A-DE", D("29.76"), D("0"), D("29.76"), date(2026, 12, 2), "Cloud Sales DE",
         "DE-999", True),
        ("SO-202610-000003", "A-GB", D("22.32"), D("4.46"), D("26.78"), date(2026, 12, 2), "Cloud Sales GB",
         None, False),
        ("SO-202610-000004", "A-JP", D("5431"), D("543"), D("5974"), date(2026, 12, 17), "Cloud Sales JP",
         None, False),
    ]
    assert scenario["taxes"] == [
        ("SO-202610-000001", "VAT", D("0.10"), False, D("13.764"), D("1.376")),
        ("SO-202610-000002", "VAT", D("0"), True, D("29.76"), D("0")),
        ("SO-202610-000003", "VAT", D("0.20"), False, D("22.32"), D("4.46")),
        ("SO-202610-000004", "Consumption tax", D("0.10"), False, D("5431"), D("543")),
    ]


@pytest.mark.rule("9")
def test_a_retroactive_tax_snapshot_changes_no_issued_invoice(scenario):
    assert scenario["invoices_after"] == scenario["invoices"]
    assert scenario["taxes_after"] == scenario["taxes"]
    [(kind, day, expected, actual, detail)] = scenario["retroactive"]
    assert (kind, day, expected, actual) == ("retroactive_tax_rate", date(2026, 10, 1), D("0.10"), D("0.08"))
    assert "issued invoices keep their tax" in detail
