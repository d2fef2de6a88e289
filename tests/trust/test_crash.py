"""Crash safety: the server crashed in any phase of a run, restarted, then the run repeated, leaves the same marts
as a run never interrupted.

Database A: `iaas-billing run` over a simulated month, uninterrupted, in the session's cluster; every marts
relation is checksummed row for row (conftest.marts_checksums, without wall-clock columns and sequence-drawn
surrogate keys). Database B: the same command, in a throwaway cluster of its own (tests.conftest.new_cluster)
so that crashing it disturbs no other test, crashed (`pg_ctl stop -m immediate`: every backend killed, no
checkpoint, recovery from the WAL at the restart) in each phase in turn: landing, the dbt build, the bill run,
reconciliation. Each phase is reached for sure, not by timing: the test holds a table lock the phase has to
wait for (CRASH_POINTS), and crashes the server once it sees that phase's session (its application_name)
waiting for the lock in pg_stat_activity, with the work before it done (CrashPoint.before); a phase the run
does not reach fails the test. Each time the command must exit non-zero with one line `iaas-billing: error:
...` on stderr and no traceback; the server is restarted, what the phase had not committed is gone
(CrashPoint.after), and nothing is landed, closed or issued twice. Then a last run to completion: B's marts
checksums and ledger counts equal A's.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import pytest

from iaas_billing.base import warehouse
from tests.conftest import new_cluster

from .conftest import (
    exactly_once,
    holding_lock,
    ledger_counts,
    marts_checksums,
    run_to_end,
    sql,
    start_run,
    wait_until_blocked,
)


@dataclass(frozen=True)
class CrashPoint:
    phase: str
    session: str  # application_name of the phase's session that must be seen waiting for the test's lock
    lock: str     # what the test holds meanwhile, in a transaction of its own (never the warehouse writer's lock)
    before: str   # a query that must return true (polled) before the crash: the phase is under way
    after: str    # a query that must return true after the restart: what was committed, and what was not
    then: str | None = None  # a statement the test runs just before the crash


CRASH_POINTS = (
    # Delivery order lands the catalogue, the accounts and the first day's orders before the first primary
    # billing file, whose transaction waits to write raw.primary_billing. Landing commits asynchronously
    # (docs/landing.md: a server crash may lose the last files landed, each whole): a checkpoint makes those
    # durable, so that the rerun must skip files landed before the crash.
    CrashPoint("landing", "iaas-billing landing", "lock table raw.primary_billing in share mode",
               before="select count(*) > 0 from raw.inbox_files",
               then="checkpoint",
               after="select count(*) > 0 and count(*) filter (where starts_with(file_name, 'primary_billing')) = 0"
                     " from raw.inbox_files"),
    # The view stg_billing__invoice_line_sources waits for the ledger table; the rating, not downstream of it,
    # goes on: the crash comes once its incremental models are built, with the rest of the project not.
    CrashPoint("dbt build", "dbt", "lock table billing.invoice_line_sources in access exclusive mode",
               before="select to_regclass('intermediate.int_usage_rated_daily') is not null",
               after="select to_regclass('intermediate.int_usage_rated_daily') is not null"
                     " and to_regclass('intermediate.int_invoice_line_sources_live') is null"),
    # The close's transaction has inserted the period's invoices and lines and waits to insert their lineage.
    CrashPoint("bill run", "iaas-billing bill-run", "lock table billing.invoice_line_sources in share mode",
               before="select not exists (select from billing.closed_periods)",
               after="select not exists (select from billing.invoices)"
                     " and not exists (select from billing.closed_periods)"),
    # The register's transaction has merged the breaks found and waits to record the checks' results; the
    # run's row in audit.recon_runs is committed already. (Not a lock on audit.reconciliation_breaks: the
    # warehouse's idempotent DDL, applied at every run's start, alters that table, so the run would wait there.)
    CrashPoint("reconciliation", "iaas-billing reconciliation", "lock table audit.recon_check_results in share mode",
               before="select exists (select from audit.recon_runs)",
               after="select not exists (select from audit.reconciliation_breaks)"
                     " and exists (select from audit.recon_runs where finished_at is null)"),
)


@pytest.fixture
def crash_cluster():
    cluster = new_cluster("iaas-crash-pg-")
    yield cluster
    cluster.destroy()


def _shown(query: str) -> str:
    """A waiting statement for the log: without dbt's query comment, on one line."""
    return " ".join(re.sub(r"^/\*.*?\*/", "", query.strip(), flags=re.DOTALL).split())[:70]


@pytest.mark.slow
def test_server_crashed_in_each_phase_then_rerun_gives_the_same_marts(databases, simulated_inbox, crash_cluster):
    url_a = databases.create("crash_a")
    url_b = warehouse.init(crash_cluster.url("crash_b"))
    started = time.monotonic()
    reference = start_run(simulated_inbox, url_a)  # runs alongside B's sweep
    log: list[str] = []

    for point in CRASH_POINTS:
        step = time.monotonic()
        with holding_lock(url_b, point.lock) as locker:
            proc = start_run(simulated_inbox, url_b)
            _, query = wait_until_blocked(proc, url_b, locker, point.session, also=point.before)
            if point.then:
                sql(url_b, point.then)
            crash_cluster.kill_immediately()
        out, err = proc.communicate(timeout=300)
        lines = [line for line in err.splitlines() if line.strip()]
        assert proc.returncode != 0, f"{point.phase}: the run survived the crash:\n{out[-2000:]}"
        assert "Traceback" not in err and len(lines) == 1 and lines[0].startswith("iaas-billing: error: "), \
            f"{point.phase}: not one clear line (rc {proc.returncode}):\n{err[-3000:]}"
        crash_cluster.ensure_running()
        assert exactly_once(url_b) == [], point.phase
        assert sql(url_b, point.after)[0][0], f"{point.phase}: after the restart, not {point.after!r}"
        log.append(f"{point.phase}, {time.monotonic() - step:.0f} s, crashed while {_shown(query)!r} waited: "
                   f"{lines[0]}")
        print(log[-1], flush=True)

    final = run_to_end(simulated_inbox, url_b)
    assert final.returncode == 0, final.stderr[-3000:]
    out, err = reference.communicate(timeout=900)
    assert reference.returncode == 0, err[-3000:]

    assert exactly_once(url_a) == [] and exactly_once(url_b) == []
    assert ledger_counts(url_b) == ledger_counts(url_a)
    a, b = marts_checksums(url_a), marts_checksums(url_b)
    differing = sorted(t for t in a.keys() | b.keys() if a.get(t) != b.get(t))
    assert differing == [], f"{differing} differ after: {log}"
    assert ledger_counts(url_a)["billing.closed_periods"] >= 1
    print(f"crash sweep: {time.monotonic() - started:.0f} s", flush=True)
