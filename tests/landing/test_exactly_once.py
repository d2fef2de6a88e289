"""Exactly once under failure: a landing killed mid-COPY leaves nothing and a retry lands the file once;
two runs at the same time land every file once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psycopg

from iaas_billing.base import db

from .conftest import CATALOG_HEADER, PRIMARY_HEADER, event

AS_OF = "2026-12-01T00:00:00Z"


def run_landing(inbox, url) -> subprocess.Popen:
    env = {**os.environ, "BILLING_DATABASE_URL": url.render_as_string(hide_password=False)}
    return subprocess.Popen([sys.executable, "-m", "iaas_billing.landing", "--inbox", str(inbox), "--as-of", AS_OF],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def connect(url):
    return psycopg.connect(**db.server_kwargs(url), dbname=url.database, autocommit=True)


def big_extract(count: int, prefix: str) -> str:
    return "".join(event(f"{prefix}-{i}", seq=i, resource=f"vm-{i % 500}") + "\n" for i in range(count))


def test_a_landing_killed_mid_copy_leaves_nothing_and_the_retry_lands_once(inbox, fresh_url, sql):
    inbox.lines("catalog_20261001.csv", CATALOG_HEADER, "cpu,CPU,compute,hourly,vcpu,SO,EUR,0.01,,2026-10-01")
    inbox.write("orders_20261003T14.jsonl", big_extract(30_000, "big"))
    proc = run_landing(inbox.path, fresh_url)
    copied = 0
    with connect(fresh_url) as conn:
        deadline = time.monotonic() + 120
        while copied < 1_000 and proc.poll() is None and time.monotonic() < deadline:
            row = conn.execute("select max(tuples_processed) from pg_stat_progress_copy "
                               "where datname = current_database()").fetchone()
            copied = row[0] or 0
            time.sleep(0.01)
        assert proc.poll() is None, f"the landing finished before it could be killed: {proc.communicate()}"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        # the server notices the dead client and rolls its transaction back
        while conn.execute("select count(*) from pg_stat_activity where datname = current_database() "
                           "and pid <> pg_backend_pid()").fetchone()[0]:
            time.sleep(0.05)
    assert copied >= 1_000  # it was killed in the middle of the COPY
    assert sql("select file_name, rows_loaded from raw.inbox_files") == [("catalog_20261001.csv", 1)]
    assert sql("select count(*) from raw.order_events") == [(0,)]

    retry = run_landing(inbox.path, fresh_url)
    out, err = retry.communicate(timeout=300)
    assert retry.returncode == 0, err
    assert "landed 1 file(s), skipped 1" in out
    assert sql("select file_name, version, rows_read, rows_loaded, status from raw.inbox_files order by file_id") == [
        ("catalog_20261001.csv", 1, 1, 1, "landed"), ("orders_20261003T14.jsonl", 1, 30_000, 30_000, "landed")]
    assert sql("select count(*), count(distinct event_id) from raw.order_events") == [(30_000, 30_000)]
    assert sql("select count(*) from raw.order_event_repeats") == [(0,)]


def test_two_runs_at_once_land_every_file_once(inbox, fresh_url, sql):
    # five extracts whose events overlap: each one repeats the last 100 events of the one before
    for hour in range(5):
        lines = [event(f"e{i}", seq=i) for i in range(hour * 2_000 - (100 if hour else 0), (hour + 1) * 2_000)]
        inbox.lines(f"orders_20261003T{10 + hour:02d}.jsonl", *lines)
    inbox.lines("primary_billing_20261003.csv", PRIMARY_HEADER,
                *(f"2026-10-03,ACC-{i},cpu,EUR,{i}.5" for i in range(300)))
    first, second = run_landing(inbox.path, fresh_url), run_landing(inbox.path, fresh_url)
    outputs = [p.communicate(timeout=300) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], outputs
    landed = [int(out.split("landed ")[1].split(" ")[0]) for out, _ in outputs]
    assert sum(landed) == 6
    assert sql("select file_name, count(*) from raw.inbox_files group by 1 having count(*) > 1") == []
    assert sql("select count(*), sum(rows_read), sum(rows_loaded), sum(rows_quarantined) from raw.inbox_files") == [
        (6, 10_400 + 300, 10_400 + 300, 0)]
    assert sql("select count(*), count(distinct event_id) from raw.order_events") == [(10_000, 10_000)]
    assert sql("select count(*), count(*) filter (where is_conflict) from raw.order_event_repeats") == [(400, 0)]
    assert sql("select count(*) from raw.primary_billing") == [(300,)]
