"""Helpers for the trust tests: pipeline logins, a simulated month, the command as a subprocess, marts checksums,
a lock of the test's that a run's phase waits on."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from iaas_billing.base import db
from tests.conftest import _admin

ROOT = Path(__file__).resolve().parents[2]

AS_OF = "2026-11-03T02:00:00Z"
# Columns of marts that are not a function of (inbox, --as-of): the wall clock of landing, and surrogate keys
# drawn from sequences (a transaction killed mid-run consumes sequence values, so the numbers may have gaps).
NOT_DETERMINISTIC = {"landed_at", "file_id", "run_id", "first_run_id", "last_run_id", "scenario_created_at"}


def _sql(url, query: str, params=None, *, user: str | None = None, password: str | None = None):
    login = {"user": user, "password": password} if user else {}
    with psycopg.connect(**{**db.server_kwargs(url), **login}, dbname=url.database, autocommit=True) as c:
        cur = c.execute(query, params)
        return cur.fetchall() if cur.description else cur.rowcount


def sql(url, query: str, params=None):
    return _sql(url, query, params)


def marts_checksums(url) -> dict[str, str]:
    """One md5 per marts relation over its rows (sorted), without the NOT_DETERMINISTIC columns."""
    columns = sql(url, "select table_name, column_name from information_schema.columns where table_schema = 'marts'"
                       " order by table_name, ordinal_position")
    tables: dict[str, list[str]] = {}
    for table, column in columns:
        if column not in NOT_DETERMINISTIC:
            tables.setdefault(table, []).append(column)
    out = {}
    for table, cols in tables.items():
        row_expr = "row(" + ", ".join(f't."{c}"' for c in cols) + ")::text"
        out[table] = sql(url, f"select count(*) || ':' || coalesce(md5(string_agg({row_expr}, '|' order by {row_expr})),"
                              f" '') from marts.\"{table}\" t")[0][0]
    return out


def ledger_counts(url) -> dict[str, int]:
    return {t: sql(url, f"select count(*) from {t}")[0][0]
            for t in ("billing.closed_periods", "billing.invoices", "billing.invoice_lines", "raw.inbox_files",
                      "audit.reconciliation_breaks")}


def exactly_once(url) -> list[str]:
    """Every file version landed once, every period closed once, every invoice issued once."""
    problems = []
    for query, what in [
        ("select file_name, sha256, count(*) from raw.inbox_files group by 1, 2 having count(*) > 1", "file landed twice"),
        ("select billing_period, count(*) from billing.closed_periods group by 1 having count(*) > 1", "period closed twice"),
        ("select tenant, account_id, billing_period, count(*) from billing.invoices group by 1, 2, 3 having count(*) > 1",
         "invoice issued twice"),
        ("select file_name from raw.inbox_files where status = 'landing'", "file left half-landed"),
    ]:
        problems += [f"{what}: {row}" for row in sql(url, query)]
    return problems


def command_env(url, loader_url=None) -> dict[str, str]:
    env = {**os.environ, "BILLING_DATABASE_URL": url.render_as_string(hide_password=False)}
    env.pop("BILLING_LOADER_DATABASE_URL", None)
    if loader_url is not None:
        env["BILLING_LOADER_DATABASE_URL"] = loader_url.render_as_string(hide_password=False)
    return env


def start_run(inbox: Path, url, *, loader_url=None, as_of: str = AS_OF) -> subprocess.Popen:
    """`iaas-billing run` as a subprocess (its own process group, so SIGKILL takes dbt's threads with it)."""
    return subprocess.Popen([sys.executable, "-m", "iaas_billing.cli", "run", "--inbox", str(inbox), "--as-of", as_of],
                            env=command_env(url, loader_url), cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def run_to_end(inbox: Path, url, *, loader_url=None, timeout: float = 600) -> subprocess.CompletedProcess:
    proc = start_run(inbox, url, loader_url=loader_url)
    out, err = proc.communicate(timeout=timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def blocked_sessions(url, blocker_pid: int) -> list[tuple[int, str, str]]:
    """(pid, application_name, query) of the sessions of url's database waiting for a lock blocker_pid holds."""
    return sql(url, "select pid, application_name, query from pg_stat_activity where datname = %s"
                    " and %s = any(pg_blocking_pids(pid)) order by backend_start", (url.database, blocker_pid))


@contextmanager
def holding_lock(url, statement: str) -> Iterator[int]:
    """An open transaction of the test that has run `statement` (a LOCK TABLE): its backend pid while held."""
    conn = psycopg.connect(**db.server_kwargs(url), dbname=url.database, application_name="crash test lock")
    try:
        conn.execute(statement)
        yield conn.info.backend_pid
    finally:
        conn.close()  # a rollback, or nothing when the server has gone


def wait_until_blocked(proc: subprocess.Popen, url, blocker_pid: int, application_name: str, *,
                       also: str | None = None, timeout: float = 300) -> tuple[int, str]:
    """Wait until a session named application_name waits for blocker_pid's lock (and the query `also`, if
    given, returns true); its (pid, query). Fails the test if the command ends first or time runs out."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the run ended (rc {proc.returncode}) before a session {application_name!r} waited for "
                        f"the test's lock: {err.strip()[-1500:] or out.strip()[-1500:]}")
        waiting = [(pid, query) for pid, name, query in blocked_sessions(url, blocker_pid) if name == application_name]
        if waiting and (also is None or sql(url, also)[0][0]):
            return waiting[0]
        time.sleep(0.05)
    sessions = sql(url, "select application_name, wait_event_type, pg_blocking_pids(pid), left(query, 120)"
                        " from pg_stat_activity where datname = %s", (url.database,))
    os.killpg(proc.pid, 9)
    proc.communicate()
    pytest.fail(f"no session {application_name!r} waited for the test's lock in {timeout:.0f} s: {sessions}")


@pytest.fixture(scope="session")
def simulated_inbox(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("trust_sim")
    subprocess.run([sys.executable, "-m", "billing_simulator", "--out", str(out), "--accounts", "4", "--seed", "5",
                    "--force", "--quiet"], check=True, cwd=ROOT)
    return out / "inbox"


class Logins:
    """LOGIN members of billing_loader / billing_transformer made for this session, dropped at its end."""

    def __init__(self) -> None:
        self.tag = uuid.uuid4().hex[:8]
        self.roles: dict[str, tuple[str, str]] = {}  # group -> (login name, password)

    def make(self, group: str) -> tuple[str, str]:
        if group not in self.roles:
            name, password = f"trust_{group.removeprefix('billing_')}_{self.tag}", secrets.token_urlsafe(18)
            with _admin() as conn:
                # token_urlsafe: letters, digits, - and _ only, so it can be quoted as a literal
                conn.execute(f"create role \"{name}\" login nosuperuser in role {group} password '{password}'")
                conn.execute(f'alter role "{name}" set role = {group}')
            self.roles[group] = (name, password)
        return self.roles[group]

    def url(self, group: str, database_url):
        name, password = self.make(group)
        return database_url.set(username=name, password=password)

    def drop(self) -> None:
        with _admin() as conn:
            for name, _ in self.roles.values():
                try:
                    conn.execute(f'drop role if exists "{name}"')
                except psycopg.Error:
                    pass


@pytest.fixture(scope="session")
def logins(databases):
    databases.create("roles_bootstrap")  # bootstrap creates the group roles (045_pipeline_roles.sql)
    made = Logins()
    yield made
    made.drop()

