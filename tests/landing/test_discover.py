"""File kinds, delivery times and processing order from names alone (docs/decisions.md, the delivery clock)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from iaas_billing.landing.discover import classify, scan


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(("name", "kind", "delivered_at"), [
    ("orders_20261003T14.jsonl", "orders", at(2026, 10, 3, 15)),
    ("orders_20261031T23.jsonl", "orders", at(2026, 11, 1, 0)),
    ("accounts_20261003.csv", "accounts", at(2026, 10, 4)),
    ("orderstream_control_20261231.csv", "control", at(2027, 1, 1)),
    ("primary_billing_20261003.csv", "primary_billing", at(2026, 10, 4)),
    ("finance_gl_202612.csv", "finance_gl", at(2027, 1, 1)),
    ("fx_rates_202602.csv", "fx_rates", at(2026, 3, 1)),
    ("catalog_20261015_pricechange.csv", "catalog", at(2026, 10, 15)),
    ("catalog_20261015.csv", "catalog", at(2026, 10, 15)),
    ("catalog_initial.csv", "catalog", None),          # no date: visible at any time
    ("catalog_20261399_x.csv", "catalog", None),       # digits that are no date: undated
    ("tax_rates_20260101.csv", "tax_rates", at(2026, 1, 1)),            # finance's uploads: 00:00 of that day
    ("sales_entities_20261015.csv", "sales_entities", at(2026, 10, 15)),
])
def test_kind_and_delivery_time(name, kind, delivered_at):
    assert classify(name)[:2] == (kind, delivered_at)


@pytest.mark.parametrize("name", [
    "orders_20261003T24.jsonl",       # hour 24
    "orders_20261332T01.jsonl",       # no such date
    "orders_20261003T14.jsonl ",      # trailing space
    "orders_20261003T14.json",
    "Orders_20261003T14.jsonl",
    "orders_２０２６１００３T14.jsonl",  # fullwidth digits are not [0-9]
    "accounts_2026-10-03.csv",
    "finance_gl_2026.csv",
    "tax_rates_20261301.csv",         # no such date
    "sales_entities_202610.csv",
    "../orders_20261003T14.jsonl",
    "readme.txt",
    "",
])
def test_unknown_names(name):
    kind, delivered_at, detail = classify(name)
    assert (kind, delivered_at) == ("unknown", None)
    assert detail


def test_processing_order_is_delivery_then_kind_then_name(tmp_path):
    names = [  # all but the first two delivered at 2026-10-04 00:00
        "fx_rates_202609.csv",              # 2026-10-01 00:00
        "orders_20261003T22.jsonl",         # 2026-10-03 23:00
        "primary_billing_20261003.csv",
        "orderstream_control_20261003.csv",
        "orders_20261003T23.jsonl",
        "accounts_20261003.csv",
        "catalog_20261004_b.csv",
        "catalog_20261004_a.csv",
        "sales_entities_20261004.csv",
        "tax_rates_20261004.csv",
        "notes.txt",                        # unknown: visible at any time, first
        "catalog_undated.csv",              # undated: visible at any time
        "orders_20261004T00.jsonl",         # 2026-10-04 01:00: not delivered yet
    ]
    for name in names:
        (tmp_path / name).write_text("x")
    result = scan(tmp_path, at(2026, 10, 4, 0, 30))
    assert [f.name for f in result.visible] == [
        "catalog_undated.csv", "notes.txt",
        "fx_rates_202609.csv",
        "orders_20261003T22.jsonl",
        "catalog_20261004_a.csv", "catalog_20261004_b.csv", "accounts_20261003.csv", "orders_20261003T23.jsonl",
        "orderstream_control_20261003.csv", "primary_billing_20261003.csv",
        "tax_rates_20261004.csv", "sales_entities_20261004.csv",
    ]
    assert result.not_yet_delivered == 1


def test_scan_reads_only_regular_visible_files(tmp_path):
    (tmp_path / "orders_20261003T14.jsonl").write_text("")
    (tmp_path / ".orders_20261003T15.jsonl.part").write_text("upload in progress")
    (tmp_path / "orders_20261003T16.jsonl").mkdir()
    (tmp_path / "accounts_20261003.csv").symlink_to("/etc/hostname")
    result = scan(tmp_path, at(2027, 1, 1))
    assert [f.name for f in result.visible] == ["orders_20261003T14.jsonl"]
    assert result.ignored == [".orders_20261003T15.jsonl.part", "accounts_20261003.csv", "orders_20261003T16.jsonl"]


def test_a_name_that_is_not_utf8_is_stored_escaped(tmp_path):
    import os

    os.close(os.open(os.path.join(os.fsencode(tmp_path), b"orders_\xff.jsonl"), os.O_CREAT | os.O_WRONLY))
    (f,) = scan(tmp_path, at(2027, 1, 1)).visible
    assert f.name == "orders_\\xff.jsonl"
    assert f.kind == "unknown"
    assert f.path.read_bytes() == b""
