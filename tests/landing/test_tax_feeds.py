"""The tax feeds (tax_rates_*, sales_entities_*: all-or-nothing snapshots) and the accounts file's optional columns."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from iaas_billing.landing import csv_rows
from iaas_billing.landing.feeds import ACCOUNTS, ACCOUNTS_WITH_TERMS, TAX_RATES, feed_for
from tests import tax_tables

from .conftest import ACCOUNTS_HEADER, ENTITY_HEADER, TAX_HEADER
from .test_land_inbox import snapshot

TAXES = "tax_rates_20260101.csv"
ENTITIES = "sales_entities_20260101.csv"


def conserved(sql) -> list:
    """Each file's manifest counts and the rows raw holds for it (an older snapshot version's in raw.superseded_rows)."""
    return sql("""select f.file_name, f.rows_read, f.rows_loaded, f.rows_quarantined,
                         (select count(*) from raw.tax_rates t where t.file_id = f.file_id)
                         + (select count(*) from raw.sales_entities e where e.file_id = f.file_id)
                         + (select count(*) from raw.accounts a where a.file_id = f.file_id)
                         + (select count(*) from raw.superseded_rows s where s.file_id = f.file_id),
                         (select count(*) from raw.quarantined_rows q where q.file_id = f.file_id)
                  from raw.inbox_files f""")


def assert_conserved(sql) -> None:
    for name, read, loaded, quarantined, held, held_q in conserved(sql):
        assert read == loaded + quarantined, name
        assert (held, held_q) == (loaded, quarantined), name


def test_a_good_tax_snapshot_and_its_entities_land_with_the_name_date(inbox, land, sql, manifest):
    tax_tables.write(inbox.path)
    report = land()
    assert (report.files_landed, report.rows_loaded, report.rows_quarantined) == (2, 24, 0)
    assert manifest() == {TAXES: (1, 12, 12, 0, "landed"), ENTITIES: (1, 12, 12, 0, "landed")}
    assert sql("select file_kind from raw.inbox_files order by file_name") == [("sales_entities",), ("tax_rates",)]
    assert sql("select line_number, snapshot_date, country, tax_name, rate, reverse_charge, effective_from, raw_record "
               "from raw.tax_rates where country in ('AE', 'DE') order by line_number") == [
        (2, date(2026, 1, 1), "AE", "VAT", Decimal("0.050000"), False, date(2020, 1, 1), "AE,VAT,0.05,false,2020-01-01"),
        (7, date(2026, 1, 1), "DE", "VAT", Decimal("0.190000"), True, date(2020, 1, 1), "DE,VAT,0.19,true,2020-01-01")]
    assert sql("select count(distinct country), count(*) from raw.tax_rates") == [(12, 12)]
    assert sql("select snapshot_date, legal_name, address, tax_registration_id from raw.sales_entities "
               "where country = 'JP'") == [(date(2026, 1, 1), "Cloud Sales JP Ltd", "1 Market Street; JP-1000 Capital",
                                            "JP-TAX-7480")]
    assert_conserved(sql)
    before = snapshot(sql)
    assert land().files_landed == 0  # rerun: nothing twice
    assert snapshot(sql) == before


def test_quoted_fields_land_as_written(inbox, land, sql, manifest):
    inbox.write(ENTITIES, f'{ENTITY_HEADER}\r\n'
                          'DE,"Cloud Sales DE GmbH","Hauptstrasse 1, 10115 Berlin","DE 123, ""VAT"""\r\n'
                          'US,Cloud Sales US Inc,"1 Main St\nSuite 5, Dover DE",US-99\r\n')
    land()
    assert manifest()[ENTITIES] == (1, 2, 2, 0, "landed")
    assert sql("select line_number, country, legal_name, address, tax_registration_id from raw.sales_entities "
               "order by line_number") == [
        (2, "DE", "Cloud Sales DE GmbH", "Hauptstrasse 1, 10115 Berlin", 'DE 123, "VAT"'),
        (3, "US", "Cloud Sales US Inc", "1 Main St\nSuite 5, Dover DE", "US-99")]


BAD_TAXES = (
    "DE,VAT,0.19,true,2020-01-01",       # 2 good
    "FR,VAT,0.20,false,2020-01-01",      # 3 not one of the 12
    "GB,,0.20,false,2020-01-01",         # 4 no tax_name
    "JP,Consumption tax,1.5,false,2020-01-01",     # 5 above 1
    "SG,GST,0.0912345,false,2020-01-01",           # 6 seven decimal places
    "AU,GST,0.10,yes,2020-01-01",        # 7 not true/false
    "IN,GST,0.18,false,2020-02-30",      # 8 no such date
    "DE,VAT,0.16,true,2020-01-01",       # 9 same (country, effective_from) as line 2
    "US,Sales tax,-0.07,false,2020-01-01",         # 10 negative
    "CA,GST,0.05,false,2020-01-01",      # 11 good
)


def test_one_bad_row_rejects_the_whole_tax_snapshot_and_changes_nothing_else(inbox, land, sql, manifest, quarantine):
    tax_tables.write(inbox.path)  # 2026-01-01: accepted
    land()
    before = snapshot(sql)
    before_rates = sql("select * from raw.tax_rates order by line_number")
    name = "tax_rates_20260201.csv"
    inbox.lines(name, TAX_HEADER, *BAD_TAXES)
    report = land()
    assert manifest()[name] == (1, 10, 0, 10, "rejected")
    assert report.rejections[name] == [
        "line 3: unknown country 'FR' (expected one of AE, AU, BH, CA, CH, DE, GB, IN, JP, SE, SG, US)",
        "line 4: tax_name is empty",
        "line 5: rate must be a fraction from 0 to 1: '1.5'",
        "line 6: rate has more than 6 decimal places: '0.0912345'",
        "line 7: reverse_charge must be true or false: 'yes'",
        "line 8: effective_from is not a date YYYY-MM-DD: '2020-02-30'",
        "line 9: duplicate (country, effective_from) = (DE, 2020-01-01): first at line 2",
        "line 10: rate must be a fraction from 0 to 1: '-0.07'"]
    assert report.rejected_files == [f"{name}: rejected, nothing applied: 8 invalid rows: "
                                     + "; ".join(report.rejections[name])]
    rows = quarantine(name)
    assert [(line, code) for line, code, _, _ in rows] == [
        (2, "file_rejected"), (3, "unknown_country"), (4, "empty_field"), (5, "rate_out_of_range"),
        (6, "too_many_decimals"), (7, "bad_boolean"), (8, "bad_date"), (9, "duplicate_key"),
        (10, "rate_out_of_range"), (11, "file_rejected")]
    assert rows[0][2] == ("file rejected, nothing applied (a snapshot is all or nothing): "
                          "lines 3, 4, 5, 6, 7 and 3 more are invalid")
    assert [r[3] for r in rows] == list(BAD_TAXES)
    assert sql("select distinct file_name from raw.quarantined_rows") == [(name,)]
    # nothing else changed: the accepted snapshot's rows are all still there, untouched
    assert sql("select * from raw.tax_rates order by line_number") == before_rates
    after = snapshot(sql)
    assert {t: rows for t, rows in after.items() if t not in ("inbox_files", "quarantined_rows")} == \
        {t: rows for t, rows in before.items() if t not in ("inbox_files", "quarantined_rows")}
    assert_conserved(sql)
    assert land().files_landed == 0  # the same rejected file again: skipped


def test_one_bad_row_names_its_line_in_the_good_rows_reason(inbox, land, quarantine):
    inbox.lines(TAXES, TAX_HEADER, "DE,VAT,0.19,true,2020-01-01", "GB,VAT,0.2O,false,2020-01-01")
    report = land()
    assert report.rejections[TAXES] == ["line 3: rate is not a decimal number: '0.2O'"]
    assert quarantine(TAXES)[0][1:3] == ("file_rejected", "file rejected, nothing applied (a snapshot is all or "
                                                          "nothing): line 3 is invalid")


def test_a_new_version_replaces_the_old_rows_unless_it_is_rejected(inbox, land, sql, manifest):
    inbox.lines(TAXES, TAX_HEADER, "DE,VAT,0.19,true,2020-01-01", "GB,VAT,0.20,false,2020-01-01")
    land()
    inbox.lines(TAXES, TAX_HEADER, "DE,VAT,0.19,true,2020-01-01", "DE,VAT,0.16,true,2020-07-01",
                "GB,VAT,0.20,false,2020-01-01")
    report = land()
    assert report.new_versions == [TAXES]
    assert manifest()[TAXES] == (2, 3, 3, 0, "landed")
    rates = "select f.version, t.country, t.rate, t.effective_from from raw.tax_rates t join raw.inbox_files f " \
            "using (file_id) order by t.line_number"
    second = [(2, "DE", Decimal("0.190000"), date(2020, 1, 1)), (2, "DE", Decimal("0.160000"), date(2020, 7, 1)),
              (2, "GB", Decimal("0.200000"), date(2020, 1, 1))]
    assert sql(rates) == second
    assert sql("select source_table, line_number from raw.superseded_rows order by 2") == [
        ("tax_rates", 2), ("tax_rates", 3)]
    inbox.lines(TAXES, TAX_HEADER, "DE,VAT,0.19,maybe,2020-01-01")  # a third version, rejected
    land()
    assert manifest()[TAXES] == (3, 1, 0, 1, "rejected")
    assert sql(rates) == second  # the version in force stays
    assert sql("select count(*) from raw.superseded_rows") == [(2,)]
    assert_conserved(sql)


def test_a_later_snapshot_lands_beside_the_earlier_one(inbox, land, sql):
    tax_tables.write(inbox.path)
    inbox.lines("tax_rates_20261001.csv", TAX_HEADER, "DE,VAT,0.19,true,2020-01-01", "DE,VAT,0.21,true,2026-11-01")
    land()
    assert sql("select snapshot_date, count(*) from raw.tax_rates group by 1 order by 1") == [
        (date(2026, 1, 1), 12), (date(2026, 10, 1), 2)]


def test_a_header_only_snapshot_is_rejected(inbox, land, manifest, quarantine, sql):
    inbox.lines(ENTITIES, ENTITY_HEADER)
    report = land()
    assert manifest()[ENTITIES] == (1, 1, 0, 1, "rejected")
    assert report.rejections[ENTITIES] == [
        "line 1: empty sales_entities snapshot: the header and no row (a full snapshot is never empty; "
        "the one in force stays)"]
    assert quarantine(ENTITIES) == [(1, "empty_snapshot", report.rejections[ENTITIES][0][len("line 1: "):],
                                     ENTITY_HEADER)]
    assert_conserved(sql)


def test_sales_entities_are_all_or_nothing_too(inbox, land, sql, manifest, quarantine):
    inbox.lines(ENTITIES, ENTITY_HEADER, "DE,Cloud Sales DE GmbH,Berlin,DE-1", "DE,Other GmbH,Munich,DE-2",
                "GB,,London,GB-1", "US,Cloud Sales US Inc,Dover,", "XX,Nobody,Nowhere,XX-1",
                "JP,Cloud Sales JP KK,Tokyo,JP-1")
    report = land()
    assert manifest()[ENTITIES] == (1, 6, 0, 6, "rejected")
    assert report.rejections[ENTITIES] == [
        "line 3: duplicate (country) = (DE): first at line 2",
        "line 4: legal_name is empty",
        "line 5: tax_registration_id is empty",
        "line 6: unknown country 'XX' (expected one of AE, AU, BH, CA, CH, DE, GB, IN, JP, SE, SG, US)"]
    assert [q[1] for q in quarantine(ENTITIES)] == ["file_rejected", "duplicate_key", "empty_field", "empty_field",
                                                    "unknown_country", "file_rejected"]
    assert sql("select count(*) from raw.sales_entities") == [(0,)]
    assert_conserved(sql)


ACCOUNTS_7 = f"{ACCOUNTS_HEADER},tax_id,payment_terms_days"


def test_accounts_with_five_and_with_seven_columns_both_land(inbox, land, sql, manifest, quarantine):
    inbox.lines("accounts_20261001.csv", ACCOUNTS_HEADER, "ACC-1,Acme,DE,EUR,2026-01-01")
    inbox.lines("accounts_20261002.csv", ACCOUNTS_7,
                "ACC-1,Acme,DE,EUR,2026-01-01,DE811907980,45",
                "ACC-2,Beta,US,USD,2026-01-01,,",            # both empty: null (30 days applies in dbt)
                "ACC-3,Gamma,JP,JPY,2026-01-01,T1234,0",
                "ACC-4,Delta,GB,GBP,2026-01-01,,-5",
                "ACC-5,Eps,GB,GBP,2026-01-01,,30.5",
                "ACC-6,Zeta,GB,GBP,2026-01-01,GB1,net 30",
                'ACC-7,"Eta, Ltd",SE,SEK,2026-01-01,"SE 5560,01",14',
                "ACC-8,Theta,SE,SEK,2026-01-01")             # five fields in a seven-column file
    land()
    assert manifest() == {"accounts_20261001.csv": (1, 1, 1, 0, "landed"),
                          "accounts_20261002.csv": (1, 8, 4, 4, "landed_with_quarantine")}
    assert sql("select f.file_name, a.account_id, a.account_name, a.tax_id, a.payment_terms_days from raw.accounts a "
               "join raw.inbox_files f using (file_id) order by 1, 2") == [
        ("accounts_20261001.csv", "ACC-1", "Acme", None, None),
        ("accounts_20261002.csv", "ACC-1", "Acme", "DE811907980", 45),
        ("accounts_20261002.csv", "ACC-2", "Beta", None, None),
        ("accounts_20261002.csv", "ACC-3", "Gamma", "T1234", 0),
        ("accounts_20261002.csv", "ACC-7", "Eta, Ltd", "SE 5560,01", 14)]
    assert [q[:3] for q in quarantine("accounts_20261002.csv")] == [
        (5, "out_of_range", "payment_terms_days is negative: '-5'"),
        (6, "bad_number", "payment_terms_days is not an integer: '30.5'"),
        (7, "bad_number", "payment_terms_days is not an integer: 'net 30'"),
        (9, "wrong_column_count", "wrong number of fields: expected 7, got 5")]
    assert_conserved(sql)
    assert land().files_landed == 0


def test_an_accounts_header_that_is_neither_names_both(inbox, land, quarantine):
    inbox.lines("accounts_20261001.csv", f"{ACCOUNTS_HEADER},tax_id", "ACC-1,Acme,DE,EUR,2026-01-01,DE1")
    land()
    assert quarantine("accounts_20261001.csv")[0][1:3] == (
        "wrong_header", f"wrong header: expected '{ACCOUNTS_HEADER}' or '{ACCOUNTS_7}', "
                        f"got '{ACCOUNTS_HEADER},tax_id'")


@pytest.mark.parametrize(("header", "feed"), [
    (ACCOUNTS_HEADER, ACCOUNTS), (ACCOUNTS_7, ACCOUNTS_WITH_TERMS), (f"\ufeff{ACCOUNTS_7}\r", ACCOUNTS_WITH_TERMS),
    ('"account_id",account_name,country,currency,created_at,tax_id,payment_terms_days', ACCOUNTS_WITH_TERMS),
    ("nonsense", ACCOUNTS), ('"open', ACCOUNTS)])
def test_the_accounts_feed_is_chosen_by_the_header(header, feed):
    assert feed_for("accounts", f"{header}\nACC-1,x\n".encode()) is feed


@pytest.mark.parametrize(("text", "value"), [
    ("0", Decimal("0")), ("1", Decimal("1")), ("0.19", Decimal("0.19")), ("0.081", Decimal("0.081")),
    ("0.123456", Decimal("0.123456")), ("0.1000000", Decimal("0.100000")), ("1.000000", Decimal("1.000000"))])
def test_tax_rates_that_are_fractions(text, value):
    (row,), bad = csv_rows.parse_feed(TAX_RATES, f"{TAX_HEADER}\nDE,VAT,{text},false,2020-01-01\n".encode())
    assert bad == []
    assert row[1][2] == value


@pytest.mark.parametrize(("text", "code"), [
    ("1.000001", "rate_out_of_range"), ("2", "rate_out_of_range"), ("-0", None), ("-0.01", "rate_out_of_range"),
    ("19%", "bad_number"), ("", "bad_number"), (".19", "bad_number"), ("1e-1", "bad_number"),
    ("0.1234567", "too_many_decimals"), ("10", "out_of_range")])
def test_tax_rates_that_are_not(text, code):
    rows, bad = csv_rows.parse_feed(TAX_RATES, f"{TAX_HEADER}\nDE,VAT,{text},false,2020-01-01\n".encode())
    assert [q.reason_code for q in bad] == ([code] if code else [])


def test_the_snapshot_date_is_the_name_date():
    from iaas_billing.landing.discover import snapshot_date

    assert snapshot_date("tax_rates_20261031.csv") == date(2026, 10, 31)
    assert snapshot_date("sales_entities_20260101.csv") == datetime(2026, 1, 1, tzinfo=UTC).date()
