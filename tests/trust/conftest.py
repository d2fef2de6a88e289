"""Helpers for the trust tests: pipeline logins, a simulated month, the command as a subprocess, marts checksums."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest

from iaas_billing import db
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


# The task code's phases are told by their sessions' application_name (db.connect(phase=...)), whatever they
# run or last ran; dbt's and GX's sessions (GX's reconciliation queries) by what they last said
# (pg_stat_activity.query keeps an idle session's last statement).
PHASE_APPLICATION_NAMES = {"landing": "iaas-billing landing", "bill_run": "iaas-billing bill-run",
                           "reconciliation": "iaas-billing reconciliation"}
PHASE_MARKERS = {
    "landing": (),
    "dbt": ('"app": "dbt"',),
    "bill_run": (),
    "reconciliation": ("audit.recon_runs", "recon_found", "audit.reconciliation_breaks"),
}


def phase_seen(url, phase: str) -> tuple[int, str] | None:
    """(pid, query) of a session of the run's database that belongs to the phase."""
    rows = sql(url, "select pid, application_name, query from pg_stat_activity"
                    " where datname = %s and pid <> pg_backend_pid()", (url.database,))
    for pid, application_name, query in rows:
        query = query or ""
        if application_name == PHASE_APPLICATION_NAMES.get(phase):
            return pid, query
        if phase != "dbt" and '"app": "dbt"' in query:
            continue  # dbt's statements name raw, billing and audit tables too
        if any(marker in query for marker in PHASE_MARKERS[phase]):
            return pid, query
    return None


def wait_for_phase(proc: subprocess.Popen, url, phase: str, timeout: float = 400) -> tuple[int, str] | None:
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        seen = phase_seen(url, phase)
        if seen:
            return seen
        time.sleep(0.02)
    return None


def sigkill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, 9)
    except ProcessLookupError:
        pass
    proc.communicate()


@pytest.fixture(scope="session")
def simulated_inbox(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("trust_sim")
    subprocess.run([sys.executable, "-m", "iaas_billing.simulator", "--out", str(out), "--accounts", "4", "--seed", "5",
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

