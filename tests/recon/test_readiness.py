"""The daily sensor's question: has the previous day's data landed (manifest, raw.inbox_files)?"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from iaas_billing.base import db
from iaas_billing.recon import readiness

DAY = date(2026, 10, 2)


def _land(url, names, status="landed"):
    with db.connect(url) as conn, conn.transaction():
        for name in names:
            kind = "orders" if name.startswith("orders") else "control" if "control" in name else "primary_billing"
            conn.execute(
                "insert into raw.inbox_files (file_name, file_kind, sha256, size_bytes, version, rows_read,"
                " rows_loaded, rows_quarantined, status, processed_at)"
                " values (%s, %s, encode(sha256(convert_to(%s, 'UTF8')), 'hex'), 0, 1, 0, 0, 0, %s, now())",
                (name, kind, name, status))


def test_waits_for_every_hour_the_control_totals_and_primary_billing(fresh_url):
    names = readiness.day_input_names(DAY)
    assert len(names) == 26 and names[0] == "orders_20261002T00.jsonl" and names[23] == "orders_20261002T23.jsonl"
    assert readiness.missing_day_inputs(DAY, fresh_url) == names
    _land(fresh_url, [n for n in names if n != "orders_20261002T17.jsonl"])
    _land(fresh_url, ["orders_20261003T00.jsonl", "primary_billing_20261001.csv"])  # other days do not count
    assert readiness.missing_day_inputs(DAY, fresh_url) == ["orders_20261002T17.jsonl"]
    _land(fresh_url, ["orders_20261002T17.jsonl"], status="landing")  # still being landed: not yet
    assert readiness.missing_day_inputs(DAY, fresh_url) == ["orders_20261002T17.jsonl"]
    with db.connect(fresh_url) as conn, conn.transaction():
        conn.execute("update raw.inbox_files set status = 'landed' where file_name = 'orders_20261002T17.jsonl'")
    assert readiness.missing_day_inputs(DAY, fresh_url) == []


def test_the_wait_stops_when_all_is_in_or_the_grace_is_over():
    as_of, grace = datetime(2026, 10, 3, 2, tzinfo=UTC), timedelta(minutes=90)
    assert readiness.wait_is_over([], as_of, as_of, grace)
    assert not readiness.wait_is_over(["primary_billing_20261002.csv"], as_of, as_of + timedelta(minutes=89), grace)
    assert readiness.wait_is_over(["primary_billing_20261002.csv"], as_of, as_of + grace, grace)
    # a backfill or a run started late: nothing to wait for, the checks run with what is there
    assert readiness.wait_is_over(["orders_20261002T17.jsonl"], as_of, as_of + timedelta(days=60), grace)
