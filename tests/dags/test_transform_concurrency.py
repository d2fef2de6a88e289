"""`iaas-billing run` and transform_billing's build at the same time on one database take turns (the warehouse
writer's lock, held by the DAG's build for the whole build): both succeed, and the marts equal a serial run's."""

from __future__ import annotations

import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.airflow_dags import load_dag
from tests.trust.conftest import marts_checksums, sql, start_run

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "tiny_inbox"
AS_OF = datetime(2026, 10, 3, 2, tzinfo=UTC)


def _wait_for_dbt(proc, url, timeout: float = 400) -> bool:
    """Until a session of dbt's (its query comment) works in the database, while the command runs."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        if sql(url, "select 1 from pg_stat_activity where datname = %s and query like %s",
               (url.database, '%"app": "dbt"%')):
            return True
        time.sleep(0.05)
    return False


def _dag_build(url, use_database):
    """transform_billing under dag.test(), its clock the command's; returns the run's task states."""
    use_database(url)
    dag = load_dag("transform_billing", "transform_billing.py")
    run = dag.test(run_conf={"as_of": AS_OF.isoformat()})
    return {ti.task_id: str(ti.state) for ti in run.get_task_instances()}


@pytest.mark.slow
def test_the_command_and_the_dag_build_at_once_take_turns(airflow_db, databases, use_database, tmp_path):
    inbox = tmp_path / "inbox"
    shutil.copytree(FIXTURE, inbox)
    serial, both = databases.create("dagconc_serial"), databases.create("dagconc_both")

    alone = start_run(inbox, serial, as_of=AS_OF.isoformat())
    _, err = alone.communicate(timeout=900)
    assert alone.returncode == 0, err[-3000:]
    assert set(_dag_build(serial, use_database).values()) == {"success"}

    command = start_run(inbox, both, as_of=AS_OF.isoformat())
    assert _wait_for_dbt(command, both), "the command never reached its dbt build"
    states = _dag_build(both, use_database)  # starts while the command's dbt build runs
    out, err = command.communicate(timeout=900)
    assert command.returncode == 0, err[-3000:]
    assert set(states.values()) == {"success"}, states

    a, b = marts_checksums(serial), marts_checksums(both)
    assert a and sorted(t for t in a.keys() | b.keys() if a.get(t) != b.get(t)) == []
