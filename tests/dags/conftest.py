"""DAG fixtures: a DAG parsed from its file (the Airflow metadata DB fixture, airflow_db, is in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def load_dag():
    """Parse one DAG file and return its DAG with retries off."""
    return _load_dag


def _load_dag(dag_id: str, file_name: str):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags" / file_name))
    assert not bag.import_errors, bag.import_errors
    dag = bag.dags[dag_id]
    for task in dag.tasks:
        task.retries = 0  # a test should fail at once, not wait for retry delays
    return dag
