"""Fixtures of the reconciliation tests: a GX directory of the test's own, and readers of the results."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from iaas_billing.base import db
from tests.airflow_dags import load_dags

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gx_root(tmp_path_factory):
    """Keep the GX file context (suites, results, Data Docs) of each test module out of .local/gx."""
    root = tmp_path_factory.mktemp("gx")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BILLING_GX_DIR", str(root))
        yield root


@pytest.fixture(scope="module")
def dags():
    """The reconciliation DAGs, parsed from dags/revenue_assurance.py."""
    return load_dags("revenue_assurance.py")


@pytest.fixture(scope="module")
def airflow_home(airflow_db):
    """This worker's Airflow metadata DB, migrated once, with the billing_warehouse pool (tests/conftest.py)."""
    return airflow_db


def run_pipeline(inbox, as_of, url):
    """`pipeline.run` step by step: land, build, close due periods, reconcile.

    The project-wide build is `dbt build --resource-type seed --resource-type model`: the other
    models' own data tests are their suites' business (`pipeline.run` runs them; the unit tests run in the
    rating, pricing and explain suites); the
    reconciliation models are built with their tests by `recon.run_checks` itself.
    """
    from iaas_billing import landing, recon
    from iaas_billing.base import dbt_runner
    from iaas_billing.jobs import billrun
    from iaas_billing.jobs.pipeline import RunReport

    report = RunReport(as_of=as_of)
    report.landing = landing.land_inbox(inbox, as_of, url=url)
    report.dbt = dbt_runner.run_dbt(["build", "--resource-type", "seed", "--resource-type", "model"],
                                    url=url, as_of=as_of)
    report.bill_runs = billrun.close_due_periods(as_of, url=url)
    report.recon = recon.run_checks(as_of, url=url)
    return report


def rows(url, sql: str, params=None) -> list[dict]:
    with db.connect(url) as conn:
        cur = conn.execute(sql, params)
        names = [c.name for c in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def norm(value):
    """Numbers compared by value (0.140 == 0.14), dates as ISO text."""
    if isinstance(value, Decimal):
        return value.normalize() if value != 0 else Decimal(0)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def break_rows(url, status: str | None = None) -> list[dict]:
    sql = "select * from marts.fct_reconciliation_breaks"
    if status:
        sql += f" where status = '{status}'"
    return rows(url, sql + " order by recon_level, break_type, business_date, account_id, sku, break_key")


def figures(row: dict) -> tuple:
    """(level, type, date, account, sku, expected, actual, difference, currency) of a break row."""
    return tuple(norm(row[k]) for k in ("recon_level", "break_type", "business_date", "account_id", "sku",
                                        "expected", "actual", "difference", "currency"))


def key(row: dict) -> tuple:
    return tuple(norm(row[k]) for k in ("recon_level", "break_type", "business_date", "account_id", "sku"))


def snapshot(url) -> dict[str, list]:
    """Everything a rerun must leave unchanged: both marts and the break register."""
    return {
        "breaks": rows(url, "select * from marts.fct_reconciliation_breaks order by break_id"),
        "summary": rows(url, "select * from marts.fct_reconciliation_daily_summary order by summary_key"),
        "register": rows(url, "select * from audit.reconciliation_breaks order by break_id"),
        "events": rows(url, "select * from audit.reconciliation_break_events order by break_id, run_id"),
    }
