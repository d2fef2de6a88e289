"""The whole job for one clock reading: land the inbox, build dbt, close due periods, reconcile."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL

from iaas_billing import billrun, db, dbt_runner, landing, recon, warehouse


@dataclass
class RunReport:
    as_of: datetime
    landing: landing.LandingReport | None = None
    dbt: dbt_runner.DbtResult | None = None
    bill_runs: list = field(default_factory=list)
    recon: object | None = None


def build(url: URL, as_of: datetime) -> dbt_runner.DbtResult:
    """dbt build of the whole project at the run's clock (incremental models only add what is new)."""
    return dbt_runner.run_dbt(["build"], url=url, as_of=as_of)


PIPELINE_LOCK = 7_100_020  # session advisory lock: one run at a time per warehouse


@contextmanager
def exclusive_run(url: URL):
    """Hold the warehouse's pipeline lock for the whole run: a second run waits, then finds nothing to do.

    Landing, the bill run and reconciliation each have their own locks; this one also keeps two
    dbt builds from replacing the same relations at once.
    """
    with db.connect(url, autocommit=True) as conn:
        conn.execute("select pg_advisory_lock(%s)", (PIPELINE_LOCK,))
        try:
            yield
        finally:
            if not conn.closed:
                conn.execute("select pg_advisory_unlock(%s)", (PIPELINE_LOCK,))


def run(inbox: Path, as_of: datetime, url: URL | None = None) -> RunReport:
    """Process everything delivered by as_of; run twice, the second run changes nothing.

    Without an explicit url, landing connects as BILLING_LOADER_DATABASE_URL when it is set.
    """
    loader = url or db.loader_url()
    url = warehouse.bootstrap(url)
    report = RunReport(as_of=as_of)
    with exclusive_run(url):
        report.landing = landing.land_inbox(inbox, as_of, url=loader)
        report.dbt = build(url, as_of)
        report.bill_runs = billrun.close_due_periods(as_of, url=url)
        report.recon = recon.run_checks(as_of, url=url)
    return report
