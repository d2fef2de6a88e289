"""Least privilege: the pipeline runs as billing_loader (landing) and billing_transformer (dbt, bill run, recon).

Each test session makes one random LOGIN member of each group (conftest.Logins), connects as it, and checks
what it can and cannot do. No password appears in an error message or a log.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from iaas_billing.base import db, warehouse
from iaas_billing.base.errors import BillingError
from iaas_billing.landing import land_inbox
from tests.conftest import server_url

from .conftest import ROOT, command_env, exactly_once, run_to_end, sql

TINY = ROOT / "tests" / "fixtures" / "tiny_inbox"
LATE = datetime(2027, 1, 1, tzinfo=UTC)
GROUPS = ("billing_loader", "billing_transformer")


def as_role(url, query: str, params=None):
    with psycopg.connect(**db.server_kwargs(url), dbname=url.database, autocommit=True) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else cur.rowcount


def denied(url, query: str) -> bool:
    try:
        as_role(url, query)
    except psycopg.errors.InsufficientPrivilege:
        return True
    return False


@pytest.fixture
def tiny_inbox(tmp_path) -> Path:
    inbox = tmp_path / "inbox"
    shutil.copytree(TINY, inbox)
    return inbox


def test_groups_are_nologin_and_not_superuser(logins):
    rows = sql(server_url(), "select rolname, rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolbypassrls,"
                                  " rolreplication from pg_roles where rolname = any(%s) order by rolname",
               (list(GROUPS),))
    assert [r[0] for r in rows] == list(GROUPS)
    assert all(r[1:] == (False,) * 6 for r in rows), rows


def test_logins_are_not_superuser_and_take_their_group(logins, fresh_url):
    for group in GROUPS:
        url = logins.url(group, fresh_url)
        row = as_role(url, "select current_user, session_user, (select rolsuper from pg_roles"
                           " where rolname = session_user), current_setting('is_superuser')")[0]
        assert row[0] == group and row[2] is False and row[3] == "off", row


def test_bootstrap_twice_is_idempotent(fresh_url):
    warehouse.init(fresh_url)
    warehouse.init(fresh_url)
    assert sql(fresh_url, "select count(*) from pg_roles where rolname = any(%s)", (list(GROUPS),))[0][0] == 2


def test_loader_lands_an_inbox(logins, fresh_url, tiny_inbox):
    loader = logins.url("billing_loader", fresh_url)
    report = land_inbox(tiny_inbox, LATE, url=loader)
    assert report.files_landed == 5 and report.rows_loaded > 0
    assert sql(fresh_url, "select count(*) from raw.inbox_files")[0][0] == 5
    again = land_inbox(tiny_inbox, LATE, url=loader)
    assert again.files_landed == 0 and again.files_skipped == 5


def test_loader_reads_nothing_outside_raw_and_runs_no_ddl(logins, fresh_url):
    sql(fresh_url, "create table if not exists marts.trust_probe (x int); insert into marts.trust_probe values (1)")
    loader = logins.url("billing_loader", fresh_url)
    for query in ["select * from marts.trust_probe", "select * from billing.invoices", "select * from audit.recon_runs",
                  "create table raw.trust_evil (x int)", "create table public.trust_evil (x int)",
                  "create schema trust_evil", "drop table raw.accounts", "truncate raw.accounts",
                  "alter table raw.accounts add column evil text", "create table marts.trust_evil (x int)",
                  "insert into billing.closed_periods values ('2026-10-01', now(), 0, 0, 0)"]:
        assert denied(loader, query), f"billing_loader may: {query}"


def test_transformer_writes_no_raw_and_never_rewrites_the_ledger(logins, fresh_url):
    transformer = logins.url("billing_transformer", fresh_url)
    assert as_role(transformer, "select count(*) from raw.inbox_files")[0][0] == 0  # reads raw
    for query in ["insert into raw.fx_rates values (1, 2, '2026-10-01', 'EUR', 1.1, 'x')",
                  "update raw.inbox_files set status = 'landed'", "delete from raw.accounts", "truncate raw.accounts",
                  "drop table raw.accounts", "create table raw.trust_evil (x int)",
                  "update billing.invoices set total_amount = 0", "delete from billing.invoice_lines",
                  "delete from audit.reconciliation_breaks", "insert into whatif.scenarios values"
                  " ('x', '2026-10-01', 'f', repeat('0', 64), 0, now())"]:
        assert denied(transformer, query), f"billing_transformer may: {query}"


def test_pipeline_runs_end_to_end_under_least_privilege(logins, fresh_url, tiny_inbox):
    """The command with BILLING_DATABASE_URL = a transformer login and BILLING_LOADER_DATABASE_URL = a loader
    login: lands, builds dbt, closes October, reconciles; marts belong to the group and finance can read them."""
    loader = logins.url("billing_loader", fresh_url)
    transformer = logins.url("billing_transformer", fresh_url)
    done = run_to_end(tiny_inbox, transformer, loader_url=loader)
    assert done.returncode == 0, done.stderr[-3000:]
    assert sql(fresh_url, "select count(*) from billing.closed_periods")[0][0] == 1
    assert sql(fresh_url, "select count(*) from billing.invoices")[0][0] > 0
    assert exactly_once(fresh_url) == []
    owners = sql(fresh_url, "select distinct pg_get_userbyid(c.relowner) from pg_class c join pg_namespace n"
                            " on n.oid = c.relnamespace where n.nspname in ('staging', 'intermediate', 'marts')"
                            " and c.relkind in ('r', 'v', 'm')")
    assert owners == [("billing_transformer",)], owners
    unreadable = sql(fresh_url, "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                                " where n.nspname = 'marts' and c.relkind in ('r', 'v', 'm')"
                                " and not has_table_privilege('billing_finance', c.oid, 'select')")
    assert unreadable == []
    landed_by = sql(fresh_url, "select count(*) from raw.inbox_files")[0][0]
    assert landed_by == 5  # accounts, catalogue, orders, the tax tables
    for secret in (loader.password, transformer.password):
        assert secret not in done.stdout and secret not in done.stderr


# --- no credential in an error message or a log ---

def test_connection_error_does_not_show_the_password(logins, fresh_url, caplog):
    url = logins.url("billing_loader", fresh_url).set(database="trust_no_such_database")
    with caplog.at_level(logging.DEBUG), pytest.raises(BillingError) as info:
        with db.connect(url):
            pass
    password = url.password
    chain = [info.value, info.value.__cause__, info.value.__context__]
    assert all(password not in str(e) for e in chain if e is not None)
    assert "\n" not in str(info.value)
    assert password not in caplog.text


@pytest.mark.parametrize("variable", ["BILLING_DATABASE_URL", "BILLING_LOADER_DATABASE_URL"])
def test_command_error_does_not_show_the_password(tmp_path, variable):
    password = "Tr4st-n0-l34k-" + "x" * 8
    env = command_env(db.make_url(f"postgresql+psycopg://nobody:{password}@127.0.0.1:1/nowhere"))
    if variable == "BILLING_LOADER_DATABASE_URL":
        env["BILLING_LOADER_DATABASE_URL"] = f"postgresql+psycopg://nobody:{password}@127.0.0.1:1/nowhere"
        env["BILLING_DATABASE_URL"] = f"postgresql+psycopg://nobody:{password}@127.0.0.1:1/nowhere"
    (tmp_path / "inbox").mkdir()
    done = subprocess.run([sys.executable, "-m", "iaas_billing.cli", "run", "--inbox", str(tmp_path / "inbox"),
                           "--as-of", "2026-11-03T02:00:00Z"], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode != 0
    assert password not in done.stdout + done.stderr
    assert done.stderr.strip().count("\n") == 0 and "cannot connect" in done.stderr, done.stderr


def test_invalid_url_error_does_not_show_the_password(monkeypatch):
    monkeypatch.setenv("BILLING_LOADER_DATABASE_URL", "postgresql+psycopg://u:s3cr3t-pw@host:notaport/db")
    with pytest.raises(BillingError) as info:
        db.loader_url()
    assert "s3cr3t-pw" not in str(info.value) and info.value.__cause__ is None

