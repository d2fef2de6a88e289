"""The whole job for one clock reading: land the inbox, build dbt, close due periods, reconcile."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL

from iaas_billing import landing, recon
from iaas_billing.base import db, dbt_runner, locks, warehouse
from iaas_billing.jobs import billrun


@dataclass
class RunReport:
    as_of: datetime
    landing: landing.LandingReport | None = None
    dbt: dbt_runner.DbtResult | None = None
    bill_runs: list = field(default_factory=list)
    recon: object | None = None


# dbt_project/selectors.yml: everything but the unit tests and the reconciliation models (run_checks builds those).
BUILD_SELECTOR = "pipeline_build"
# The incremental models whose rows each build deletes and re-inserts: vacuumed after it (autovacuum may lag).
VACUUMED = ("intermediate.int_usage_spans_priced", "intermediate.int_usage_rated_daily",
            "intermediate.int_rerating_scopes_detected", "intermediate.int_rerating_runs_acknowledged")


def build(url: URL, as_of: datetime) -> dbt_runner.DbtResult:
    """dbt build of the project at the run's clock (incremental models only add what is new), then VACUUM."""
    result = dbt_runner.run_dbt(["build", "--selector", BUILD_SELECTOR], url=url, as_of=as_of)
    vacuum_touched(url)
    return result


def vacuum_touched(url: URL) -> None:
    """VACUUM (ANALYZE) the tables the build rewrote rows of: dead rows reclaimed, statistics fresh."""
    with db.lost_is_transient(url, "vacuum after the dbt build"), db.connect(url, autocommit=True) as conn:
        for table in VACUUMED:
            if conn.execute("select to_regclass(%s)", (table,)).fetchone()[0] is not None:
                conn.execute(f"vacuum (analyze) {table}")


def run(inbox: Path, as_of: datetime, url: URL | None = None) -> RunReport:
    """Process everything delivered by as_of; run twice, the second run changes nothing.

    Without an explicit url, landing connects as BILLING_LOADER_DATABASE_URL when it is set.
    """
    loader = url or db.loader_url()
    url = warehouse.require(url)
    report = RunReport(as_of=as_of)
    with locks.warehouse_writer(url, "iaas-billing run"):  # a second run waits, then finds nothing to do
        report.landing = landing.land_inbox(inbox, as_of, url=loader)
        report.dbt = build(url, as_of)
        report.bill_runs = billrun.close_due_periods(as_of, url=url)
        report.recon = recon.run_checks(as_of, url=url)
    return report
