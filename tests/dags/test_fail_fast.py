"""What no retry can fix fails the task at once (try 1), with the command's one-line message; what can heal
is retried. Run through dag.test() with the DAG's own retries (2, with a delay) left in place."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from tests.airflow_dags import load_dag

RUN_AT = datetime(2026, 10, 2, 10, tzinfo=UTC)


def _ingest_dag():
    dag = load_dag("ingest_inbox", "ingest_inbox.py", keep_retries=True)
    assert dag.get_task("land").retries == 2  # the retries are the DAG's own, not switched off
    return dag


def _run_once(dag):
    started = time.monotonic()
    run = dag.test(logical_date=RUN_AT)
    (ti,) = run.get_task_instances()
    return run, ti, time.monotonic() - started


@pytest.fixture
def inbox(tmp_path, monkeypatch):
    path = tmp_path / "inbox"
    path.mkdir()
    monkeypatch.setenv("BILLING_INBOX_DIR", str(path))
    return path


def test_a_missing_inbox_fails_at_try_one(airflow_db, fresh_url, use_database, tmp_path, monkeypatch):
    use_database(fresh_url)
    monkeypatch.setenv("BILLING_INBOX_DIR", str(tmp_path / "typo"))
    run, ti, seconds = _run_once(_ingest_dag())
    assert (str(run.state), str(ti.state), ti.try_number) == ("failed", "failed", 1)
    assert seconds < 60  # no retry delay (2 min) was waited


@pytest.mark.parametrize("database", ["missing", "empty"])
def test_a_database_without_a_warehouse_fails_at_try_one(database, airflow_db, databases, use_database, inbox):
    from tests.conftest import _admin

    url = databases.create(f"failfast_{database}", bootstrap=False)
    if database == "missing":
        with _admin() as conn:
            conn.execute(f'drop database "{url.database}"')
    use_database(url)
    run, ti, _ = _run_once(_ingest_dag())
    assert (str(run.state), str(ti.state), ti.try_number) == ("failed", "failed", 1)
    if database == "missing":
        with _admin() as conn:  # and the failed task created nothing
            assert conn.execute("select 1 from pg_database where datname = %s", (url.database,)).fetchone() is None


def test_only_errors_that_cannot_heal_skip_the_retries():
    from airflow.sdk.exceptions import AirflowFailException

    from billing_airflow.failfast import fails_fast
    from iaas_billing.base.errors import BillingError, TransientError, WarehouseMissing

    def raising(error):
        @fails_fast
        def task_callable(data_interval_end=None):
            raise error
        return task_callable

    for permanent in (BillingError("inbox x is not a directory"), WarehouseMissing("no warehouse")):
        with pytest.raises(AirflowFailException, match=str(permanent)):
            raising(permanent)()
    with pytest.raises(TransientError):  # raised as it is: the task's retries apply
        raising(TransientError("cannot connect to Postgres at h:5432/db"))()
    with pytest.raises(ZeroDivisionError):  # not ours to judge: retried as before
        raising(ZeroDivisionError())()
