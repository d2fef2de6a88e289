"""The public catalogue validator (iaas_billing.landing.catalog.validate): an upload's checks, nothing landed."""

from __future__ import annotations

import psycopg
import pytest

from iaas_billing.base import db
from iaas_billing.landing import catalog
from iaas_billing.landing.records import Quarantined

from .conftest import CATALOG_HEADER

CPU_SO = "cpu,CPU,compute,hourly,vcpu,SO,EUR,0.01,,2026-10-01"


def connect(url):
    return psycopg.connect(**db.server_kwargs(url), dbname=url.database)


def csv(*lines: str) -> bytes:
    return "".join(line + "\n" for line in (CATALOG_HEADER, *lines)).encode()


def test_a_valid_file_is_ok_with_its_typed_rows(fresh_url):
    with connect(fresh_url) as conn:
        check = catalog.validate(conn, csv(CPU_SO, "cpu,CPU,compute,hourly,vcpu,HO,EUR,0.004,0,2026-10-01"))
    assert check.ok and check.errors == [] and check.invalid == []
    assert [(line, row[0], row[5], str(row[7])) for line, row, _ in check.valid] == [
        (2, "cpu", "SO", "0.01"), (3, "cpu", "HO", "0.004")]


@pytest.mark.rule("2.4")
def test_every_error_is_named_and_nothing_is_landed(fresh_url, inbox, land, sql):
    inbox.lines("catalog_20261001.csv", CATALOG_HEADER, CPU_SO)
    land()  # an accepted upload prices cpu as hourly vcpu
    data = csv("cpu,CPU,compute,monthly,vcpu,HO,EUR,0.01,,2026-11-01",   # contradicts the accepted upload
               "ssd,SSD,storage,monthly,gb,SO,EUR,-1,,2026-11-01",       # negative price
               "gpu,GPU,compute,hourly,card,SO,EUR,2,,2026-11-01")
    with connect(fresh_url) as conn:
        check = catalog.validate(conn, data)
    assert not check.ok
    assert [q.line_number for q in check.invalid] == [2, 3]
    assert [q.reason_code for q in check.invalid] == ["sku_attribute_conflict", "negative_price"]
    assert check.errors[0].startswith("line 2: sku 'cpu': charge_type 'monthly' differs from the accepted upload "
                                      "'catalog_20261001.csv' ('hourly')")
    assert check.errors[1].startswith("line 3: ")
    assert [line for line, _, _ in check.valid] == [4]
    assert [(q.line_number, q.reason_code) for q in check.rejected] == [
        (2, "sku_attribute_conflict"), (3, "negative_price"), (4, "file_rejected")]
    assert sql("select count(*) from raw.inbox_files") == [(1,)]


def test_extra_checks_add_the_callers_rules(fresh_url):
    def no_gpu(rows):
        return [Quarantined(line, "no_gpu", "gpu is not for sale", raw) for line, row, raw in rows if row[0] == "gpu"]

    with connect(fresh_url) as conn:
        check = catalog.validate(conn, csv(CPU_SO, "gpu,GPU,compute,hourly,card,SO,EUR,2,,2026-11-01"),
                                 extra_checks=no_gpu)
    assert check.errors == ["line 3: gpu is not for sale"]
    assert [line for line, _, _ in check.valid] == [2]


def test_a_wrong_header_is_one_error_on_line_1(fresh_url):
    with connect(fresh_url) as conn:
        check = catalog.validate(conn, b"sku;price\n")
    assert check.errors == [f"line 1: wrong header: expected '{CATALOG_HEADER}', got 'sku;price'"]
