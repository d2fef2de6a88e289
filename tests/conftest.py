"""Shared fixtures: every test session (each xdist worker) works in a throwaway PostgreSQL cluster of its own.

The cluster is the embedded PostgreSQL (iaas_billing.base.embedded) in a temporary directory, started on first use
and removed when the session ends; BILLING_TEST_SERVER_URL points the session at another server instead
(a PostgreSQL 15 for a compatibility run, say), where its databases are dropped at the end.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import URL, make_url

from iaas_billing.base import db

ROOT = Path(__file__).resolve().parents[1]
# Durability settings of a throwaway cluster: a crash of the server (pg_ctl stop -m immediate) loses nothing
# with them off, only a crash of the machine would, and the cluster is deleted at the session's end anyway.
TEST_CLUSTER_SETTINGS = {"fsync": "off", "full_page_writes": "off", "max_connections": "200"}

# Airflow reads its home at import time: keep test runs out of the user's .local/airflow.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
os.environ["AIRFLOW_HOME"] = str(ROOT / ".local" / f"airflow-test-{_WORKER}")
os.environ.setdefault("AIRFLOW__COSMOS__ENABLE_TELEMETRY", "False")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(ROOT / "dags"))
os.environ.setdefault("AIRFLOW__CORE__PLUGINS_FOLDER", str(ROOT / "plugins"))
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


def new_cluster(prefix: str = "iaas-test-pg-"):
    """A fresh embedded cluster in a temporary directory, started; destroyed at exit unless the caller does."""
    from iaas_billing.base.embedded import Cluster

    cluster = Cluster(Path(tempfile.mkdtemp(prefix=prefix)), settings=TEST_CLUSTER_SETTINGS)
    atexit.register(cluster.destroy)
    cluster.ensure_running()
    return cluster


def server_url() -> URL:
    """The test session's server (its `postgres` database): BILLING_TEST_SERVER_URL, else a private cluster.

    The private cluster's URL is put in BILLING_TEST_SERVER_URL once started, so that this module imported
    twice (as `conftest` and as `tests.conftest`) and the tests' subprocesses all see the one cluster.
    """
    if not os.environ.get("BILLING_TEST_SERVER_URL"):
        url = new_cluster().url("postgres")
        os.environ["BILLING_TEST_SERVER_URL"] = url.render_as_string(hide_password=False)
    return make_url(os.environ["BILLING_TEST_SERVER_URL"])


def _admin():
    return psycopg.connect(**db.server_kwargs(server_url()), dbname="postgres", autocommit=True)


class DatabaseFactory:
    """Creates uniquely named databases on the test server and drops them all at session end."""

    def __init__(self) -> None:
        self.session_tag = uuid.uuid4().hex[:8]
        self.created: list[str] = []

    def create(self, label: str = "db", *, bootstrap: bool = True):
        from iaas_billing.base import warehouse

        name = f"iaas_test_{self.session_tag}_{label}_{len(self.created)}".lower()
        with _admin() as conn:
            conn.execute(f'create database "{name}"')
        self.created.append(name)
        url = server_url().set(database=name)
        if bootstrap:
            warehouse.init(url)
        return url

    def drop_all(self) -> None:
        with _admin() as conn:
            for name in self.created:
                conn.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture(scope="session")
def databases():
    factory = DatabaseFactory()
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session")
def warehouse_url(databases):
    """One bootstrapped database shared by the session's read-only tests."""
    return databases.create("shared")


@pytest.fixture
def fresh_url(databases, request):
    """A bootstrapped database of this test's own."""
    return databases.create(request.node.name[:20].strip("_[]").replace("-", "_") or "t")


@pytest.fixture
def use_database(monkeypatch):
    """Point BILLING_DATABASE_URL (read by the command and the DAG tasks) at a given database."""

    def _use(url):
        monkeypatch.setenv("BILLING_DATABASE_URL", url.render_as_string(hide_password=False))
        return url

    return _use


@contextmanager
def private_work_dirs(prefix: str, *, gx: bool = False) -> Iterator[str]:
    """dbt's target/ and logs/ (and with gx, the GX file context) of a test session's own, so that sessions
    building the same project concurrently cannot clash; the environment is restored after."""
    from iaas_billing.base.environment import overridden

    dirs = {"DBT_TARGET_PATH": "target", "DBT_LOG_PATH": "logs", **({"BILLING_GX_DIR": "gx"} if gx else {})}
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp, \
            overridden({k: os.path.join(tmp, sub) for k, sub in dirs.items()}):
        yield tmp


@pytest.fixture(scope="session", autouse=True)
def private_dbt_dirs():
    """Every test session (each xdist worker) builds dbt into target/ and logs/ of its own."""
    with private_work_dirs("iaas-dbt-") as tmp:
        yield tmp


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

    # as docker-compose's airflow-init and `make airflow` set it up
    Pool.create_or_update_pool(pools.WAREHOUSE_POOL, pools.WAREHOUSE_POOL_SLOTS, pools.WAREHOUSE_POOL_DESCRIPTION,
                               include_deferred=False)
    return home
