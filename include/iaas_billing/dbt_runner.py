"""Runs dbt commands on the project in-process (dbtRunner), pointed at the warehouse, with the run's clock."""

from __future__ import annotations

import json
import os
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import URL

from iaas_billing import db, locks
from iaas_billing.environment import overridden
from iaas_billing.errors import BillingError, TransientError
from iaas_billing.settings import DBT_PROJECT_DIR, DBT_RUN_DIR

# dbt commands that create or replace relations: they run under the warehouse writer's lock (locks.py).
WRITING_COMMANDS = {"build", "run", "seed", "snapshot", "retry", "run-operation"}


# What a failed node says when the failure can heal by itself (server gone, connection lost, lock or deadlock):
# such a failure is a TransientError, which the DAGs retry; any other failure is not (a model's SQL stays wrong).
TRANSIENT_MARKERS = ("could not connect", "connection refused", "server closed the connection",
                     "terminating connection", "connection already closed", "lock timeout", "deadlock detected",
                     "could not obtain lock", "the database system is", "canceling statement due to conflict")


@dataclass
class DbtResult:
    command: list[str]
    ok: bool
    counts: dict[str, int]
    failures: list[str]


def dbt_vars(as_of: datetime | None = None, **more) -> str:
    values = dict(more)
    if as_of is not None:
        values["as_of"] = as_of.isoformat()
    return json.dumps(values)


def run_dbt(args: list[str], *, url: URL | None = None, as_of: datetime | None = None,
            vars: dict | None = None, raise_on_failure: bool = True) -> DbtResult:
    """Invoke `dbt <args>` against the warehouse; failures raise a BillingError naming the failed nodes."""
    from dbt.cli.main import dbtRunner

    from iaas_billing import warehouse

    url = warehouse.require(url, upgrade=False)
    command = [*args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
               "--quiet", "--no-use-colors"]
    if as_of is not None or vars:
        command += ["--vars", dbt_vars(as_of, **(vars or {}))]
    work_dirs = {"DBT_TARGET_PATH": os.environ.get("DBT_TARGET_PATH") or str(DBT_RUN_DIR / "target"),
                 "DBT_LOG_PATH": os.environ.get("DBT_LOG_PATH") or str(DBT_RUN_DIR / "logs")}
    writes = args[0] in WRITING_COMMANDS
    with locks.warehouse_writer(url, f"dbt {args[0]}") if writes else nullcontext(), \
            overridden({**db.dbt_env(url), **work_dirs}):
        res = dbtRunner().invoke(command)
    counts: dict[str, int] = {}
    failures: list[str] = []
    results = getattr(res.result, "results", None) or []
    for node_result in results:
        status = str(node_result.status)
        counts[status] = counts.get(status, 0) + 1
        if status in ("error", "fail", "runtime error"):
            node = getattr(node_result, "node", None)
            name = getattr(node, "unique_id", "?")
            failures.append(f"{name}: {_one_line(node_result.message or status)}")
    ok = bool(res.success)
    if not ok and not failures and res.exception is not None:
        failures.append(_one_line(str(res.exception)))
    if not ok and raise_on_failure:
        shown = "; ".join(failures[:5]) + (f" (+{len(failures) - 5} more)" if len(failures) > 5 else "")
        error = TransientError if any(m in f.lower() for f in failures for m in TRANSIENT_MARKERS) else BillingError
        raise error(f"dbt {' '.join(args)} failed: {shown}")
    return DbtResult(command=command, ok=ok, counts=counts, failures=failures)


def _one_line(message: str) -> str:
    """dbt's error head and its cause on one line: 'Database Error in model x (path)' says nothing of what went
    wrong, the line after it does ('Database Error: server closed the connection unexpectedly')."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return ": ".join(lines[:2])[:300] if lines else message
