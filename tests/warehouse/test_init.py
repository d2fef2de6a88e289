"""Only `iaas-billing init` creates a warehouse; every other entry refuses a database that holds none."""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg
import pytest

from iaas_billing.base import db
from tests.conftest import _admin

EXE = [sys.executable, "-m", "iaas_billing.cli"]
TINY_INBOX = "tests/fixtures/tiny_inbox"
# Every relation of ours with its storage file: a table dropped and created again, or rewritten, changes it.
RELATIONS = ("select n.nspname, c.relname, c.relfilenode from pg_class c join pg_namespace n on n.oid = c.relnamespace"
             " where n.nspname in ('raw', 'billing', 'audit', 'whatif') order by 1, 2")
OUR_SCHEMAS = {"raw", "billing", "audit", "staging", "intermediate", "marts", "whatif"}
# Every subcommand that reads or writes the warehouse, with arguments that would otherwise be valid.
READERS_AND_WRITERS = [
    ["run", "--inbox", TINY_INBOX, "--as-of", "2026-10-02T00:00:00Z"],
    ["invoices", "render", "--period", "2026-10", "--out", "{tmp}/docs"],
    ["invoices", "preview", "--account", "A-1"],
    ["export", "focus", "--period", "2026-10", "--out", "{tmp}/focus.csv"],
    ["report", "--period", "2026-10", "--out", "{tmp}/pack"],
    ["explain", "--invoice", "SO-202610-000001"],
    ["whatif", "--catalog", f"{TINY_INBOX}/catalog_20261001_initial.csv", "--period", "2026-10", "--name", "x"],
]


def _cli(args, url, tmp_path):
    env = {**os.environ, "BILLING_DATABASE_URL": url.render_as_string(hide_password=False)}
    return subprocess.run([*EXE, *(a.replace("{tmp}", str(tmp_path)) for a in args)], capture_output=True,
                          text=True, timeout=300, env=env, cwd=db.__file__.rsplit("/include/", 1)[0])


def _exists(name: str) -> bool:
    with _admin() as conn:
        return conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone() is not None


def _schemas(url) -> set[str]:
    with psycopg.connect(**db.server_kwargs(url), dbname=url.database) as conn:
        return {r[0] for r in conn.execute("select nspname from pg_namespace")}


@pytest.fixture
def missing_url(databases):
    url = databases.create("missing", bootstrap=False)
    with _admin() as conn:
        conn.execute(f'drop database "{url.database}"')
    return url


@pytest.fixture
def empty_url(databases):
    return databases.create("empty", bootstrap=False)


@pytest.mark.parametrize("args", READERS_AND_WRITERS, ids=lambda a: " ".join(a[:2]))
def test_a_missing_database_is_refused_and_not_created(args, missing_url, tmp_path):
    out = _cli(args, missing_url, tmp_path)
    assert out.returncode == 2, out.stdout + out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and missing_url.database in lines[0] and "iaas-billing init" in lines[0], out.stderr
    assert not _exists(missing_url.database)
    assert out.stdout == ""  # nothing printed as done, nothing written


@pytest.mark.parametrize("args", READERS_AND_WRITERS, ids=lambda a: " ".join(a[:2]))
def test_an_empty_database_is_refused_and_left_empty(args, empty_url, tmp_path):
    before = _schemas(empty_url)
    out = _cli(args, empty_url, tmp_path)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "holds no warehouse" in out.stderr and empty_url.database in out.stderr
    assert _schemas(empty_url) == before
    assert not (before & OUR_SCHEMAS)


def test_init_creates_a_missing_database_then_changes_nothing(missing_url, tmp_path):
    first = _cli(["init"], missing_url, tmp_path)
    assert first.returncode == 0, first.stderr
    assert _exists(missing_url.database) and OUR_SCHEMAS <= _schemas(missing_url)
    with psycopg.connect(**db.server_kwargs(missing_url), dbname=missing_url.database, autocommit=True) as conn:
        conn.execute("insert into raw.inbox_files (file_name, file_kind, sha256, size_bytes, version, rows_read,"
                     " rows_loaded, rows_quarantined, status, processed_at) values ('accounts_20261001.csv',"
                     " 'accounts', repeat('0', 64), 1, 1, 0, 0, 0, 'landed', now())")
        before = conn.execute(RELATIONS).fetchall()
    second = _cli(["init"], missing_url, tmp_path)
    assert second.returncode == 0, second.stderr
    with psycopg.connect(**db.server_kwargs(missing_url), dbname=missing_url.database) as conn:
        assert conn.execute("select count(*) from raw.inbox_files").fetchone()[0] == 1
        assert conn.execute(RELATIONS).fetchall() == before  # no relation dropped, added or rewritten


def test_init_fills_an_empty_database(empty_url, tmp_path):
    out = _cli(["init"], empty_url, tmp_path)
    assert out.returncode == 0, out.stderr
    assert OUR_SCHEMAS <= _schemas(empty_url)


def test_run_says_where_and_when_before_it_changes_anything(fresh_url, tmp_path):
    out = _cli(["run", "--inbox", TINY_INBOX, "--as-of", "2026-10-01T12:00:00Z"], fresh_url, tmp_path)
    assert out.returncode == 0, out.stderr
    first = out.stdout.splitlines()[0]
    assert first == f"warehouse {db.where(fresh_url)}, clock 2026-10-01T12:00:00+00:00, inbox {TINY_INBOX}"


def test_a_missing_inbox_is_refused_before_the_warehouse_is_touched(fresh_url, tmp_path):
    out = _cli(["run", "--inbox", str(tmp_path / "no_inbox"), "--as-of", "2026-10-01T12:00:00Z"], fresh_url, tmp_path)
    assert out.returncode == 2
    assert out.stderr.strip() == f"iaas-billing: error: inbox {tmp_path / 'no_inbox'} is not a directory"
