"""transform_billing's build: one `dbt build` under the warehouse lock, each node's result told, retries rebuild."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL

from iaas_billing.base import dbt_runner, locks, warehouse
from iaas_billing.base.settings import DBT_RUN_DIR
from iaas_billing.jobs import pipeline

# dbt retry's statuses (dbt/task/retry.py RETRYABLE_STATUSES): what a retry must rebuild
RETRYABLE = {"error", "fail", "skipped", "runtime error", "partial success"}
REBUILT = {"success", "pass", "warn", "no-op"}  # no-op: an exposure, which dbt never builds
# a `select` build leaves out what the pipeline_build selector leaves out (dbt_project/selectors.yml)
SELECT_EXCLUDES = ("resource_type:unit_test path:models/intermediate/reconciliation path:models/marts/interface/recon_* "
                   "path:models/marts/reconciliation")

log = logging.getLogger(__name__)


def results_dir(run_id: str) -> Path:
    """Where a DAG run keeps the run_results.json of its last failed try (what its retry rebuilds from):
    beside dbt's target path (DBT_TARGET_PATH, else .local/dbt/target), removed once the run's build succeeds."""
    target = Path(os.environ.get("DBT_TARGET_PATH") or DBT_RUN_DIR / "target")
    return target.parent / "airflow-runs" / re.sub(r"[^A-Za-z0-9_.+-]+", "_", run_id)


def build_args(select: str | None) -> list[str]:
    """`dbt build` of the pipeline's selector, or of `select` (dbt's syntax, e.g. `int_usage_spans_priced+`)."""
    if select and select.strip():
        return ["build", "--select", select.strip(), "--exclude", SELECT_EXCLUDES]
    return ["build", "--selector", pipeline.BUILD_SELECTOR]


def to_retry(saved: Path) -> set[str]:
    """The nodes the last try of this run left failed or skipped (its saved run_results.json)."""
    if not saved.exists():
        return set()
    results = json.loads(saved.read_text()).get("results", [])
    return {r["unique_id"] for r in results if r["status"] in RETRYABLE and not r["unique_id"].startswith("operation.")}


def build(as_of: datetime, *, run_id: str, select: str | None = None, retry: bool = False, url: URL | None = None,
          publish=None) -> dict:
    """Build the project at as_of in one dbt invocation, then VACUUM, all under the warehouse writer's lock.

    A retry (`retry`: the task's try 2 or later, a cleared task included) runs `dbt retry` when this run's last
    try left failed or skipped nodes: those are rebuilt, and the retry succeeds only if every one of them now
    succeeds (a node dbt retry left out fails the task instead of turning green). Otherwise it builds again.
    Each node's result is logged (a failed node's whole message), passed to `publish` before any error is
    raised, and returned: {"command", "ok", "counts", "failed", "retried", "nodes"}.
    """
    url = warehouse.require(url)
    saved = results_dir(run_id) / "run_results.json"
    with locks.warehouse_writer(url, "transform_billing dbt build"):
        pending = to_retry(saved) if retry else set()
        if pending:
            log.info("retry of run %s: dbt retry rebuilds the %d node(s) its last try left failed or skipped",
                     run_id, len(pending))
            args = ["retry", "--state", str(saved.parent)]
        else:
            args = build_args(select)
        dbt_runner.run_results_path().unlink(missing_ok=True)  # only this invocation's results are saved below
        result = dbt_runner.run_dbt(args, url=url, as_of=as_of, raise_on_failure=False)
        if result.run_results and result.run_results.exists():
            saved.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(result.run_results, saved)
        rebuilt = {n["node"] for n in result.nodes if n["status"] in REBUILT}
        left_out = sorted(pending - rebuilt)
        if result.ok and left_out:
            result.ok = False
            result.failures = [f"{node}: dbt retry did not rebuild it" for node in left_out]
        report = {"command": "dbt " + " ".join(args), "ok": result.ok, "counts": result.counts,
                  "failed": result.failures, "retried": sorted(pending),
                  "nodes": [{k: n[k] for k in ("node", "status", "seconds")} for n in result.nodes]}
        tell(result, args)
        if publish is not None:
            publish(report)
        if not result.ok:
            dbt_runner.raise_for(result, args)
        shutil.rmtree(saved.parent, ignore_errors=True)  # nothing left to retry
        pipeline.vacuum_touched(url)
    return report


def tell(result: dbt_runner.DbtResult, args: list[str]) -> None:
    """Log one line per node, then each failed node's whole message and how to retry from it."""
    log.info("dbt %s: %s", " ".join(args[:3]), ", ".join(f"{k} {v}" for k, v in sorted(result.counts.items())))
    for n in result.nodes:
        log.info("  %-13s %7.2f s  %s", n["status"], n["seconds"], n["node"])
    failed = [n for n in result.nodes if n["status"] in RETRYABLE - {"skipped"}]
    for n in failed:
        log.error("FAILED %s (%s):\n%s", n["node"], n["status"], n["message"])
    if failed or not result.ok:
        first = failed[0]["node"].split(".")[-1] if failed else "<model>"
        log.error("dbt failed: %s. To retry from the failed node: clear this task (its retry runs `dbt retry`, "
                  "which rebuilds the failed and skipped nodes), or trigger transform_billing with params "
                  '{"select": "%s+"}. dbt\'s own log: %s', "; ".join(result.failures) or "see above", first,
                  os.environ.get("DBT_LOG_PATH") or DBT_RUN_DIR / "logs")
