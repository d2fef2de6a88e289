"""The whole job for one clock reading: land the inbox, build dbt, close due periods, reconcile."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL

from iaas_billing import billrun, dbt_runner, landing, recon, warehouse


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


def run(inbox: Path, as_of: datetime, url: URL | None = None) -> RunReport:
    """Process everything delivered by as_of; run twice, the second run changes nothing."""
    url = warehouse.bootstrap(url)
    report = RunReport(as_of=as_of)
    report.landing = landing.land_inbox(inbox, as_of, url=url)
    report.dbt = build(url, as_of)
    report.bill_runs = billrun.close_due_periods(as_of, url=url)
    report.recon = recon.run_checks(as_of, url=url)
    return report
