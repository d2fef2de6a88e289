"""The thin slice end to end under dag.test(): ingest lands a tiny inbox, one dbt build task builds the project, GX validates."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "tiny_inbox"


@pytest.fixture
def tiny_inbox(tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    shutil.copytree(FIXTURE, inbox)
    monkeypatch.setenv("BILLING_INBOX_DIR", str(inbox))
    return inbox


def _states(run) -> dict[str, str]:
    return {ti.task_id: str(ti.state) for ti in run.get_task_instances()}


def test_ingest_then_transform(airflow_db, load_dag, fresh_url, use_database, tiny_inbox):
    use_database(fresh_url)
    from iaas_billing.base import db

    db.export_dbt_env()

    ingest = load_dag("ingest_inbox", "ingest_inbox.py")
    run = ingest.test(logical_date=datetime(2026, 10, 2, 0, tzinfo=UTC))
    assert str(run.state) == "success", _states(run)

    transform = load_dag("transform_billing", "transform_billing.py")
    run = transform.test()
    states = _states(run)
    assert str(run.state) == "success", {k: v for k, v in states.items() if v != "success"}
    assert states == {"dbt_build": "success", "validate_marts": "success"}

    with psycopg.connect(**db.server_kwargs(fresh_url),
                         dbname=fresh_url.database) as conn:
        accounts = conn.execute("select account_id, currency, minor_units from marts.dim_accounts "
                                "order by account_id").fetchall()
        files = conn.execute("select file_name, rows_read, rows_loaded, rows_quarantined "
                             "from marts.fct_inbox_files order by file_name").fetchall()
        vacuumed = conn.execute("select relname from pg_stat_user_tables where schemaname = 'intermediate'"
                                " and last_vacuum is not null order by relname").fetchall()
    assert ("int_usage_rated_daily",) in vacuumed and ("int_usage_spans_priced",) in vacuumed, vacuumed
    assert accounts == [("ACC-00001", "JPY", 0), ("ACC-00002", "BHD", 3)]
    assert files == [
        ("accounts_20261001.csv", 2, 2, 0),
        ("catalog_20261001_initial.csv", 8, 8, 0),
        ("orders_20261001T10.jsonl", 2, 2, 0),
        ("sales_entities_20260101.csv", 12, 12, 0),
        ("tax_rates_20260101.csv", 12, 12, 0),
    ]
