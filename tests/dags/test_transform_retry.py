"""transform_billing's one dbt build task: a failed model is named (task log, XCom) and never turns green on a
retry without being rebuilt; clearing the task retries from the failed model (dbt retry)."""

from __future__ import annotations

import logging
import shutil
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from iaas_billing.base import db
from tests.airflow_dags import load_dag

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "tiny_inbox"
AS_OF = datetime(2026, 10, 2, 0, tzinfo=UTC)
RUN_AT = datetime(2026, 10, 2, 0, 5, tzinfo=UTC)  # one logical date: each dag.test() clears and reruns that run
MODEL = "model.iaas_billing.stg_inbox__accounts"


def _sql(url, query):
    with psycopg.connect(**db.server_kwargs(url), dbname=url.database, autocommit=True) as conn:
        cur = conn.execute(query)
        return cur.fetchall() if cur.description else None


def _xcom(run, key):
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.scalars(XComModel.get_many(run_id=run.run_id, key=key, task_ids="dbt_build",
                                                  dag_ids="transform_billing")).all()
        return [XComModel.deserialize_value(row) for row in rows]


def _dbt_try(run):
    (ti,) = [ti for ti in run.get_task_instances() if ti.task_id == "dbt_build"]
    return str(ti.state), ti.try_number


@pytest.fixture
def landed(fresh_url, use_database, tmp_path):
    use_database(fresh_url)
    from iaas_billing import landing

    inbox = tmp_path / "inbox"
    shutil.copytree(FIXTURE, inbox)
    landing.land_inbox(inbox, AS_OF, url=fresh_url)
    return fresh_url


@pytest.fixture
def task_log():
    """The messages iaas_billing.jobs.transform logs (the task log's lines of it), whatever Airflow does to the root."""
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    logger, handler = logging.getLogger("iaas_billing.jobs.transform"), Keep(logging.INFO)
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)


@pytest.mark.slow
def test_a_failed_model_is_named_and_rebuilt_by_the_retry(airflow_db, landed, task_log):
    from iaas_billing.base.errors import BillingError
    from iaas_billing.jobs import transform

    url = landed
    # retries as deployed (2): a model's SQL error must fail at try 1
    dag = load_dag("transform_billing", "transform_billing.py", keep_retries=True)
    _sql(url, "alter table raw.accounts rename column account_name to account_name_gone")  # stg model breaks

    first = dag.test(logical_date=RUN_AT, run_conf={"as_of": AS_OF.isoformat()})
    assert str(first.state) == "failed"
    assert _dbt_try(first) == ("failed", 1)
    (published,) = _xcom(first, "dbt_results")
    assert not published["ok"] and published["failed"][0].startswith(MODEL + ":")
    statuses = {n["node"]: n["status"] for n in published["nodes"]}
    assert statuses[MODEL] == "error" and statuses["model.iaas_billing.dim_accounts"] == "skipped"
    logged = "\n".join(task_log)  # what the task logged
    assert f"FAILED {MODEL}" in logged and "column \"account_name\" does not exist" in logged

    # the task cleared (its try 2, what the DAG passes as retry=True): the model is still broken, so the
    # retry fails again, naming it, instead of turning green
    seen = []
    with pytest.raises(BillingError, match="stg_inbox__accounts"):
        transform.build(AS_OF, run_id=first.run_id, retry=True, url=url, publish=seen.append)
    (again,) = seen
    assert again["command"].startswith("dbt retry") and MODEL in again["retried"]
    assert again["failed"][0].startswith(MODEL + ":")

    # mended, cleared again: dbt retry rebuilds the failed model and everything it skipped
    _sql(url, "alter table raw.accounts rename column account_name_gone to account_name")
    report = transform.build(AS_OF, run_id=first.run_id, retry=True, url=url)
    rebuilt = {n["node"]: n["status"] for n in report["nodes"]}
    assert report["command"].startswith("dbt retry") and report["ok"]
    assert rebuilt[MODEL] == "success" and rebuilt["model.iaas_billing.dim_accounts"] == "success"
    assert set(report["retried"]) <= set(rebuilt) and "model.iaas_billing.dim_accounts" in report["retried"]
    assert _sql(url, "select account_id from marts.dim_accounts order by 1") == [("ACC-00001",), ("ACC-00002",)]
    assert not transform.results_dir(first.run_id).exists()  # nothing left to retry
