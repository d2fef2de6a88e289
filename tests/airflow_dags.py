"""The one way tests parse a DAG file: its DAGs, or one DAG with retries off (a test fails at once)."""

from __future__ import annotations

from pathlib import Path

DAGS = Path(__file__).resolve().parents[1] / "dags"


def load_dags(file_name: str) -> dict:
    """The DAGs of dags/<file_name> by dag_id, parsed by a DagBag; the file must import without error."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS / file_name))
    assert not bag.import_errors, bag.import_errors
    return bag.dags


def load_dag(dag_id: str, file_name: str, *, keep_retries: bool = False):
    """DAG dag_id of dags/<file_name>; its tasks' retries set to 0 unless keep_retries (the retry tests)."""
    dag = load_dags(file_name)[dag_id]
    if not keep_retries:
        for task in dag.tasks:
            task.retries = 0  # a test should fail at once, not wait for retry delays
    return dag
