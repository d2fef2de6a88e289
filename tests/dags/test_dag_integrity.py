"""Every DAG file imports cleanly, quickly, without touching a database, with tags, retries and one active run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DAG_FILES = sorted(p.name for p in (ROOT / "dags").glob("*.py") if not p.name.startswith("_"))
PARSE_BUDGET_S = 1.0

# Parse in a fresh interpreter that has imported airflow.sdk (as the dag-processor has), with the
# warehouse URL pointing at a host that does not exist: a DAG that touched a database at import
# time would fail or hang here.
PARSE_SCRIPT = r"""
import json, sys, time
import airflow.sdk  # noqa: F401  (the dag-processor has this loaded before it parses files)
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
out = {
    "errors": {k: str(v)[-2000:] for k, v in bag.import_errors.items()},
    "stats": {s.file.lstrip("/"): s.duration.total_seconds() for s in bag.dagbag_stats},
    "dags": {d.dag_id: {
        "tags": sorted(d.tags or []),
        "max_active_runs": d.max_active_runs,
        "catchup": d.catchup,
        "doc_md": bool(d.doc_md),
        "schedule": type(d.timetable).__name__,
        "retries": sorted({t.retries for t in d.tasks}),
        "fileloc": d.fileloc,
        "pools": {t.task_id: t.pool for t in d.tasks},
        "upstream": {t.task_id: sorted(t.upstream_task_ids) for t in d.tasks},
    } for d in bag.dags.values()},
}
print("JSON" + json.dumps(out))
"""


def _parse(path: Path) -> dict:
    env = {**os.environ, "BILLING_DATABASE_URL": "postgresql://nobody@db.invalid:5432/nowhere"}
    proc = subprocess.run([sys.executable, "-c", PARSE_SCRIPT, str(path)], capture_output=True, text=True,
                          env=env, timeout=300, cwd=ROOT)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("JSON")), None)
    assert line, f"parse of {path.name} printed no result:\n{proc.stderr[-3000:]}"
    return json.loads(line[4:])


@pytest.fixture(scope="module")
def parsed() -> dict[str, dict]:
    results = {}
    for name in DAG_FILES:
        _parse(ROOT / "dags" / name)  # warm the caches, as a running dag-processor has them
        results[name] = _parse(ROOT / "dags" / name)
    return results


def test_there_are_dags():
    assert "transform_billing.py" in DAG_FILES


@pytest.mark.parametrize("name", DAG_FILES)
def test_imports_without_error(parsed, name):
    assert parsed[name]["errors"] == {}
    assert parsed[name]["dags"], f"{name} defines no DAG"


@pytest.mark.parametrize("name", DAG_FILES)
def test_parse_time_under_budget(parsed, name):
    (duration,) = parsed[name]["stats"].values()
    assert duration < PARSE_BUDGET_S, f"{name} took {duration:.2f}s to parse"


@pytest.mark.parametrize("name", DAG_FILES)
def test_dag_conventions(parsed, name):
    for dag_id, dag in parsed[name]["dags"].items():
        assert dag["tags"], f"{dag_id} has no tags"
        assert "billing" in dag["tags"], f"{dag_id} is not tagged billing"
        assert min(dag["retries"]) >= 1, f"{dag_id} has tasks without retries"
        assert dag["max_active_runs"] == 1, f"{dag_id} builds the warehouse: max_active_runs must be 1"
        assert dag["catchup"] is False, f"{dag_id} must not catch up run by run (one run lands the backlog)"
        assert dag["doc_md"], f"{dag_id} has no doc_md"
        assert dag["schedule"] != "NullTimetable", f"{dag_id} has no schedule"


# Every task that writes the warehouse (and so takes its writer's lock) runs in the one-slot pool: Airflow's writers
# queue for the slot instead of waiting for the lock inside a worker slot.
WAREHOUSE_WRITERS = {
    "ingest_inbox": {"land"},
    "transform_billing": {"dbt_build"},
    "bill_run": {"close_due_periods"},
    "revenue_assurance": {"build_models", "reconcile"},
    "reconcile_period": {"build_models", "reconcile"},
}


def test_warehouse_writers_run_in_the_warehouse_pool(parsed):
    dags = {dag_id: dag for result in parsed.values() for dag_id, dag in result["dags"].items()}
    assert set(WAREHOUSE_WRITERS) <= set(dags)
    for dag_id, dag in dags.items():
        writers = {task for task, pool in dag["pools"].items() if pool == "billing_warehouse"}
        assert writers == WAREHOUSE_WRITERS.get(dag_id, set()), dag_id


def test_transform_billing_is_one_build_then_validation(parsed):
    dag = parsed["transform_billing.py"]["dags"]["transform_billing"]
    assert dag["upstream"] == {"dbt_build": [], "validate_marts": ["dbt_build"]}
