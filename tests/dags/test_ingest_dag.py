"""The hourly ingest DAG: its shape, its task code run without a scheduler, and one dag.test() run."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from types import SimpleNamespace

import psycopg
import pytest

from iaas_billing.base import db
from tests.airflow_dags import load_dag

EVENT = ('{"event_id": "e1", "event_time": "2026-10-02T09:15:00Z", "seq": 1, "account_id": "ACC-1", '
         '"resource_id": "vm-1", "event_type": "SUSPEND"}')


@pytest.fixture
def small_inbox(tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "orders_20261002T09.jsonl").write_text(EVENT + "\n")   # delivered 10:00
    (inbox / "orders_20261002T10.jsonl").write_text(EVENT + "\n")   # delivered 11:00: a repeat of e1
    monkeypatch.setenv("BILLING_INBOX_DIR", str(inbox))
    return inbox


def _rows(url, query):
    with psycopg.connect(**db.server_kwargs(url), dbname=url.database) as conn:
        return conn.execute(query).fetchall()


def test_the_dag_is_hourly_and_publishes_the_raw_asset():
    from airflow.timetables.interval import CronDataIntervalTimetable

    dag = load_dag("ingest_inbox", "ingest_inbox.py")
    assert isinstance(dag.timetable, CronDataIntervalTimetable)
    assert dag.timetable.summary == "0 * * * *"
    assert (dag.catchup, dag.max_active_runs) == (False, 1)
    (task,) = dag.tasks
    assert [(a.name, a.uri) for a in task.outlets] == [("billing_raw_landed", "billing://warehouse/raw")]
    assert "data interval" in dag.doc_md


def test_the_task_code_runs_without_a_scheduler(fresh_url, use_database, small_inbox):
    use_database(fresh_url)
    dag = load_dag("ingest_inbox", "ingest_inbox.py")
    land = dag.get_task("land").python_callable
    events = defaultdict(SimpleNamespace)  # the outlet events' accessors, as Airflow hands them to the task
    report = land(data_interval_end=datetime(2026, 10, 2, 10, tzinfo=UTC), outlet_events=events)
    assert (report["files_seen"], report["files_landed"], report["files_not_yet_delivered"]) == (1, 1, 1)
    (event,) = events.values()
    assert event.extra == {"as_of": "2026-10-02T10:00:00+00:00", "files_landed": 1}
    report = land(data_interval_end=datetime(2026, 10, 2, 12, tzinfo=UTC), outlet_events=events)  # the backlog
    assert (report["files_landed"], report["files_skipped"], report["rows_loaded"]) == (1, 1, 1)
    assert _rows(fresh_url, "select file_name, processed_at from raw.inbox_files order by file_id") == [
        ("orders_20261002T09.jsonl", datetime(2026, 10, 2, 10, tzinfo=UTC)),
        ("orders_20261002T10.jsonl", datetime(2026, 10, 2, 12, tzinfo=UTC))]


def test_dag_test_lands_what_the_data_interval_has_delivered(airflow_db, fresh_url, use_database, small_inbox):
    use_database(fresh_url)
    dag = load_dag("ingest_inbox", "ingest_inbox.py")
    # a manual run at 10:00 gets the interval that ends then (09:00-10:00): T09 is delivered at 10:00, T10 at 11:00
    run = dag.test(logical_date=datetime(2026, 10, 2, 10, tzinfo=UTC))
    assert str(run.state) == "success"
    assert _rows(fresh_url, "select file_name, rows_loaded from raw.inbox_files") == [("orders_20261002T09.jsonl", 1)]
