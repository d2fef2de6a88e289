"""Airflow's own metadata database for DAG tests: SQLite under .local, one per xdist worker, migrated once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def airflow_db():
    """Migrate this worker's Airflow metadata DB (AIRFLOW_HOME is set per worker by tests/conftest.py)."""
    home = Path(os.environ["AIRFLOW_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "airflow.db").exists():
        subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True,
                       env=os.environ.copy())
    from airflow.models.pool import Pool

    from billing_airflow import pools

    # as docker-compose's airflow-init and `make airflow-db` set it up
    Pool.create_or_update_pool(pools.WAREHOUSE_POOL, pools.WAREHOUSE_POOL_SLOTS, pools.WAREHOUSE_POOL_DESCRIPTION,
                               include_deferred=False)
    return home


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
