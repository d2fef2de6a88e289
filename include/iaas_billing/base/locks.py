"""Every PostgreSQL advisory lock key the project takes, in one place, and the warehouse writer's lock.

`tests/warehouse/test_locks.py` holds that no two keys are equal, here or in the dbt project's vars.
"""

from __future__ import annotations

import logging
import os
import threading
from contextlib import contextmanager

import psycopg
from sqlalchemy.engine import URL

from iaas_billing.base.errors import TransientError

# One writer at a time: held (session lock) by every entry that builds or writes the warehouse -- landing,
# a dbt build, a bill run, storing reconciliation breaks, `iaas-billing run` for its whole run.
WAREHOUSE = 7_100_000
BOOTSTRAP = 7_100_001  # xact: the DDL of `init` / `require(upgrade)`
BREAK_REGISTER = 7_100_005  # xact: one writer of the break register at a time
LIFECYCLE_FUNCTIONS = 7_100_006  # xact, dbt on-run-start (dbt_project.yml var lock_keys.lifecycle_functions)
WHATIF = 7_100_009  # xact: one scenario write at a time
LANDING = 7_100_010  # xact: one file version lands at a time

KEYS = {name: value for name, value in globals().items() if name.isupper() and isinstance(value, int)}

# How long an entry waits for the warehouse lock before it gives up (retryable): BILLING_LOCK_WAIT_SECONDS.
DEFAULT_WAIT_SECONDS = 600.0

_held = threading.local()
log = logging.getLogger(__name__)


def holder(conn) -> str | None:
    """Who holds the warehouse lock now: 'application_name (pid N, since T)', or None when it is free."""
    row = conn.execute(
        "select a.application_name, a.pid, a.backend_start from pg_locks l join pg_stat_activity a on a.pid = l.pid"
        " where l.locktype = 'advisory' and l.granted and l.objsubid = 1"
        " and ((l.classid::bigint << 32) | l.objid::bigint) = %s and l.database = "
        " (select oid from pg_database where datname = current_database())", (WAREHOUSE,)).fetchone()
    if row is None:
        return None
    name, pid, started = row  # a role without pg_read_all_stats sees no start time of another role's session
    since = f", since {started:%Y-%m-%d %H:%M:%S %Z}" if started is not None else ""
    return f"{name or 'a session'} (pid {pid}{since})"


@contextmanager
def warehouse_writer(url: URL, who: str, *, wait_seconds: float | None = None):
    """Hold the warehouse lock for the block; wait for it up to wait_seconds, then raise a TransientError.

    Re-entrant within a thread: `iaas-billing run` holds it for the whole run, and the landing, build,
    bill run and reconciliation it calls go on under that hold instead of waiting for themselves.
    """
    from iaas_billing.base import db

    if getattr(_held, "depth", 0):
        _held.depth += 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    if wait_seconds is None:
        wait_seconds = float(os.environ.get("BILLING_LOCK_WAIT_SECONDS", DEFAULT_WAIT_SECONDS))
    with db.connect(url, autocommit=True, phase=f"lock {who}") as conn:
        if not conn.execute("select pg_try_advisory_lock(%s)", (WAREHOUSE,)).fetchone()[0]:
            busy = holder(conn) or "another session"
            log.warning("%s: waiting up to %.0f s for the warehouse lock, held by %s", who, wait_seconds, busy)
            conn.execute(f"set lock_timeout = {int(wait_seconds * 1000)}")
            try:
                conn.execute("select pg_advisory_lock(%s)", (WAREHOUSE,))
            except psycopg.errors.LockNotAvailable:
                raise TransientError(f"{who}: the warehouse {db.where(url)} is busy: its writer lock is held by "
                                     f"{holder(conn) or busy}; gave up after {wait_seconds:.0f} s") from None
            conn.execute("reset lock_timeout")
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0
            if not conn.closed:
                try:
                    conn.execute("select pg_advisory_unlock(%s)", (WAREHOUSE,))
                except psycopg.OperationalError:
                    pass  # the server went away (a crash, a restart): the lock went with the session
