"""Landing an inbox into a real Postgres: conservation, versions, dedup, catalogue rejection, odd files."""

from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from iaas_billing.base.errors import BillingError
from iaas_billing.landing import land_inbox
from tests.conftest import server_url

from .conftest import (
    ACCOUNTS_HEADER,
    CATALOG_HEADER,
    CONTROL_HEADER,
    FINANCE_HEADER,
    FX_HEADER,
    PRIMARY_HEADER,
    event,
)

RAW_TABLES = ("inbox_files", "quarantined_rows", "catalog_prices", "accounts", "order_events", "order_event_repeats",
              "orderstream_control", "primary_billing", "finance_gl", "fx_rates", "superseded_rows")
CPU = '[{"sku": "cpu", "quantity": 2}]'


def snapshot(sql) -> dict[str, list]:
    """Every raw table's rows (without wall-clock columns), to compare before and after."""
    out = {}
    for table in RAW_TABLES:
        rows = sql(f"select to_jsonb(t) - 'landed_at' - 'superseded_at' from raw.{table} t")
        out[table] = sorted(str(r[0]) for r in rows)
    return out


def mixed_inbox(inbox):
    inbox.lines("catalog_20261001_initial.csv", CATALOG_HEADER,
                "cpu,CPU,compute,hourly,vcpu,SO,EUR,0.01,,2026-10-01",
                "cpu,CPU,compute,hourly,vcpu,HO,EUR,0.004,0,2026-10-01")
    inbox.lines("accounts_20261002.csv", ACCOUNTS_HEADER,
                "ACC-1,Acme,DE,EUR,2026-01-01T00:00:00Z",
                "ACC-2,Beta,US,XXX,2026-01-01T00:00:00Z",
                "ACC-1,Acme again,DE,EUR,2026-01-01T00:00:00Z")
    inbox.lines("orders_20261003T14.jsonl",
                event("e1", "CREATE", components=CPU),
                "{oops",
                event("e2", "SUSPEND", time="2026-10-03T14:30:00Z", seq=2),
                event("e1", "CREATE", components=CPU))
    inbox.lines("orderstream_control_20261003.csv", CONTROL_HEADER,
                "2026-10-03,ACC-1,CREATE,1", "2026-10-03,ACC-1,SUSPEND,1")
    inbox.lines("primary_billing_20261003.csv", PRIMARY_HEADER, "2026-10-03,ACC-1,cpu,EUR,0.12")
    inbox.lines("finance_gl_202610.csv", FINANCE_HEADER, "2026-10,ACC-1,EUR,3.72")
    inbox.lines("fx_rates_202610.csv", FX_HEADER, "2026-10,EUR,1.0812345678")
    inbox.write("orders_20261003T15.jsonl", "")


@pytest.mark.rule("8.1", "8.2")
def test_every_row_ends_loaded_or_quarantined(inbox, land, manifest, sql, quarantine):
    mixed_inbox(inbox)
    report = land()
    assert (report.files_seen, report.files_landed, report.files_skipped) == (8, 8, 0)
    # loaded: catalog 2 + accounts 1 + orders 3 (e1, e2, a repeat of e1) + control 2 + primary, finance, fx 1 each
    assert (report.rows_loaded, report.rows_quarantined) == (11, 3)
    assert sorted(report.quarantined_files) == ["accounts_20261002.csv", "orders_20261003T14.jsonl"]
    assert manifest() == {
        "catalog_20261001_initial.csv": (1, 2, 2, 0, "landed"),
        "accounts_20261002.csv": (1, 3, 1, 2, "landed_with_quarantine"),
        "orders_20261003T14.jsonl": (1, 4, 3, 1, "landed_with_quarantine"),
        "orders_20261003T15.jsonl": (1, 0, 0, 0, "landed"),
        "orderstream_control_20261003.csv": (1, 2, 2, 0, "landed"),
        "primary_billing_20261003.csv": (1, 1, 1, 0, "landed"),
        "finance_gl_202610.csv": (1, 1, 1, 0, "landed"),
        "fx_rates_202610.csv": (1, 1, 1, 0, "landed"),
    }
    assert [q[:2] for q in quarantine("accounts_20261002.csv")] == [(3, "unknown_currency"), (4, "duplicate_key")]
    assert [q[:2] for q in quarantine("orders_20261003T14.jsonl")] == [(2, "not_json")]
    assert quarantine("orders_20261003T14.jsonl")[0][3] == "{oops"
    # per file, the rows in raw add up to the manifest's counts
    per_file = sql("""
        select f.file_name, f.rows_loaded,
               (select count(*) from raw.catalog_prices t where t.file_id = f.file_id)
             + (select count(*) from raw.accounts t where t.file_id = f.file_id)
             + (select count(*) from raw.order_events t where t.file_id = f.file_id)
             + (select count(*) from raw.order_event_repeats t where t.file_id = f.file_id)
             + (select count(*) from raw.orderstream_control t where t.file_id = f.file_id)
             + (select count(*) from raw.primary_billing t where t.file_id = f.file_id)
             + (select count(*) from raw.finance_gl t where t.file_id = f.file_id)
             + (select count(*) from raw.fx_rates t where t.file_id = f.file_id),
               f.rows_quarantined, (select count(*) from raw.quarantined_rows q where q.file_id = f.file_id)
        from raw.inbox_files f""")
    for name, loaded, in_raw, quarantined, in_quarantine in per_file:
        assert (loaded, quarantined) == (in_raw, in_quarantine), name
    # typed values and the original records
    assert sql("select event_id, line_number, event_type, components::text, raw_record from raw.order_events "
               "order by event_id") == [
        ("e1", 1, "CREATE", '[{"sku": "cpu", "quantity": 2}]', event("e1", "CREATE", components=CPU)),
        ("e2", 3, "SUSPEND", None, event("e2", "SUSPEND", time="2026-10-03T14:30:00Z", seq=2))]
    assert sql("select line_number, event_id, is_conflict from raw.order_event_repeats") == [(4, "e1", False)]
    assert sql("select usd_per_unit from raw.fx_rates") == [(Decimal("1.0812345678"),)]
    assert sql("select period, posted_revenue from raw.finance_gl") == [(datetime(2026, 10, 1).date(),
                                                                        Decimal("3.720000"))]
    assert sql("select raw_record from raw.primary_billing") == [("2026-10-03,ACC-1,cpu,EUR,0.12",)]
    assert sql("select processed_at from raw.inbox_files group by 1") == [(datetime(2027, 1, 1, tzinfo=UTC),)]


@pytest.mark.rule("2.4")
def test_landing_the_same_inbox_again_changes_nothing(inbox, land, sql):
    mixed_inbox(inbox)
    land()
    before = snapshot(sql)
    again = land()
    assert (again.files_seen, again.files_landed, again.files_skipped) == (8, 0, 8)
    assert (again.rows_loaded, again.rows_quarantined, again.new_versions) == (0, 0, [])
    assert snapshot(sql) == before


def test_files_are_landed_only_once_delivered(inbox, land, manifest):
    inbox.lines("orders_20261003T14.jsonl", event("e1"))                               # delivered 15:00
    inbox.lines("primary_billing_20261003.csv", PRIMARY_HEADER, "2026-10-03,A,cpu,EUR,1")  # delivered 10-04
    first = land(datetime(2026, 10, 3, 14, 59, tzinfo=UTC))
    assert (first.files_seen, first.files_not_yet_delivered) == (0, 2)
    assert manifest() == {}
    second = land(datetime(2026, 10, 3, 15, tzinfo=UTC))
    assert (second.files_landed, second.files_not_yet_delivered) == (1, 1)
    assert land(datetime(2026, 10, 4, tzinfo=UTC)).files_landed == 1
    assert set(manifest()) == {"orders_20261003T14.jsonl", "primary_billing_20261003.csv"}


def test_a_changed_snapshot_file_is_a_new_version_that_replaces_the_old_rows(inbox, land, sql, manifest):
    name = "primary_billing_20261003.csv"
    inbox.lines(name, PRIMARY_HEADER, "2026-10-03,ACC-1,cpu,EUR,1.00", "2026-10-03,ACC-1,mem,EUR,2.00")
    land()
    inbox.lines(name, PRIMARY_HEADER, "2026-10-03,ACC-1,cpu,EUR,1.50")
    report = land()
    assert report.new_versions == [name]
    assert sql("select version, rows_read, rows_loaded, status, detail from raw.inbox_files order by version") == [
        (1, 2, 2, "landed", None),
        (2, 1, 1, "landed", "replaces the earlier version (2 rows moved to raw.superseded_rows)")]
    assert sql("select sku, amount from raw.primary_billing") == [("cpu", Decimal("1.500000"))]
    assert sql("select source_table, line_number, raw_record from raw.superseded_rows order by line_number") == [
        ("primary_billing", 2, "2026-10-03,ACC-1,cpu,EUR,1.00"),
        ("primary_billing", 3, "2026-10-03,ACC-1,mem,EUR,2.00")]
    # the first content delivered again is the newest version once more, not a skip
    inbox.lines(name, PRIMARY_HEADER, "2026-10-03,ACC-1,cpu,EUR,1.00", "2026-10-03,ACC-1,mem,EUR,2.00")
    assert land().new_versions == [name]
    assert manifest()[name] == (3, 2, 2, 0, "landed")
    assert sql("select sku, amount from raw.primary_billing order by sku") == [
        ("cpu", Decimal("1.000000")), ("mem", Decimal("2.000000"))]
    assert land().files_landed == 0


def test_a_changed_orders_extract_adds_its_new_events_and_repeats_the_old(inbox, land, sql):
    name = "orders_20261003T14.jsonl"
    inbox.lines(name, event("e1", "CREATE", components=CPU), event("e2"))
    land()
    inbox.lines(name, event("e1", "CREATE", components=CPU), event("e2", seq=9), event("e3", "START"))
    report = land()
    assert (report.new_versions, report.rows_loaded) == ([name], 3)
    assert sql("select f.version, e.event_id from raw.order_events e join raw.inbox_files f using (file_id) "
               "order by e.event_id") == [(1, "e1"), (1, "e2"), (2, "e3")]
    assert sql("select line_number, event_id, is_conflict from raw.order_event_repeats order by line_number") == [
        (1, "e1", False), (2, "e2", True)]


@pytest.mark.rule("3.4")
def test_the_first_delivery_of_an_event_stands(inbox, land, sql):
    # delivered later but named earlier in the alphabet: delivery order decides, not the name
    inbox.lines("orders_20261003T15.jsonl", event("e1", seq=2), event("e9"))
    inbox.lines("orders_20261003T14.jsonl", event("e1", seq=1), event("e1", seq=1), event("e1", seq=3))
    # same event_id, same content written differently: a duplicate, not a conflict
    inbox.lines("orders_20261003T16.jsonl",
                '{"seq":1,"event_type":"SUSPEND","event_id":"e9","account_id":"ACC-1","resource_id":"vm-1",'
                '"event_time":"2026-10-03T14:05:09.000+00:00","region":"eu-central","resource_type":"vm"}')
    report = land()
    assert report.rows_loaded == 6
    assert sql("select e.event_id, f.file_name, e.line_number, e.seq from raw.order_events e "
               "join raw.inbox_files f using (file_id) order by 1") == [
        ("e1", "orders_20261003T14.jsonl", 1, 1), ("e9", "orders_20261003T15.jsonl", 2, 1)]
    assert sql("select f.file_name, r.line_number, r.event_id, r.is_conflict from raw.order_event_repeats r "
               "join raw.inbox_files f using (file_id) order by 1, 2") == [
        ("orders_20261003T14.jsonl", 2, "e1", False),
        ("orders_20261003T14.jsonl", 3, "e1", True),
        ("orders_20261003T15.jsonl", 1, "e1", True),
        ("orders_20261003T16.jsonl", 1, "e9", False)]


CATALOG_OK = ("cpu,CPU,compute,hourly,vcpu,SO,EUR,0.01,,2026-10-01",
              "cpu,CPU,compute,hourly,vcpu,HO,EUR,0.004,0,2026-10-01",
              "ssd,SSD,storage,monthly,gb,SO,EUR,0.1,0.1,2026-10-01")


@pytest.mark.rule("2.4")
def test_a_catalogue_with_bad_rows_is_rejected_whole_with_every_error_named(inbox, land, sql, quarantine, manifest):
    name = "catalog_20261001_initial.csv"
    inbox.lines(name, CATALOG_HEADER, CATALOG_OK[0],
                "mem,Memory,memory,hourly,gb,SO,XXX,0.002,,2026-10-01",
                CATALOG_OK[1],
                "ssd,SSD,storage,monthly,gb,SO,EUR,-0.1,0.1,2026-10-01",
                "cpu,CPU,compute,hourly,vcpu,SO,EUR,0.02,,2026-10-01")
    report = land()
    assert report.rejected_files == [
        f"{name}: rejected, nothing applied: 3 invalid rows: "
        "line 3: unknown currency 'XXX' (expected one of AED, AUD, BHD, CAD, CHF, EUR, GBP, INR, JPY, SEK, SGD, USD); "
        "line 5: unit_price is negative: '-0.1'; "
        "line 6: duplicate (sku, tenant, currency, effective_from) = (cpu, SO, EUR, 2026-10-01): first at line 2"]
    assert report.rejections[name] == report.rejected_files[0].split(": 3 invalid rows: ")[1].split("; ")
    assert manifest()[name] == (1, 5, 0, 5, "rejected")
    assert sql("select count(*) from raw.catalog_prices") == [(0,)]
    assert [q[:2] for q in quarantine(name)] == [(2, "file_rejected"), (3, "unknown_currency"), (4, "file_rejected"),
                                               (5, "negative_price"), (6, "duplicate_key")]
    assert quarantine(name)[0][2] == "file rejected: 3 invalid rows elsewhere in the file"
    assert land().files_landed == 0  # the same file again changes nothing


@pytest.mark.rule("2.1", "2.4")
def test_a_catalogue_that_contradicts_a_sku_is_rejected(inbox, land, sql, manifest):
    inbox.lines("catalog_20261001_a.csv", CATALOG_HEADER, *CATALOG_OK)
    inbox.lines("catalog_20261002_b.csv", CATALOG_HEADER,
                "cpu,CPU,compute,monthly,vcpu,SO,USD,5,,2026-10-02",       # charge_type differs from the earlier upload
                "gpu,GPU,compute,hourly,card,SO,USD,1,,2026-10-02",
                "gpu,GPU card,compute,hourly,unit,HO,USD,0.5,,2026-10-02")  # name and unit differ from line 3
    report = land()
    assert manifest()["catalog_20261001_a.csv"][-1] == "landed"
    assert report.rejections["catalog_20261002_b.csv"] == [
        "line 2: sku 'cpu': charge_type 'monthly' differs from the accepted upload 'catalog_20261001_a.csv' ('hourly')",
        "line 4: sku 'gpu': product_name 'GPU card' differs from line 3 ('GPU'); "
        "sku 'gpu': unit 'unit' differs from line 3 ('card')"]
    assert sql("select count(*), count(distinct file_id) from raw.catalog_prices") == [(3, 1)]


def test_unknown_and_hostile_file_names_are_recorded_and_never_break_the_run(inbox, land, sql):
    names = ["notes.txt", "orders 20261003T14.jsonl", "orders_20261003T14.jsonl.bak", "résumé ✓.csv",
             "..orders_20261003T14.jsonl", "a\nb.csv", "x" * 250 + ".csv", "catalog_'; drop table raw.accounts; --.csv"]
    for name in names:
        inbox.write(name, "whatever\n")
    inbox.write(b"orders_\xfe\xff.jsonl", b"{}\n")
    inbox.lines("orders_20261003T14.jsonl", event("e1"))
    report = land()
    hidden = "..orders_20261003T14.jsonl"  # a leading dot: an upload in progress by convention, left alone
    assert report.ignored_entries == [hidden]
    assert sorted(report.unknown_files) == sorted([n for n in names[:7] if n != hidden] + ["orders_\\xfe\\xff.jsonl"])
    assert report.rejected_files == ["catalog_'; drop table raw.accounts; --.csv: rejected, nothing applied: "
                                     "1 invalid row: line 1: wrong header: expected "
                                     f"'{CATALOG_HEADER}', got 'whatever'"]
    assert sql("select count(*) from raw.order_events") == [(1,)]
    assert sql("select count(*) from raw.inbox_files where status = 'unknown_kind' and rows_read = 0 "
               "and file_kind = 'unknown' and detail is not null") == [(7,)]
    assert land().files_landed == 0


NOBODY = 65534


@contextmanager
def unprivileged(inbox_path):
    """Root reads any file: as root, land with the effective uid of `nobody` so that mode 000 means unreadable."""
    if os.geteuid() != 0:
        yield
        return
    # nobody must reach the inbox (pytest's directories are 0700) and the test cluster's socket (the server's
    # own user's, 0700); all restored after
    socket_dir = server_url().query.get("host")
    sockets = [Path(socket_dir), *Path(socket_dir).glob(".s.PGSQL.*")] if socket_dir else []
    closed = {d: d.stat().st_mode for d in [inbox_path, *inbox_path.parents, *sockets]
              if d.stat().st_mode & 0o005 != 0o005 or d.is_socket()}
    for directory, mode in closed.items():
        directory.chmod(mode | 0o007 if directory.is_socket() else mode | 0o005)
    os.setegid(NOBODY)  # the group too: root's group owns those directories, and group bits would apply
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)
        for directory, mode in closed.items():
            directory.chmod(mode)


def test_a_file_that_cannot_be_read_is_reported_and_retried(inbox, land, manifest):
    path = inbox.lines("orders_20261003T14.jsonl", event("e1"))
    assert land(datetime(2026, 10, 1, tzinfo=UTC)).files_landed == 0  # not delivered yet; the code is loaded
    path.chmod(0)
    with unprivileged(inbox.path):
        assert land().unreadable_files == ["orders_20261003T14.jsonl"]
    assert manifest() == {}
    path.chmod(0o644)
    assert land().files_landed == 1


def test_a_header_only_csv_is_a_valid_empty_feed_but_an_empty_file_or_wrong_header_is_quarantined(
        inbox, land, manifest, quarantine, sql):
    inbox.write("orderstream_control_20261003.csv", "")
    inbox.lines("primary_billing_20261003.csv", PRIMARY_HEADER)
    inbox.write("orderstream_control_20261004.csv", "\ufeff" + CONTROL_HEADER + "\r\n")  # BOM, CRLF, no row
    inbox.lines("finance_gl_202610.csv", "period;account_id;currency;posted_revenue")
    inbox.lines("catalog_20261001.csv", CATALOG_HEADER)
    report = land()
    assert manifest() == {"orderstream_control_20261003.csv": (1, 1, 0, 1, "quarantined"),
                          "primary_billing_20261003.csv": (1, 0, 0, 0, "landed"),
                          "orderstream_control_20261004.csv": (1, 0, 0, 0, "landed"),
                          "finance_gl_202610.csv": (1, 1, 0, 1, "quarantined"),
                          "catalog_20261001.csv": (1, 0, 0, 0, "landed")}
    assert [q[:2] for q in quarantine("orderstream_control_20261003.csv")] == [(1, "empty_file")]
    assert quarantine("primary_billing_20261003.csv") == []
    (line, code, reason, raw), = quarantine("finance_gl_202610.csv")
    assert (line, code, raw) == (1, "wrong_header", "period;account_id;currency;posted_revenue")
    assert "expected 'period,account_id,currency,posted_revenue'" in reason
    assert sql("select detail from raw.inbox_files where file_name = 'primary_billing_20261003.csv'") == [
        ("header only: a valid empty file",)]
    assert sorted(report.quarantined_files) == ["finance_gl_202610.csv", "orderstream_control_20261003.csv"]
    assert report.rejected_files == []


def test_a_header_only_snapshot_version_replaces_the_old_rows(inbox, land, sql, manifest):
    name = "orderstream_control_20261003.csv"
    inbox.lines(name, CONTROL_HEADER, "2026-10-03,ACC-1,CREATE,1")
    land()
    inbox.lines(name, CONTROL_HEADER)
    land()
    assert manifest()[name] == (2, 0, 0, 0, "landed")
    assert sql("select count(*) from raw.orderstream_control") == [(0,)]
    assert sql("select count(*) from raw.superseded_rows") == [(1,)]


def test_an_unreachable_database_is_one_clear_line(inbox):
    url = make_url("postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
    with pytest.raises(BillingError) as caught:
        land_inbox(inbox.path, url=url)
    message = str(caught.value)
    assert message.startswith("cannot connect to Postgres at 127.0.0.1:1/nowhere")
    assert "\n" not in message


def test_an_inbox_that_is_not_a_directory_is_refused(tmp_path, fresh_url):
    with pytest.raises(BillingError, match="is not a directory"):
        land_inbox(tmp_path / "missing", url=fresh_url)


@pytest.mark.rule("8.2")
def test_a_recount_that_differs_rolls_the_file_back(inbox, land, sql, monkeypatch):
    from iaas_billing.landing import land as land_module

    inbox.lines("primary_billing_20261003.csv", PRIMARY_HEADER, "2026-10-03,ACC-1,cpu,EUR,1")
    real = land_module._land_csv

    def overstated(*args, **kwargs):  # claims one row more than it wrote
        outcome = real(*args, **kwargs)
        outcome.rows_read += 1
        outcome.rows_loaded += 1
        return outcome

    monkeypatch.setattr(land_module, "_land_csv", overstated)
    with pytest.raises(BillingError, match="cannot land 'primary_billing_20261003.csv': the database holds 1 loaded"):
        land()
    assert sql("select count(*) from raw.inbox_files") == [(0,)]
    assert sql("select count(*) from raw.primary_billing") == [(0,)]
    monkeypatch.setattr(land_module, "_land_csv", real)
    assert land().rows_loaded == 1
