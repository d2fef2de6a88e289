"""Orders extracts land several per transaction: per-file conservation, dedup across and within a batch, a file
that fails inside a batch, and a kill mid-batch then a rerun, all against what landing file by file gives."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psycopg
import pytest

from iaas_billing.base import db
from iaas_billing.base.errors import BillingError
from iaas_billing.landing import batch, land_inbox, staging

from .conftest import LATE, PRIMARY_HEADER, event

CPU = '[{"sku": "cpu", "quantity": 2}]'
AS_OF = "2026-12-01T00:00:00Z"


def rows_by_name(sql) -> dict[str, list]:
    """What raw holds, with file_id replaced by the file's name and version (file_ids differ between databases and
    after a rollback), to compare two landings of the same inbox."""
    named = "(select file_name || ' v' || version from raw.inbox_files f where f.file_id = t.file_id)"
    return {
        "inbox_files": sql("select file_name, version, file_kind, rows_read, rows_loaded, rows_quarantined, status, "
                           "detail from raw.inbox_files order by 1, 2"),
        "order_events": sql(f"select {named}, line_number, event_id, event_time, seq, account_id, resource_id, "
                            f"resource_type, region, event_type, components::text, content_hash, raw_record "
                            f"from raw.order_events t order by event_id"),
        "order_event_repeats": sql(f"select {named}, line_number, event_id, content_hash, is_conflict, raw_record "
                                   f"from raw.order_event_repeats t order by 1, 2"),
        "quarantined_rows": sql(f"select {named}, line_number, reason_code, reason, raw_record "
                                f"from raw.quarantined_rows t order by 1, 2"),
        "primary_billing": sql(f"select {named}, line_number, raw_record from raw.primary_billing t order by 1, 2"),
    }


def sql_on(url):
    def _sql(query: str, *params):
        with psycopg.connect(**db.server_kwargs(url), dbname=url.database) as conn:
            return conn.execute(query, params).fetchall()
    return _sql


def messy_batch(inbox) -> None:
    """Four consecutive hourly extracts (one batch): repeats and conflicts within a file, across files of the
    batch and against an event landed before; a bad line; an empty hour."""
    inbox.lines("orders_20261003T10.jsonl",
                event("e1", "CREATE", components=CPU),
                event("e2"),
                event("e2"),                                   # identical repeat within the file
                event("e3", seq=1),
                event("e3", seq=7),                            # conflict within the file: line 4 stands
                "{not json")
    inbox.write("orders_20261003T11.jsonl", "")                # an hour without events
    inbox.lines("orders_20261003T12.jsonl",
                '{"event_type":"CREATE","seq":1,"event_id":"e1","account_id":"ACC-1","resource_id":"vm-1",'
                '"event_time":"2026-10-03T14:05:09.000Z","region":"eu-central","resource_type":"vm",'
                '"components":[{"quantity":2.0,"sku":"cpu"}]}',  # e1 again, spelt differently: same content
                event("e2", seq=5),                            # conflict with the file before
                event("e0", seq=3),                            # conflict with the earlier run
                event("e4"))
    inbox.lines("orders_20261003T13.jsonl", event("e4"), event("e5"), "")


@pytest.mark.rule("3.4", "8.1", "8.2")
def test_a_batch_conserves_rows_per_file_and_dedups_like_file_by_file(inbox, fresh_url, databases, sql, monkeypatch):
    inbox.lines("orders_20261003T09.jsonl", event("e0"))       # lands first, on its own (an earlier run)
    land_inbox(inbox.path, LATE, url=fresh_url)
    messy_batch(inbox)
    report = land_inbox(inbox.path, LATE, url=fresh_url)
    assert (report.files_landed, report.rows_loaded, report.rows_quarantined) == (4, 11, 2)
    # the four extracts landed in one transaction, each with its own manifest row and counts
    assert sql("select count(distinct xmin::text) from raw.inbox_files "
               "where file_name > 'orders_20261003T09.jsonl'") == [(1,)]
    assert sql("select file_name, rows_read, rows_loaded, rows_quarantined, status, detail from raw.inbox_files "
               "where file_name > 'orders_20261003T09.jsonl' order by file_id") == [
        ("orders_20261003T10.jsonl", 6, 5, 1, "landed_with_quarantine",
         "1 row quarantined: not_json x1; 2 repeated event_ids (1 conflicting)"),
        ("orders_20261003T11.jsonl", 0, 0, 0, "landed", "empty extract: no events in that hour"),
        ("orders_20261003T12.jsonl", 4, 4, 0, "landed", "3 repeated event_ids (2 conflicting)"),
        ("orders_20261003T13.jsonl", 3, 2, 1, "landed_with_quarantine",
         "1 row quarantined: blank_line x1; 1 repeated event_id (0 conflicting)")]
    # per file, what raw holds adds up to the manifest
    assert sql("""select f.file_name from raw.inbox_files f
                  where f.rows_loaded <> (select count(*) from raw.order_events e where e.file_id = f.file_id)
                                       + (select count(*) from raw.order_event_repeats r where r.file_id = f.file_id)
                     or f.rows_quarantined <> (select count(*) from raw.quarantined_rows q
                                               where q.file_id = f.file_id)
                     or f.rows_read <> f.rows_loaded + f.rows_quarantined""") == []
    # the first landing (file order, then line order) stands; later copies are repeats, conflicts when they differ
    assert sql("select e.event_id, f.file_name, e.line_number, e.seq from raw.order_events e "
               "join raw.inbox_files f using (file_id) order by 1") == [
        ("e0", "orders_20261003T09.jsonl", 1, 1), ("e1", "orders_20261003T10.jsonl", 1, 1),
        ("e2", "orders_20261003T10.jsonl", 2, 1), ("e3", "orders_20261003T10.jsonl", 4, 1),
        ("e4", "orders_20261003T12.jsonl", 4, 1), ("e5", "orders_20261003T13.jsonl", 2, 1)]
    assert sql("select f.file_name, r.line_number, r.event_id, r.is_conflict from raw.order_event_repeats r "
               "join raw.inbox_files f using (file_id) order by 1, 2") == [
        ("orders_20261003T10.jsonl", 3, "e2", False), ("orders_20261003T10.jsonl", 5, "e3", True),
        ("orders_20261003T12.jsonl", 1, "e1", False), ("orders_20261003T12.jsonl", 2, "e2", True),
        ("orders_20261003T12.jsonl", 3, "e0", True), ("orders_20261003T13.jsonl", 1, "e4", False)]

    # the same inbox landed one file per transaction gives the very same rows
    one_by_one = databases.create("one_by_one")
    monkeypatch.setattr(batch, "MAX_FILES", 1)
    land_inbox(inbox.path, LATE, url=one_by_one)
    assert sql_on(one_by_one)("select count(distinct xmin::text) from raw.inbox_files") == [(5,)]
    assert rows_by_name(sql_on(one_by_one)) == rows_by_name(sql)


def test_batches_follow_the_processing_order_and_stop_at_other_files(inbox, land, sql):
    # 23:00 of the 3rd is delivered at midnight with that day's primary billing, which comes after it (kind order)
    for hour in (21, 22, 23):
        inbox.lines(f"orders_20261003T{hour}.jsonl", event(f"a{hour}", seq=hour))
    inbox.lines("primary_billing_20261003.csv", PRIMARY_HEADER, "2026-10-03,ACC-1,cpu,EUR,1")
    inbox.lines("orders_20261004T00.jsonl", event("a23", seq=99), event("b0"))
    land()
    transactions = sql("select file_name, dense_rank() over (order by xmin::text::bigint) from raw.inbox_files "
                       "order by file_id")
    assert transactions == [("orders_20261003T21.jsonl", 1), ("orders_20261003T22.jsonl", 1),
                            ("orders_20261003T23.jsonl", 1), ("primary_billing_20261003.csv", 2),
                            ("orders_20261004T00.jsonl", 3)]
    assert sql("select event_id, is_conflict from raw.order_event_repeats") == [("a23", True)]


def test_a_file_that_fails_inside_a_batch_names_itself_and_changes_nothing_else(inbox, land, sql, monkeypatch):
    for hour in range(10, 14):
        inbox.lines(f"orders_20261003T{hour}.jsonl", event(f"e{hour}"), event(f"f{hour}"))
    real = staging.stage

    def broken(name, data):  # the server refuses the third file's rows (a value the parser let through)
        staged = real(name, data)
        if name == "orders_20261003T12.jsonl":
            staged.chunks = [chunk.replace(b"2026-10-03T14:05:09Z", b"2026-10-03T99:05:09Z")
                             for chunk in staged.chunks]
        return staged

    monkeypatch.setattr(staging, "stage", broken)
    with pytest.raises(BillingError) as caught:
        land()
    message = str(caught.value)
    assert message.startswith("cannot land 'orders_20261003T12.jsonl': ") and "\n" not in message
    assert "2026-10-03T99:05:09Z" in message
    # the files before it landed (one by one, as they would have alone); nothing of it or after it
    assert sql("select file_name, rows_loaded, status from raw.inbox_files order by file_id") == [
        ("orders_20261003T10.jsonl", 2, "landed"), ("orders_20261003T11.jsonl", 2, "landed")]
    assert sql("select count(*) from raw.order_events") == [(4,)]
    monkeypatch.setattr(staging, "stage", real)
    report = land()
    assert (report.files_landed, report.files_skipped, report.rows_loaded) == (2, 2, 4)
    assert sql("select count(distinct xmin::text) from raw.inbox_files where file_name >= 'orders_20261003T12'") == [
        (1,)]


def run_landing(inbox, url) -> subprocess.Popen:
    env = {**os.environ, "BILLING_DATABASE_URL": url.render_as_string(hide_password=False)}
    return subprocess.Popen([sys.executable, "-m", "iaas_billing.landing", "--inbox", str(inbox), "--as-of", AS_OF],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_kill_mid_batch_leaves_no_file_of_it_and_the_rerun_lands_what_an_uninterrupted_run_lands(
        inbox, fresh_url, databases, sql):
    # batch 1: three small extracts; then a primary billing file; then batch 2: six big extracts that repeat and
    # contradict each other and batch 1
    inbox.lines("orders_20261003T21.jsonl", event("x1"), event("x2"))
    inbox.lines("orders_20261003T22.jsonl", event("x3"))
    inbox.lines("orders_20261003T23.jsonl", event("x1"), event("x4"))
    inbox.lines("primary_billing_20261003.csv", PRIMARY_HEADER, "2026-10-03,ACC-1,cpu,EUR,1")
    per_file = 6_000
    for hour in range(6):
        lines = [event(f"h{hour}-{i}", seq=i, resource=f"vm-{i % 300}") for i in range(per_file)]
        lines += [event(f"h{hour - 1}-{i}", seq=i + (hour % 2), resource=f"vm-{i % 300}")
                  for i in range(0, per_file, 500)] if hour else [event("x2", seq=9)]
        inbox.lines(f"orders_20261004T{hour:02d}.jsonl", *lines)

    proc = run_landing(inbox.path, fresh_url)
    copied = 0
    with psycopg.connect(**db.server_kwargs(fresh_url),
                         dbname=fresh_url.database, autocommit=True) as conn:
        deadline = time.monotonic() + 120
        while copied < 2.5 * per_file and proc.poll() is None and time.monotonic() < deadline:
            row = conn.execute("select max(p.tuples_processed) from pg_stat_progress_copy as p "
                               "join pg_class as c on c.oid = p.relid "
                               "where p.datname = current_database() and c.relname = 'landing_order_events'"
                               ).fetchone()
            copied = row[0] or 0
            time.sleep(0.005)
        assert proc.poll() is None, f"the landing finished before it could be killed: {proc.communicate()}"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        while conn.execute("select count(*) from pg_stat_activity where datname = current_database() "
                           "and pid <> pg_backend_pid()").fetchone()[0]:
            time.sleep(0.05)
    assert copied >= 2.5 * per_file  # killed while the batch's staging COPY was past its second file
    # the first batch and the primary billing file stay landed; nothing of the killed batch
    assert sql("select file_name from raw.inbox_files order by file_id") == [
        ("orders_20261003T21.jsonl",), ("orders_20261003T22.jsonl",), ("orders_20261003T23.jsonl",),
        ("primary_billing_20261003.csv",)]
    assert sql("select count(*) from raw.order_events where event_id like 'h%%'") == [(0,)]
    assert sql("select count(*) from raw.order_event_repeats") == [(1,)]

    retry = run_landing(inbox.path, fresh_url)
    out, err = retry.communicate(timeout=300)
    assert retry.returncode == 0, err
    assert "landed 6 file(s), skipped 4" in out
    uninterrupted = databases.create("uninterrupted")
    land_inbox(inbox.path, LATE, url=uninterrupted)
    assert rows_by_name(sql) == rows_by_name(sql_on(uninterrupted))
    assert sql("select count(*), count(*) filter (where is_conflict) from raw.order_event_repeats") == [(62, 37)]


def test_escapes_in_an_extract_reach_the_database_exactly(inbox, land, sql):
    # backslashes (JSON escapes), a tab between tokens and CRLF line ends: the staging COPY text escapes them
    tricky = ('{"event_id": "e\\\\1\\t2", "event_time": "2026-10-03T14:05:09Z", "seq": 1,'
              '\t"account_id": "ACC-\\"1\\"", "resource_id": "vm-1", "region": "eu\\\\central",'
              ' "event_type": "CREATE", "components": [{"sku": "c\\\\pu", "quantity": 2}]}')
    inbox.write("orders_20261003T14.jsonl", tricky + "\r\n" + event("plain") + "\r\n")
    report = land()
    assert (report.rows_loaded, report.rows_quarantined) == (2, 0)
    assert sql("select event_id, account_id, region, components::text, raw_record from raw.order_events "
               "where event_id <> 'plain'") == [
        ("e\\1\t2", 'ACC-"1"', "eu\\central", '[{"sku": "c\\\\pu", "quantity": 2}]', tricky)]
