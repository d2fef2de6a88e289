"""The benchmarks' servers (bench/benchlib.py): a throwaway embedded cluster first, the machine's 5432 after it."""

from __future__ import annotations

import sys

import psycopg
import pytest
from sqlalchemy.engine import make_url

from iaas_billing.base import db
from tests.conftest import ROOT, server_url

sys.path.insert(0, str(ROOT / "bench"))
import benchlib  # noqa: E402 - bench/ is not a package: its scripts import benchlib from their own directory

NOBODY = "postgresql+psycopg://postgres@127.0.0.1:9/postgres"  # the discard port: no PostgreSQL answers there


def test_billing_database_url_means_only_that_server(monkeypatch):
    monkeypatch.setenv("BILLING_DATABASE_URL", server_url().render_as_string(hide_password=False))
    monkeypatch.setattr(benchlib, "LOCAL_SERVER", server_url().render_as_string(hide_password=False))
    assert benchlib.targets() == ["env"]
    with benchlib.on_server("env") as url:
        assert db.server_kwargs(url) == db.server_kwargs(server_url())


def test_the_machines_server_follows_the_embedded_one_when_it_answers(monkeypatch):
    monkeypatch.delenv("BILLING_DATABASE_URL", raising=False)
    monkeypatch.setattr(benchlib, "LOCAL_SERVER", NOBODY)
    assert benchlib.targets() == ["embedded"]
    monkeypatch.setattr(benchlib, "LOCAL_SERVER", server_url().render_as_string(hide_password=False))
    assert benchlib.targets() == ["embedded", "local"]


def test_the_embedded_server_is_started_for_the_block_and_destroyed_after(monkeypatch, tmp_path):
    monkeypatch.delenv("BILLING_DATABASE_URL", raising=False)
    monkeypatch.setattr(benchlib, "EMBEDDED", tmp_path / "pg")
    with benchlib.on_server("embedded") as url:
        assert make_url(benchlib.os.environ["BILLING_DATABASE_URL"]) == url
        assert benchlib.server_url() == url
        with psycopg.connect(**db.server_kwargs(url), dbname="postgres") as conn:
            version = int(conn.execute("show server_version_num").fetchone()[0])
            durability = [conn.execute(f"show {name}").fetchone()[0] for name in ("fsync", "full_page_writes")]
        assert version >= 180000
        # the project's default cluster's settings, not the test clusters' (durability off)
        assert durability == ["on", "on"]
    assert "BILLING_DATABASE_URL" not in benchlib.os.environ
    assert not (tmp_path / "pg" / str(benchlib.os.getpid())).exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(**db.server_kwargs(url), dbname="postgres", connect_timeout=3)
