"""The bill_run DAG: parses without a database, schedule and Asset as specified, and runs the bill run."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from iaas_billing.jobs import billrun
from tests.airflow_dags import load_dag


def test_dag_parses_with_schedule_asset_and_defaults(airflow_db):
    dag = load_dag("bill_run", "bill_run.py")
    assert dag.max_active_runs == 1
    assert {"billing", "bill-run"} <= set(dag.tags)
    assert dag.doc_md and "close_due_periods" in dag.doc_md
    assert type(dag.timetable).__name__ == "CronDataIntervalTimetable"
    task = dag.get_task("close_due_periods")
    assert dag.default_args["retries"] >= 1
    assert [(o.name, o.uri) for o in task.outlets] == [("billing_period_closed", "billing://warehouse/billing")]


@pytest.mark.rule("5.1")
def test_task_closes_with_the_data_interval_end(airflow_db, monkeypatch):
    seen = []
    monkeypatch.setattr(billrun, "close_due_periods", lambda as_of, url=None: seen.append(as_of) or [])
    dag = load_dag("bill_run", "bill_run.py")
    # a run at 2026-11-01 01:00 covers the interval ending then: October's end plus the 1-hour grace
    run = dag.test(logical_date=datetime(2026, 11, 1, 1, tzinfo=UTC))
    assert str(run.state) == "success"
    assert seen == [datetime(2026, 11, 1, 1, tzinfo=UTC)]
