"""The fast paths of the landing (docs/landing.md, Speed) land exactly what the plain paths land."""

from __future__ import annotations

import pytest

from iaas_billing.landing import csv_rows, parse_orders
from iaas_billing.landing.feeds import CONTROL, PRIMARY_BILLING, NumberedLines
from iaas_billing.landing.lines import Line

from .conftest import CONTROL_HEADER, PRIMARY_HEADER, event


def test_a_plain_file_goes_to_copy_in_text_format():
    data = f"{CONTROL_HEADER}\n2026-10-03,ACC-1,START,1\n".encode()
    parsed = csv_rows.parse_file(CONTROL, data, copy_text=True, text_format=True)
    assert parsed.copy_format == "text"
    assert parsed.copy_text == f"{csv_rows.FILE_ID}\t2\t2026-10-03\tACC-1\tSTART\t1\t2026-10-03,ACC-1,START,1\n"
    parsed.copy_text = None  # made while it is copied, a chunk at a time
    assert "".join(csv_rows.plain_copy_chunks(parsed, size=1)) == \
        f"{csv_rows.FILE_ID}\t2\t2026-10-03\tACC-1\tSTART\t1\t2026-10-03,ACC-1,START,1\n"


@pytest.mark.parametrize("field", ["ACC\\1", "ACC\t1", "ACC\\N"])
def test_a_backslash_or_a_tab_keeps_the_csv_format(field):
    data = f"{CONTROL_HEADER}\n2026-10-03,{field},START,1\n".encode()
    parsed = csv_rows.parse_file(CONTROL, data, copy_text=True, text_format=True)
    assert parsed.plain is not None and parsed.copy_format == "csv"
    assert parsed.copy_text == f'{csv_rows.FILE_ID},2,2026-10-03,{field},START,1,"2026-10-03,{field},START,1"\n'


@pytest.mark.parametrize("account", ["ACC-1", "ACC\\1", "ACC\t1", "ACC\\N", "ACC-\u00e9"])
def test_either_copy_format_lands_the_fields_and_the_record_as_they_came(inbox, land, sql, account):
    inbox.lines("primary_billing_20261003.csv", PRIMARY_HEADER, f"2026-10-03,{account},cpu,EUR,1.25",
                "2026-10-03,ACC-2,cpu,EUR,2")
    inbox.lines("orderstream_control_20261003.csv", CONTROL_HEADER, f"2026-10-03,{account},START,3")
    report = land()
    assert report.rows_loaded == 3 and report.rows_quarantined == 0
    assert sql("select file_id is not null, line_number, usage_date::text, account_id, sku, currency, "
               "amount::text, raw_record from raw.primary_billing order by line_number") == [
        (True, 2, "2026-10-03", account, "cpu", "EUR", "1.250000", f"2026-10-03,{account},cpu,EUR,1.25"),
        (True, 3, "2026-10-03", "ACC-2", "cpu", "EUR", "2.000000", "2026-10-03,ACC-2,cpu,EUR,2")]
    assert sql("select account_id, event_count, raw_record from raw.orderstream_control") == [
        (account, 3, f"2026-10-03,{account},START,3")]


def test_numbered_lines_behave_as_a_list_of_pairs():
    lines = NumberedLines(range(2, 5), ["a", "b", "c"])
    assert len(lines) == 3 and list(lines) == [(2, "a"), (3, "b"), (4, "c")]
    assert lines[1] == (3, "b") and list(lines[1:]) == [(3, "b"), (4, "c")]
    assert lines == [(2, "a"), (3, "b"), (4, "c")] and lines != [(2, "a")]


def test_plain_sorting_names_a_repeated_key_with_its_fields():
    good, quarantined = csv_rows.sort_plain(PRIMARY_BILLING, (
        f"{PRIMARY_HEADER}\n2026-10-03,ACC-1,cpu,EUR,1\n2026-10-03,ACC-1,cpu,EUR,2\n2026-10-03,ACC-1\n").encode())
    assert list(good) == [(2, "2026-10-03,ACC-1,cpu,EUR,1")]
    assert [(q.line_number, q.reason_code, q.reason) for q in quarantined] == [
        (3, "duplicate_key", "duplicate (usage_date, account_id, sku) = (2026-10-03, ACC-1, cpu): first at line 2"),
        (4, "wrong_column_count", "wrong number of fields: expected 5, got 2")]


@pytest.mark.parametrize("escaped, plain", [
    ('"ACC-\\u00e9"', '"ACC-\u00e9"'),   # an escape in an ASCII line: the careful checks, same event
    ('"AC\\u0043-1"', '"ACC-1"'),
])
def test_an_escaped_string_gives_the_event_its_plain_spelling_gives(escaped, plain):
    def parsed(account):
        text = event("e-1").replace('"ACC-1"', account)
        return parse_orders.parse_line(Line(1, text, False))

    assert parsed(escaped)[1:-1] == parsed(plain)[1:-1]


def test_an_escaped_nul_is_still_quarantined():
    text = event("e-1").replace('"ACC-1"', '"ACC\\u0000"')
    result = parse_orders.parse_line(Line(1, text, False))
    assert type(result) is not tuple and result.reason_code == "bad_text"


def test_a_repeat_of_an_event_landed_by_an_earlier_run_is_a_repeat_not_an_error(inbox, land, sql):
    inbox.lines("orders_20261003T14.jsonl", event("e-1"), event("e-2"))
    land()
    inbox.lines("orders_20261003T15.jsonl", event("e-2"), event("e-2", "RESUME"), event("e-3"))
    report = land()
    assert report.rows_loaded == 3
    assert sql("select event_id, event_type from raw.order_events order by event_id") == [
        ("e-1", "SUSPEND"), ("e-2", "SUSPEND"), ("e-3", "SUSPEND")]
    assert sql("select line_number, event_id, is_conflict from raw.order_event_repeats order by line_number") == [
        (1, "e-2", False), (2, "e-2", True)]


def test_quarantined_lines_sent_with_the_dedup_statement_keep_their_text(inbox, land, sql):
    data = (event("e-1").encode() + b"\n"
            + b'not json {"}\\, \'quoted\' {a,b} NULL\n'
            + b'{"event_id": "\\u0000", "x": "\\\\N"}\n'
            + b"\xff\xfe bad bytes \x00 nul\n"
            + b"   \n"
            + event("e-2").encode() + b"\n")
    inbox.write("orders_20261003T14.jsonl", data)
    expected = [(q.line_number, q.reason_code, q.reason, q.raw_record)
                for q in parse_orders.parse(data) if type(q) is not tuple]
    report = land()
    assert (report.rows_loaded, report.rows_quarantined) == (2, 4)
    assert sql("select line_number, reason_code, reason, raw_record from raw.quarantined_rows "
               "order by line_number") == expected
    assert sql("select rows_read, rows_loaded, rows_quarantined, status from raw.inbox_files") == [
        (6, 2, 4, "landed_with_quarantine")]


def test_a_batch_of_extracts_without_events_still_lands_their_quarantine(inbox, land, sql):
    inbox.write("orders_20261003T14.jsonl", b"not json\n")
    inbox.write("orders_20261003T15.jsonl", b"")
    report = land()
    assert (report.rows_loaded, report.rows_quarantined) == (0, 1)
    assert sql("select f.file_name, q.line_number, q.reason_code from raw.quarantined_rows q "
               "join raw.inbox_files f using (file_id)") == [("orders_20261003T14.jsonl", 1, "not_json")]
