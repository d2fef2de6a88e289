"""Runs dbt commands on the project in-process (dbtRunner), pointed at the warehouse, with the run's clock."""

from __future__ import annotations

import json
import logging
import os
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL

from iaas_billing.base import db, locks
from iaas_billing.base.environment import overridden
from iaas_billing.base.errors import BillingError, TransientError
from iaas_billing.base.settings import DBT_PROJECT_DIR, DBT_RUN_DIR

# dbt commands that create or replace relations: they run under the warehouse writer's lock (locks.py).
WRITING_COMMANDS = {"build", "run", "seed", "snapshot", "retry", "run-operation"}


# What a failed node says when the failure can heal by itself (server gone, connection lost, lock or deadlock):
# such a failure is a TransientError, which the DAGs retry; any other failure is not (a model's SQL stays wrong).
TRANSIENT_MARKERS = ("could not connect", "connection refused", "server closed the connection",
                     "terminating connection", "connection already closed", "lock timeout", "deadlock detected",
                     "could not obtain lock", "the database system is", "canceling statement due to conflict")


log = logging.getLogger(__name__)

FAILED_STATUSES = ("error", "fail", "runtime error")
# dbt replaces a view by renaming it away and dropping it with CASCADE: two of its threads replacing views that
# share dependents can deadlock on those dependents' locks. The writer's lock keeps every other writer out, so
# that deadlock is dbt's own and running the same command again (it is repeatable) gets past it.
DEADLOCK_RETRIES = 2


@dataclass
class DbtResult:
    command: list[str]
    ok: bool
    counts: dict[str, int]
    failures: list[str]
    # every node's result, in dbt's order: {"node", "status", "seconds", "message"} (the whole message)
    nodes: list[dict] = field(default_factory=list)
    run_results: Path | None = None  # the invocation's run_results.json (dbt's target path)


def dbt_vars(as_of: datetime | None = None, **more) -> str:
    values = dict(more)
    if as_of is not None:
        values["as_of"] = as_of.isoformat()
    return json.dumps(values)


def run_results_path() -> Path:
    """dbt's run_results.json: under DBT_TARGET_PATH (relative to the project), else .local/dbt/target."""
    target = Path(os.environ.get("DBT_TARGET_PATH") or DBT_RUN_DIR / "target")
    return (target if target.is_absolute() else DBT_PROJECT_DIR / target) / "run_results.json"


def run_dbt(args: list[str], *, url: URL | None = None, as_of: datetime | None = None,
            vars: dict | None = None, raise_on_failure: bool = True) -> DbtResult:
    """Invoke `dbt <args>` against the warehouse; failures raise a BillingError naming the failed nodes."""
    from dbt.cli.main import dbtRunner

    from iaas_billing.base import warehouse

    url = warehouse.require(url, upgrade=False)
    command = [*args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
               "--quiet", "--no-use-colors"]
    if as_of is not None or vars:
        command += ["--vars", dbt_vars(as_of, **(vars or {}))]
    work_dirs = {"DBT_TARGET_PATH": os.environ.get("DBT_TARGET_PATH") or str(DBT_RUN_DIR / "target"),
                 "DBT_LOG_PATH": os.environ.get("DBT_LOG_PATH") or str(DBT_RUN_DIR / "logs")}
    writes = args[0] in WRITING_COMMANDS
    for attempt in range(1 + DEADLOCK_RETRIES):
        with locks.warehouse_writer(url, f"dbt {args[0]}") if writes else nullcontext(), \
                overridden({**db.dbt_env(url), **work_dirs}):
            result = _result(command, dbtRunner().invoke(command))
        if result.ok or not writes or attempt == DEADLOCK_RETRIES or not any(
                "deadlock detected" in f.lower() for f in result.failures):
            break
        log.warning("dbt %s: deadlock between dbt's own threads (%s); running it again", args[0],
                    "; ".join(f for f in result.failures if "deadlock" in f.lower())[:300])
    if not result.ok and raise_on_failure:
        raise_for(result, args)
    return result


def _result(command: list[str], res) -> DbtResult:
    """What one dbt invocation did: per node status, time and message, and the failures in one line each."""
    counts: dict[str, int] = {}
    failures: list[str] = []
    nodes: list[dict] = []
    results = getattr(res.result, "results", None) or []
    for node_result in results:
        status = str(node_result.status)
        counts[status] = counts.get(status, 0) + 1
        name = getattr(getattr(node_result, "node", None), "unique_id", "?")
        message = node_result.message or ""
        nodes.append({"node": name, "status": status, "seconds": round(node_result.execution_time or 0.0, 2),
                      "message": message})
        if status in FAILED_STATUSES:
            failures.append(f"{name}: {_one_line(message or status)}")
    ok = bool(res.success)
    if not ok and not failures and res.exception is not None:
        failures.append(_one_line(str(res.exception)))
    return DbtResult(command=command, ok=ok, counts=counts, failures=failures, nodes=nodes,
                     run_results=run_results_path())


def raise_for(result: DbtResult, args: list[str]) -> None:
    """A failed invocation's error: TransientError when the failure can heal by itself, else BillingError."""
    failures = result.failures or ["dbt reported failure"]
    shown = "; ".join(failures[:5]) + (f" (+{len(failures) - 5} more)" if len(failures) > 5 else "")
    error = TransientError if any(m in f.lower() for f in failures for m in TRANSIENT_MARKERS) else BillingError
    raise error(f"dbt {' '.join(args)} failed: {shown}")


def _one_line(message: str) -> str:
    """dbt's error head and its cause on one line: 'Database Error in model x (path)' says nothing of what went
    wrong, the line after it does ('Database Error: server closed the connection unexpectedly')."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return ": ".join(lines[:2])[:300] if lines else message
