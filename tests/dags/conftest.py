"""DAG fixtures: a DAG parsed from its file (tests/airflow_dags.py; the Airflow metadata DB fixture, airflow_db,
is in tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.airflow_dags import load_dag as _load_dag


@pytest.fixture
def load_dag():
    """Parse one DAG file and return its DAG with retries off (keep_retries=True keeps the DAG's own)."""
    return _load_dag
