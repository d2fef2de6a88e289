"""Orders extracts line by line: every class of bad line is quarantined with its reason; content hashes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iaas_billing.landing import parse_orders
from iaas_billing.landing.lines import MAX_LINE_BYTES, Line
from iaas_billing.landing.records import Quarantined

from .conftest import event

CPU = '[{"sku": "cpu", "quantity": 8}]'


def parse(text: str | bytes) -> list:
    return list(parse_orders.parse(text.encode() if isinstance(text, str) else text))


def only(text: str | bytes):
    (item,) = parse(text)
    return item


def quarantined(line: str) -> tuple[str, str]:
    item = only(line + "\n")
    assert isinstance(item, Quarantined), item
    return item.reason_code, item.reason


def test_a_valid_event_becomes_its_typed_columns():
    row = only(event("e1", "CREATE", components='[{"sku": "cpu", "quantity": 8}, {"sku": "mem", "quantity": 32.50}]')
               + "\n")
    assert row[:10] == (1, "e1", "2026-10-03T14:05:09Z", 1, "ACC-1", "vm-1", "vm", "eu-central", "CREATE",
                        '[{"sku":"cpu","quantity":8},{"sku":"mem","quantity":32.5}]')
    assert row[-1] == event("e1", "CREATE", components='[{"sku": "cpu", "quantity": 8}, {"sku": "mem", "quantity": 32.50}]')


@pytest.mark.parametrize(("line", "code", "words"), [
    ("not json", "not_json", "not valid JSON"),
    ('{"event_id": "e1",}', "not_json", "not valid JSON"),
    ("[1, 2]", "not_object", "not an object"),
    ('"a string"', "not_object", "not an object"),
    ("   ", "blank_line", "blank line"),
    (event("e1").replace('"account_id": "ACC-1", ', ""), "missing_field", "missing field 'account_id'"),
    (event("e1").replace('"seq": 1', '"seq": null'), "missing_field", "'seq' is null"),
    (event("e1").replace('"seq": 1', '"seq": "1"'), "mistyped_field", "seq must be an integer, got string"),
    (event("e1").replace('"seq": 1', '"seq": 1.5'), "mistyped_field", "seq must be an integer, got number"),
    (event("e1").replace('"seq": 1', '"seq": true'), "mistyped_field", "seq must be an integer, got boolean"),
    (event("e1").replace('"event_id": "e1"', '"event_id": 7'), "mistyped_field", "event_id must be a string"),
    (event("e1").replace('"event_id": "e1"', '"event_id": ""'), "empty_field", "event_id is empty"),
    (event("e1").replace('"region": "eu-central"', '"region": 3'), "mistyped_field", "region must be a string"),
    (event("e1", time="2026-10-03 14:05:09"), "bad_timestamp", "not an RFC 3339 UTC timestamp"),
    (event("e1", time="2026-10-03T14:05:09+02:00"), "bad_timestamp", "'2026-10-03T14:05:09+02:00'"),
    (event("e1", time="2026-10-03T14:05:09"), "bad_timestamp", "RFC 3339"),
    (event("e1", time="2026-02-30T14:05:09Z"), "bad_timestamp", "RFC 3339"),
    (event("e1", time="2026-10-03T24:00:00Z"), "bad_timestamp", "RFC 3339"),
    (event("e1", time="2026-10-03T14:05:09.1234567Z"), "bad_timestamp", "RFC 3339"),
    (event("e1").replace('"event_time": "2026-10-03T14:05:09Z"', '"event_time": 1791036309'),
     "mistyped_field", "event_time must be an RFC 3339 string"),
    (event("e1", "MIGRATE"), "unknown_event_type", "unknown event_type 'MIGRATE'"),
    (event("e1", "suspend"), "unknown_event_type", "unknown event_type 'suspend'"),
    (event("e1", "CREATE"), "components_missing", "components is required on a CREATE event"),
    (event("e1", "MODIFY", components="null"), "components_missing", "required on a MODIFY"),
    (event("e1", "SUSPEND", components=CPU), "components_not_allowed", "must be absent on a SUSPEND"),
    (event("e1", "DECOMMISSION", components="[]"), "components_not_allowed", "absent on a DECOMMISSION"),
    (event("e1", "CREATE", components="[]"), "empty_components", "components is empty"),
    (event("e1", "CREATE", components='{"sku": "cpu"}'), "mistyped_field", "components must be an array"),
    (event("e1", "CREATE", components='["cpu"]'), "mistyped_field", "components[0] must be an object"),
    (event("e1", "CREATE", components='[{"quantity": 1}]'), "missing_field", "components[0].sku"),
    (event("e1", "CREATE", components='[{"sku": "cpu"}]'), "missing_field", "components[0].quantity"),
    (event("e1", "CREATE", components='[{"sku": "cpu", "quantity": 0}]'), "bad_quantity", "must be positive, got 0"),
    (event("e1", "CREATE", components='[{"sku": "cpu", "quantity": -2.5}]'), "bad_quantity", "must be positive"),
    (event("e1", "CREATE", components='[{"sku": "cpu", "quantity": "8"}]'), "bad_quantity", "must be a number"),
    (event("e1", "CREATE", components='[{"sku": "cpu", "quantity": true}]'), "bad_quantity", "must be a number"),
    (event("e1", "CREATE", components='[{"sku": "cpu", "quantity": 0.1234567}]'), "too_many_decimals",
     "more than 6 decimal places"),
    (event("e1", "CREATE", components='[{"sku": "cpu", "quantity": 1}, {"sku": "cpu", "quantity": 2}]'),
     "duplicate_sku", "sku 'cpu' appears more than once"),
    (event("e1").replace('"account_id": "ACC-1"', '"account_id": "A\\u0000"'), "bad_text", "NUL"),
])
def test_each_bad_line_is_quarantined_with_its_reason(line, code, words):
    got_code, reason = quarantined(line)
    assert got_code == code
    assert words in reason


def test_every_problem_of_a_line_is_named():
    line = '{"event_id": "e1", "seq": "x", "event_type": "FLY", "account_id": "A"}'
    code, reason = quarantined(line)
    assert code == "missing_field"
    for words in ("missing field 'event_time'", "missing field 'resource_id'", "seq must be an integer",
                  "unknown event_type 'FLY'"):
        assert words in reason


def test_line_numbers_and_raw_text_of_a_mixed_file():
    data = (event("e1") + "\n" + "garbage\n" + event("e2") + "\r\n" + "\n").encode()
    items = parse(data)
    assert [(i.line_number if isinstance(i, Quarantined) else i[0]) for i in items] == [1, 2, 3, 4]
    assert isinstance(items[1], Quarantined) and items[1].raw_record == "garbage"
    assert items[2][-1] == event("e2")  # the CR of a CRLF line is not part of the record
    assert isinstance(items[3], Quarantined) and items[3].reason_code == "blank_line"


def test_an_empty_extract_is_an_hour_without_events():
    assert parse(b"") == []


def test_a_truncated_last_line_is_named_as_such():
    data = (event("e1") + "\n" + event("e2")[:40]).encode()
    first, last = parse(data)
    assert first[1] == "e1"
    assert (last.line_number, last.reason_code) == (2, "truncated_line")
    assert "no newline at the end of the file" in last.reason
    assert last.raw_record == event("e2")[:40]


def test_a_complete_last_line_without_newline_is_accepted():
    (row,) = parse(event("e1").encode())
    assert row[1] == "e1"


def test_bytes_that_are_not_utf8_quarantine_their_line_only():
    data = event("e1").encode() + b"\n" + b'{"event_id": "caf\xe9"}\n' + event("e3").encode() + b"\n"
    first, bad, third = parse(data)
    assert (first[1], third[1]) == ("e1", "e3")
    assert (bad.line_number, bad.reason_code) == (2, "not_utf8")
    assert "byte 0xe9 at byte 18" in bad.reason
    assert bad.raw_record == '{"event_id": "caf\\xe9"}'


def test_a_nul_byte_quarantines_its_line():
    (bad,) = parse(b'{"event_id": "a\x00"}\n')
    assert bad.reason_code == "nul_byte"
    assert "\x00" not in bad.raw_record


def test_a_huge_line_is_quarantined_and_cut():
    huge = '{"event_id": "' + "x" * (10 * 1024 * 1024) + '"}'
    data = (event("e1") + "\n" + huge + "\n" + event("e3") + "\n").encode()
    first, bad, third = parse(data)
    assert (first[1], third[1]) == ("e1", "e3")
    assert (bad.line_number, bad.reason_code) == (2, "line_too_long")
    assert f"{len(huge)} bytes, longer than the limit of {MAX_LINE_BYTES} bytes" in bad.reason
    assert len(bad.raw_record) < 5000 and "sha256" in bad.raw_record


def content_hash(line: str) -> str:
    row = only(line + "\n")
    assert not isinstance(row, Quarantined), row
    return row[10]


@pytest.mark.rule("3.4")
def test_content_hash_ignores_key_order_whitespace_and_number_spelling():
    a = ('{"event_id": "e1", "event_time": "2026-10-03T14:05:09Z", "seq": 3, "account_id": "A", '
         '"resource_id": "r", "event_type": "MODIFY", '
         '"components": [{"sku": "cpu", "quantity": 8}, {"sku": "mem", "quantity": 32.5}]}')
    b = ('{ "components":[{"quantity":32.50,"sku":"mem"},{"quantity":8.0,"sku":"cpu"}],"event_type":"MODIFY",'
         '"resource_id":"r","account_id":"A","seq":3,"event_time":"2026-10-03t14:05:09.000+00:00","event_id":"e1",'
         '"extra": "ignored"}')
    assert content_hash(a) == content_hash(b)
    for changed in (a.replace('"seq": 3', '"seq": 4'), a.replace("32.5", "32.6"), a.replace(":09Z", ":10Z"),
                    a.replace('"account_id": "A"', '"account_id": "B"'),
                    a.replace('"event_type": "MODIFY"', '"region": "eu", "event_type": "MODIFY"')):
        assert content_hash(changed) != content_hash(a)


def test_no_region_and_empty_region_are_different_content():
    base = event("e1").replace(', "region": "eu-central"', "")
    assert content_hash(base) != content_hash(base.replace('"resource_type": "vm"', '"resource_type": "vm", "region": ""'))


# The fast path (msgspec typed decoding) and the careful path must agree on every line.
texts = st.text(st.characters(codec="utf-8", exclude_characters="\n\r"), max_size=6)
values = st.one_of(st.none(), st.booleans(), st.integers(-3, 2**64), texts,
                   st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-5, max_value=5),
                   st.lists(st.integers(-1, 3), max_size=2))
components = st.lists(st.fixed_dictionaries({}, optional={
    "sku": st.one_of(st.sampled_from(["cpu", "mem", "é"]), values),
    "quantity": st.one_of(st.integers(-1, 64), st.sampled_from(["8", 1.5, 0.0000001, 2.25]), values)}),
    max_size=3)
events = st.fixed_dictionaries({}, optional={
    "event_id": st.one_of(st.sampled_from(["e1", "ü-2"]), values),
    "event_time": st.one_of(st.sampled_from(["2026-10-03T14:05:09Z", "2026-10-03T14:05:09.5+00:00",
                                             "2026-02-29T00:00:00Z", "2026-10-03T14:05:09+01:00"]), values),
    "seq": values,
    "account_id": st.one_of(st.just("ACC-1"), values),
    "resource_id": st.one_of(st.just("vm-1"), values),
    "resource_type": values,
    "region": values,
    "event_type": st.one_of(st.sampled_from(sorted(parse_orders.vocab.EVENT_TYPES)), values),
    "components": st.one_of(components, values),
})


@settings(max_examples=400, deadline=None)
@given(events)
def test_fast_and_careful_paths_agree(obj):
    text = json.dumps(obj, default=str)
    careful = parse_orders.parse_event(parse_orders._decode_any(text))
    result = parse_orders.parse_line(Line(1, text, False))
    if isinstance(careful, list):
        assert isinstance(result, Quarantined)
        assert result.reason_code == careful[0].code
    else:
        assert result == (1, *careful, text)
