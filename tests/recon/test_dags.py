"""The reconciliation DAGs: thin, scheduled as specified, and their alert task speaks through notify."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_daily_run_waits_briefly_for_the_day_then_reconciles(dags):
    dag = dags["revenue_assurance"]
    assert (dag.timetable.expression, str(dag.timetable.timezone)) == ("0 2 * * *", "UTC")
    assert dag.max_active_runs == 1 and not dag.catchup and dag.doc_md
    assert {"reconciliation", "revenue-assurance"} <= set(dag.tags)
    sensor = dag.get_task("wait_for_day")
    assert sensor.mode == "reschedule" and sensor.poke_interval == 600
    # a short wait for what is late (it stops itself after 90 minutes), never a 12-hour stall
    assert sensor.timeout <= timedelta(hours=2).total_seconds()
    assert dag.get_task("build_models").upstream_task_ids == {"wait_for_day"}
    assert dag.get_task("reconcile").upstream_task_ids == {"build_models"}
    for name in ("publish_docs", "alert"):
        task = dag.get_task(name)
        assert task.upstream_task_ids == {"reconcile"}
        assert str(task.trigger_rule) in ("all_done", "TriggerRule.ALL_DONE")
    assert all(t.retries >= 1 and t.on_failure_callback for t in dag.tasks)


def test_period_reconciliation_runs_on_the_period_closed_asset(dags):
    dag = dags["reconcile_period"]
    assets = list(dag.timetable.asset_condition.objects)
    assert [(a.name, a.uri) for a in assets] == [("billing_period_closed", "billing://warehouse/billing")]
    assert dag.max_active_runs == 1
    assert set(dag.task_ids) == {"build_models", "reconcile", "publish_docs", "alert"}


def test_alert_sends_the_summary_through_the_notifier(monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location("revenue_assurance_dag", ROOT / "dags" / "revenue_assurance.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from . import channel

    monkeypatch.setenv("BILLING_NOTIFIER", channel.__name__ + ":remember")
    summary = {"as_of": "2026-10-03T02:00:00+00:00", "run_id": 1, "levels": ["L1_PRIMARY_VS_SECONDARY"],
               "success": False, "checks": 3, "checks_failed": 1, "opened": 2, "reopened": 0, "updated": 0,
               "resolved": 1, "open_by_level": {"L1_PRIMARY_VS_SECONDARY": 2}, "errors": [],
               "failed": ["L1_PRIMARY_VS_SECONDARY amount_mismatch: 2"], "docs": "/x/index.html"}
    text = module.alert.function(summary)
    assert "2 open break(s)" in text
    SENT = channel.SENT
    assert SENT[-1].severity == "warning"
    assert SENT[-1].payload["opened"] == 2
    module.alert.function(None)
    assert SENT[-1].severity == "error"
    assert timedelta(minutes=5) == module.DEFAULT_ARGS["retry_delay"]


@pytest.mark.slow
def test_reconcile_period_runs_end_to_end(airflow_home, dags, fresh_url, use_database, gx_root, monkeypatch):
    """dag.test() on an empty warehouse: models built, checks run clean, docs rebuilt, an info alert sent."""
    from datetime import UTC, datetime

    from . import channel

    use_database(fresh_url)
    monkeypatch.setenv("BILLING_NOTIFIER", channel.__name__ + ":remember")
    channel.SENT.clear()
    dag = dags["reconcile_period"]
    for t in dag.tasks:
        t.retries = 0
    run = dag.test(logical_date=datetime(2026, 11, 1, 1, tzinfo=UTC))
    states = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
    assert str(run.state) == "success", states
    assert set(states.values()) == {"success"}
    assert (gx_root / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html").exists()
    assert [n.severity for n in channel.SENT] == ["info"]
    assert channel.SENT[0].payload["levels"] == ["L3_FINANCE_VS_ORDERSTREAM"]
    assert channel.SENT[0].payload["checks"] == 3
