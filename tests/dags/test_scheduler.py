"""The pipeline as deployed: Airflow's own scheduler runs the billing day, and its marts equal the command's.

`make airflow`'s code (iaas_billing.cli.local_airflow) starts the api-server, scheduler, dag-processor and triggerer
once for the module, with the metadata in the session's cluster. Airflow's own backfill runs `ingest_inbox` over
the hours before 02:00 of 2 October; each landing publishes `billing_raw_landed`, whose Asset events trigger
`transform_billing`; then a backfill of `revenue_assurance` reconciles 1 October at 02:00. Meanwhile
`iaas-billing run --as-of 02:00` runs in another database. Rated usage, invoice lines and breaks must be equal
row for row.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime

import psycopg
import pytest

from iaas_billing.base import db
from iaas_billing.cli.local_airflow import LocalAirflow
from tests.conftest import server_url

FIRST_HOUR, CLOCK = "2026-10-01T22:00:00+00:00", datetime(2026, 10, 2, 2, tzinfo=UTC)
COMPARED = ("fct_rated_usage_daily", "fct_invoice_lines", "fct_reconciliation_breaks")
# columns that are not a function of (inbox, clock): landing's wall clock and sequence-drawn ids
NOT_DETERMINISTIC = {"landed_at", "file_id", "run_id", "first_run_id", "last_run_id"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def airflow(tmp_path_factory, databases):
    inbox_root = tmp_path_factory.mktemp("sched_sim")
    subprocess.run([sys.executable, "-m", "billing_simulator", "--out", str(inbox_root), "--accounts", "3",
                    "--seed", "11", "--start", "2026-10-01", "--end", "2026-10-03", "--force", "--quiet"], check=True)
    warehouse = databases.create("scheduler")
    local = LocalAirflow(home=tmp_path_factory.mktemp("airflow_home"), port=_free_port(),
                         inbox=inbox_root / "inbox", metadata_server=server_url(), warehouse_url=warehouse,
                         extra_environment={"BILLING_SCHEDULE_END": CLOCK.isoformat()})
    with psycopg.connect(**db.server_kwargs(server_url()), dbname="postgres", autocommit=True) as conn:
        conn.execute("drop database if exists airflow with (force)")  # a metadata DB of this session's own
    try:
        local.start()
        yield local, warehouse
    finally:
        ended = local.stop()
        assert ended, "nothing was running to stop"
        assert local.running() == []


def _airflow(local: LocalAirflow, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "airflow", *args], env=local.environment(), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _metadata(query: str) -> list[tuple]:
    """Rows of Airflow's metadata database."""
    with psycopg.connect(**db.server_kwargs(server_url()), dbname="airflow") as conn:
        return conn.execute(query).fetchall()


def _runs(local: LocalAirflow) -> list[tuple[str, str, str]]:
    """(dag_id, run_type, state) of every DAG run."""
    return _metadata("select dag_id, run_type, state from dag_run order by id")


def _wait_until_idle(local: LocalAirflow, expect: dict[str, int], timeout: float = 1200) -> list[tuple]:
    """Until at least `expect[dag]` runs of each DAG have finished and no run is queued or running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = _runs(local)
        done = {d: sum(1 for dag, _, state in runs if dag == d and state in ("success", "failed")) for d in expect}
        busy = [r for r in runs if r[2] in ("queued", "running")]
        busy += _metadata("select target_dag_id, 'asset event not yet consumed', '' from asset_dag_run_queue")
        if all(done[d] >= n for d, n in expect.items()) and not busy:
            return runs
        time.sleep(3)
    raise AssertionError(f"the scheduler did not finish in {timeout:.0f} s: {_runs(local)}")


def _rows(url, table: str) -> list[tuple]:
    with psycopg.connect(**db.server_kwargs(url), dbname=url.database) as conn:
        columns = [c for (c,) in conn.execute(
            "select column_name from information_schema.columns where table_schema = 'marts' and table_name = %s"
            " order by ordinal_position", (table,)) if c not in NOT_DETERMINISTIC]
        listed = ", ".join(f'"{c}"' for c in columns)
        return conn.execute(f"select {listed} from marts.{table} order by {listed}").fetchall()


@pytest.mark.slow
def test_the_scheduler_backfills_the_day_and_equals_the_command(airflow, databases):
    local, warehouse = airflow
    reference = databases.create("scheduler_reference")
    command = subprocess.Popen([sys.executable, "-m", "iaas_billing.cli", "run", "--inbox", str(local.inbox),
                                "--as-of", CLOCK.isoformat()], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, "BILLING_DATABASE_URL": reference.render_as_string(
                                   hide_password=False)})

    # queued runs, backfills included, start only in unpaused DAGs; BILLING_SCHEDULE_END keeps the scheduler
    # from also running today's interval of the two timetabled ones
    for dag_id in ("ingest_inbox", "transform_billing", "revenue_assurance"):
        _airflow(local, "dags", "unpause", dag_id)
    _airflow(local, "backfill", "create", "--dag-id", "ingest_inbox", "--from-date", FIRST_HOUR,
             "--to-date", "2026-10-02T01:00:00+00:00", "--max-active-runs", "1")
    runs = _wait_until_idle(local, {"ingest_inbox": 4, "transform_billing": 1})
    _airflow(local, "backfill", "create", "--dag-id", "revenue_assurance", "--from-date", "2026-10-02T02:00:00+00:00",
             "--to-date", "2026-10-02T02:00:00+00:00")
    runs = _wait_until_idle(local, {"ingest_inbox": 4, "transform_billing": 1, "revenue_assurance": 1})

    failed = [r for r in runs if r[2] != "success"]
    assert failed == [], runs
    assert sum(1 for dag, kind, _ in runs if dag == "ingest_inbox" and kind == "backfill") == 4
    assert {kind for dag, kind, _ in runs if dag == "transform_billing"} == {"asset_triggered"}

    out, err = command.communicate(timeout=900)
    assert command.returncode == 0, err[-3000:]
    for table in COMPARED:
        assert _rows(warehouse, table) == _rows(reference, table), table
    assert _rows(reference, "fct_rated_usage_daily"), "nothing was rated: the comparison would prove nothing"
