"""CSV feeds record by record: header, framing, encoding, and each field rule of each feed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from iaas_billing.landing import csv_rows, parse_csv
from iaas_billing.landing.feeds import (
    ACCOUNTS,
    CATALOG,
    CONTROL,
    FEEDS,
    FINANCE_GL,
    FX_RATES,
    PRIMARY_BILLING,
)
from iaas_billing.landing.records import Quarantined

from .conftest import (
    ACCOUNTS_HEADER,
    CATALOG_HEADER,
    CONTROL_HEADER,
    ENTITY_HEADER,
    FINANCE_HEADER,
    FX_HEADER,
    PRIMARY_HEADER,
    TAX_HEADER,
)


def feed_rows(feed, text: str | bytes):
    """(valid [(line, typed row)], quarantined [(line, code, reason)]) as the landing sees them."""
    data = text.encode() if isinstance(text, str) else text
    valid, bad = csv_rows.parse_feed(feed, data)
    return [(line, row) for line, row, _ in valid], [(q.line_number, q.reason_code, q.reason) for q in bad]


def test_a_clean_primary_billing_file():
    valid, bad = feed_rows(PRIMARY_BILLING, f"{PRIMARY_HEADER}\n2026-10-03,ACC-1,cpu,EUR,1.25\n"
                                            f"2026-10-03,ACC-1,mem,EUR,-0.5\n")
    assert bad == []
    assert valid == [(2, (date(2026, 10, 3), "ACC-1", "cpu", "EUR", Decimal("1.25"))),
                     (3, (date(2026, 10, 3), "ACC-1", "mem", "EUR", Decimal("-0.5")))]


def test_quoting_bom_crlf_and_a_field_spanning_lines():
    text = (f"\ufeff{ACCOUNTS_HEADER}\r\n"
            'ACC-1,"Foo, ""the"" Inc",DE,EUR,2026-01-01T00:00:00Z\r\n'
            'ACC-2,"Two\nLines",US,USD,2026-01-02\r\n'
            "ACC-3,Bar,JP,JPY,2026-01-03T10:00:00+00:00\r\n")
    valid, bad = feed_rows(ACCOUNTS, text)
    assert bad == []
    assert valid == [
        (2, ("ACC-1", 'Foo, "the" Inc', "DE", "EUR", datetime(2026, 1, 1, tzinfo=UTC))),
        (3, ("ACC-2", "Two\nLines", "US", "USD", datetime(2026, 1, 2, tzinfo=UTC))),
        (5, ("ACC-3", "Bar", "JP", "JPY", datetime(2026, 1, 3, 10, tzinfo=UTC))),
    ]


@pytest.mark.parametrize(("text", "expected"), [
    ("", [(1, "empty_file", "empty file")]),
    (f"{CONTROL_HEADER}\n", []),  # header only: a valid empty feed
    (f"{CONTROL_HEADER}", []),
    (f"\ufeff{CONTROL_HEADER}\r\n", []),
    (f"{CONTROL_HEADER}\n\n", [(2, "blank_line", "blank line")]),
    ("event_date;account_id;event_type;event_count", [(1, "wrong_header", "wrong header")]),
    ("event_date,account,event_type,event_count\n2026-10-03,A,START,1\n2026-10-03,B,START,2\n",
     [(2, "wrong_header", "wrong header: expected 'event_date,account_id,event_type,event_count'"),
      (3, "wrong_header", "got 'event_date,account,event_type,event_count'")]),
    ("event_date;account_id;event_type;event_count\n",
     [(1, "wrong_header", "wrong header")]),
])
def test_file_level_problems(text, expected):
    valid, bad = feed_rows(CONTROL, text)
    assert valid == []
    assert [(line, code) for line, code, _ in bad] == [(line, code) for line, code, _ in expected]
    for (_, _, reason), (_, _, words) in zip(bad, expected, strict=True):
        assert words in reason


def test_record_level_problems_keep_the_good_rows():
    text = (f"{CONTROL_HEADER}\n"
            "2026-10-03,A,START,1\n"            # 2 ok
            "2026-10-03,A,START\n"              # 3 too few fields
            "2026-10-03,A,START,1,9\n"          # 4 too many
            "\n"                                # 5 blank
            '2026-10-03,"A,START,1\n'           # 6 quote never closed (the rest cannot close it either)
            "2026-10-03,B,STOP,1\n"             # 7 unknown event type
            "2026-10-32,B,START,-1\n"           # 8 bad date and negative count
            "2026-10-03,A,START,4\n"            # 9 same key as line 2
            "2026-10-03,B,START,7\n"            # 10 ok
            "2026-10-03,C,STA")                 # 11 truncated last line
    valid, bad = feed_rows(CONTROL, text)
    assert [line for line, _ in valid] == [2, 10]
    assert [(line, code) for line, code, _ in bad] == [
        (3, "wrong_column_count"), (4, "wrong_column_count"), (5, "blank_line"), (6, "bad_quoting"),
        (7, "unknown_event_type"), (8, "bad_date"), (9, "duplicate_key"), (11, "truncated_line")]
    reasons = {line: reason for line, _, reason in bad}
    assert reasons[3] == "wrong number of fields: expected 4, got 3"
    assert "event_count is negative" in reasons[8]
    assert "first at line 2" in reasons[9]
    assert "no newline at the end of the file" in reasons[11]


def test_bad_bytes_quarantine_only_their_row():
    data = (f"{FX_HEADER}\n2026-10,EUR,1.08\n".encode() + b"2026-10,\xffUSD,1\n" + b"2026-10,GBP,1.27\n")
    valid, bad = feed_rows(FX_RATES, data)
    assert [line for line, _ in valid] == [2, 4]
    assert [(line, code) for line, code, _ in bad] == [(3, "not_utf8")]


@pytest.mark.parametrize(("feed", "line", "code", "words"), [
    (CATALOG, "cpu,CPU,compute,hourly,vcpu,SO,EUR,-0.01,,2026-10-01", "negative_price", "unit_price is negative"),
    (CATALOG, "cpu,CPU,compute,hourly,vcpu,SO,EUR,0.01,-1,2026-10-01", "negative_price", "idle_unit_price is negative"),
    (CATALOG, "cpu,CPU,compute,hourly,vcpu,SO,EUR,0.0000001,,2026-10-01", "too_many_decimals",
     "unit_price has more than 6 decimal places"),
    (CATALOG, "cpu,CPU,compute,hourly,vcpu,SO,EUR,1e-3,,2026-10-01", "bad_number", "not a decimal number"),
    (CATALOG, "cpu,CPU,compute,hourly,vcpu,SO,EUR, 1,,2026-10-01", "bad_number", "not a decimal number"),
    (CATALOG, "cpu,CPU,compute,daily,vcpu,SO,EUR,1,,2026-10-01", "unknown_charge_type", "unknown charge_type 'daily'"),
    (CATALOG, "cpu,CPU,compute,hourly,vcpu,XX,EUR,1,,2026-10-01", "unknown_tenant", "unknown tenant 'XX'"),
    (CATALOG, "cpu,CPU,compute,hourly,vcpu,SO,EURO,1,,2026-10-01", "unknown_currency", "unknown currency 'EURO'"),
    (CATALOG, "cpu,CPU,compute,hourly,vcpu,SO,EUR,1,,2026-13-01", "bad_date", "effective_from is not a date"),
    (CATALOG, "cpu,CPU,compute,hourly,vcpu,SO,EUR,1,,01/10/2026", "bad_date", "effective_from is not a date"),
    (CATALOG, ",CPU,compute,hourly,vcpu,SO,EUR,1,,2026-10-01", "empty_field", "sku is empty"),
    (ACCOUNTS, "ACC-1,Foo,FR,EUR,2026-01-01", "unknown_country", "unknown country 'FR'"),
    (ACCOUNTS, "ACC-1,Foo,DE,EUR,2026-01-01 10:00", "bad_timestamp", "created_at"),
    (PRIMARY_BILLING, "2026-10-03,ACC-1,cpu,EUR,1.1234567", "too_many_decimals", "amount"),
    (PRIMARY_BILLING, "2026-10-03,ACC-1,cpu,EUR,abc", "bad_number", "amount is not a decimal number: 'abc'"),
    (FINANCE_GL, "2026-13,ACC-1,EUR,1", "bad_period", "period is not a period YYYY-MM"),
    (FINANCE_GL, "2026-10-01,ACC-1,EUR,1", "bad_period", "period"),
    (FX_RATES, "2026-10,EUR,0", "non_positive_rate", "usd_per_unit must be positive"),
    (CONTROL, "2026-10-03,A,START,1.0", "bad_number", "event_count is not an integer"),
])
def test_field_rules(feed, line, code, words):
    valid, bad = feed_rows(feed, ",".join(feed.header) + "\n" + line + "\n")
    assert valid == []
    ((number, got_code, reason),) = bad
    assert (number, got_code) == (2, code)
    assert words in reason


@pytest.mark.rule("2.2")
def test_idle_price_defaults_to_zero_and_trailing_zeros_beyond_six_places_are_fine():
    valid, bad = feed_rows(CATALOG, f"{CATALOG_HEADER}\ncpu,CPU,compute,hourly,vcpu,SO,EUR,0.1000000,,2026-10-01\n")
    assert bad == []
    ((_, row),) = valid
    assert (row[7], row[8]) == (Decimal("0.1000000"), Decimal(0))


def test_fast_and_careful_csv_paths_give_the_same_rows():
    text = f"{FINANCE_HEADER}\n2026-10,ACC-1,EUR,10.5\n2026-10,ACC-2,USD,0\n2026-11,ACC-1,EUR,3\n"
    data = text.encode()
    clean = parse_csv.read_clean(data, FINANCE_GL.header)
    assert clean is not None
    fast = FINANCE_GL.parse_columns(clean[1])
    careful = [FINANCE_GL.parse(r.fields) for r in parse_csv.read(data, FINANCE_GL.header)]
    assert fast == careful == [(date(2026, 10, 1), "ACC-1", "EUR", Decimal("10.5")),
                               (date(2026, 10, 1), "ACC-2", "USD", Decimal("0")),
                               (date(2026, 11, 1), "ACC-1", "EUR", Decimal("3"))]


@pytest.mark.parametrize("kind", sorted(FEEDS))
def test_every_feed_has_a_header_per_the_interface(kind):
    expected = {"catalog": CATALOG_HEADER, "accounts": ACCOUNTS_HEADER, "control": CONTROL_HEADER,
                "primary_billing": PRIMARY_HEADER, "finance_gl": FINANCE_HEADER, "fx_rates": FX_HEADER,
                "tax_rates": TAX_HEADER, "sales_entities": ENTITY_HEADER}
    assert ",".join(FEEDS[kind].header) == expected[kind]


def test_quarantined_records_keep_their_raw_text():
    data = f"{FX_HEADER}\n2026-10,EUR,abc\n".encode()
    (bad,) = [r for r in parse_csv.read(data, FX_RATES.header)]
    assert not isinstance(bad, Quarantined)  # framing is fine; the field rule rejects it in the feed
    _, quarantined = csv_rows.parse_feed(FX_RATES, data)
    assert quarantined[0].raw_record == "2026-10,EUR,abc"


def test_a_plain_file_with_bad_lines_is_sorted_like_record_by_record_parsing():
    text = (f"{PRIMARY_HEADER}\n"
            "2026-10-03,ACC-1,cpu,EUR,1.25\n"       # 2
            "2026-10-03,ACC-1,mem,EUR,#VALUE!\n"    # 3 bad amount
            "2026-10-03,ACC-2,cpu,XXX,1\n"          # 4 unknown currency
            "\n"                                    # 5 blank
            "2026-10-03,ACC-2,cpu,EUR\n"            # 6 a field short
            "2026-10-03,ACC-1,cpu,EUR,9\n"          # 7 same key as line 2
            "2026-10-32,ACC-3,cpu,EUR,abc\n"        # 8 two problems
            "2026-10-03,ACC-2,cpu,EUR,2\n")         # 9
    data = text.encode()
    good, quarantined = csv_rows.sort_plain(PRIMARY_BILLING, data)
    valid, careful = csv_rows.parse_feed(PRIMARY_BILLING, data)
    assert [number for number, _ in good] == [number for number, _, _ in valid] == [2, 9]
    assert [line for _, line in good] == ["2026-10-03,ACC-1,cpu,EUR,1.25", "2026-10-03,ACC-2,cpu,EUR,2"]
    assert quarantined == careful
    assert [(q.line_number, q.reason_code) for q in quarantined] == [
        (3, "bad_number"), (4, "unknown_currency"), (5, "blank_line"), (6, "wrong_column_count"),
        (7, "duplicate_key"), (8, "bad_date")]
    assert quarantined[-1].reason == ("usage_date is not a date YYYY-MM-DD: '2026-10-32'; "
                                      "amount is not a decimal number: 'abc'")


def test_a_file_with_quotes_is_not_plain():
    data = f'{CONTROL_HEADER}\n2026-10-03,"ACC-1",START,1\n'.encode()
    assert csv_rows.sort_plain(CONTROL, data) is None
    valid, bad = csv_rows.parse_feed(CONTROL, data)
    assert (valid[0][1][1], bad) == ("ACC-1", [])


@pytest.mark.parametrize("body", [
    ["2026-10-03,ACC-1,cpu,EUR,1.25", "2026-10-03,ACC-2,cpu,EUR,2"],                      # clean
    ["2026-10-03,ACC-1,cpu,EUR,1.25", "2026-10-03,ACC-2,cpu,EUR,1e5", "2026-10-03,ACC-3,cpu,EUR,2"],  # a bad value
    ["2026-10-03,ACC-1,cpu,EUR,1.25", "2026-10-03,ACC-2,cpu,EUR", "2026-10-03,ACC-3,cpu,EUR,2,9"],   # field counts
    ["2026-10-03,ACC-1,cpu,EUR,1.25", "2026-10-03,ACC-1,cpu,EUR,1.25", "2026-10-3,ACC-1,cpu,EUR,1"],  # repeated key
    ["2026-10-03,ACC-1,cpu,EUR,1", ""],                                                     # a blank line
])
def test_plain_sorting_agrees_with_record_by_record_parsing(body):
    data = (PRIMARY_HEADER + "\n" + "\n".join(body) + "\n").encode()
    good, quarantined = csv_rows.sort_plain(PRIMARY_BILLING, data)
    valid, careful = csv_rows.parse_feed(PRIMARY_BILLING, data)
    assert [(number, line) for number, line in good] == [(number, raw) for number, _, raw in valid]
    assert quarantined == careful


def test_plain_lines_become_copy_text_with_a_stand_in_for_the_file_id():
    parsed = csv_rows.parse_file(CONTROL, f"{CONTROL_HEADER}\n2026-10-03,ACC-1,START,1\n".encode(), copy_text=True)
    assert parsed.copy_text == f'{csv_rows.FILE_ID},2,2026-10-03,ACC-1,START,1,"2026-10-03,ACC-1,START,1"\n'
    assert list(csv_rows.plain_copy_chunks(parsed)) == [parsed.copy_text]
    parsed.copy_text = None  # made while it is copied, a chunk at a time (a file too big to prepare ahead)
    assert "".join(csv_rows.plain_copy_chunks(parsed, size=1)) == \
        f'{csv_rows.FILE_ID},2,2026-10-03,ACC-1,START,1,"2026-10-03,ACC-1,START,1"\n'
