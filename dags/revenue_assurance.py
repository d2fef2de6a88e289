"""
### revenue_assurance and reconcile_period

Reconciliation (rules §6), two DAGs over the same task code, `iaas_billing.recon`:

- **`revenue_assurance`**, daily at 02:00 UTC: the candidate models are rebuilt (with their upstream)
  at the run's clock, and the GX checkpoint `revenue_assurance_daily` runs the suites of L1 (primary
  vs this platform's daily lines), L2 (control totals vs events landed) and data quality. Each check
  compares what its inputs allow: L1 every day over whose primary billing file and 24 hourly order
  extracts have all arrived, L2 every day over whose control totals and extracts have; data quality
  always runs. A file that is due and has not arrived is a `missing_file` break (data quality) naming
  it, and its day waits, for the checks that read it only, until a run finds it landed: that run
  compares the day and resolves the break. Before that, `wait_for_day` waits at most 90 minutes
  (reschedule mode, a poke every 10 minutes) for the previous day's 24 extracts, control totals and
  primary billing file, so that a file a little late is still checked this morning; then the checks
  run with whatever is there.
- **`reconcile_period`**, on the Asset `billing_period_closed` (published by `bill_run`): the
  checkpoint `period_reconciliation` runs the L3 suite (finance's posted revenue vs the SO invoice
  totals) over every closed period whose finance file has landed.

A check that finds breaks does not fail the run: the breaks are stored (`audit` schema, published
as `marts.fct_reconciliation_breaks` and `marts.fct_reconciliation_daily_summary`), the GX Data Docs
site is rebuilt (`.local/gx`), and the `alert` task sends the summary through `iaas_billing.jobs.notify`
(a warning when there are open breaks, naming the missing files). A task that fails (a database that
is down, a dbt model that fails) alerts through the `on_failure_callback`.

The run's clock `as_of` is the daily run's `run_after`; for `reconcile_period`, the clock the bill run
closed at (its Asset event's `as_of`). What no retry can fix (no warehouse, bad configuration) fails the
task at once; a lost connection is retried. Credentials come from `BILLING_DATABASE_URL` in the worker's
environment; nothing touches the database at import time.
"""

from datetime import UTC, datetime, timedelta

from airflow.sdk import Asset, CronTriggerTimetable, PokeReturnValue, TriggerRule, dag, task

from billing_airflow.failfast import fails_fast
from billing_airflow.pools import WAREHOUSE_POOL  # the one-slot pool of every warehouse-writing task
from iaas_billing.base import settings
from iaas_billing.jobs import assets

PERIOD_CLOSED = Asset(name=assets.PERIOD_CLOSED[0], uri=assets.PERIOD_CLOSED[1])
# how long after its clock the daily run waits for the previous day's inputs before it checks what is there:
# a file up to ~3 h late is still landed in time by the hourly ingest runs of 02:00 and 03:00 UTC
LATE_GRACE = timedelta(minutes=90)


def alert_on_failure(context) -> None:
    """on_failure_callback: one alert per failed task instance."""
    from iaas_billing.jobs import notify

    ti = context.get("task_instance") or context.get("ti")
    run = context.get("dag_run")
    notify.notify(
        f"{getattr(ti, 'dag_id', '?')}.{getattr(ti, 'task_id', '?')} failed",
        f"run {getattr(run, 'run_id', '?')}: {context.get('exception')}",
        severity="error",
        payload={"dag_id": getattr(ti, "dag_id", None), "task_id": getattr(ti, "task_id", None)},
    )


DEFAULT_ARGS = {
    "owner": "revenue-assurance",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "on_failure_callback": alert_on_failure,
}


def _as_of(dag_run, triggering_asset_events=None) -> datetime:
    """The run's clock: the bill run's clock for reconcile_period, else run_after (billing_airflow.clock)."""
    from billing_airflow.clock import run_clock

    return run_clock(triggering_asset_events, dag_run)


@task(trigger_rule=TriggerRule.ALL_DONE)
def publish_docs() -> str:
    """Rebuild the GX Data Docs site from the stored validation results, whatever the checks found."""
    from iaas_billing.recon import gx

    return str(gx.build_docs())


@task(trigger_rule=TriggerRule.ALL_DONE)
def alert(summary: dict | None) -> str:
    """Send the run's reconciliation summary through iaas_billing.jobs.notify."""
    from iaas_billing.jobs import notify
    from iaas_billing.recon import missing_files_line

    if not summary:
        note = notify.notify("reconciliation did not run", "see the failed task's alert", severity="error")
        return str(note)
    opened = summary["opened"] + summary["reopened"]
    open_total = sum(summary["open_by_level"].values())
    severity = "error" if summary["errors"] else "warning" if summary["checks_failed"] else "info"
    body = "\n".join([
        f"as of {summary['as_of']}: {summary['checks']} checks, {summary['checks_failed']} with breaks",
        f"open breaks: {open_total} ({', '.join(f'{k} {v}' for k, v in sorted(summary['open_by_level'].items()))})",
        f"this run: {opened} new or reopened, {summary['updated']} changed, {summary['resolved']} resolved",
        *([missing_files_line(summary["missing_files"])] if summary.get("missing_files") else []),
        *summary["failed"], *summary["errors"],
        "breaks: marts.fct_reconciliation_breaks; summary: marts.fct_reconciliation_daily_summary",
        f"data docs: {summary['docs']}",
    ])
    note = notify.notify(f"reconciliation {', '.join(summary['levels'])}: {open_total} open break(s)", body,
                         severity=severity, payload=summary)
    return str(note)


@dag(
    schedule=CronTriggerTimetable("0 2 * * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1),
    end_date=settings.schedule_end(),  # unset in production: see iaas_billing.base.settings.schedule_end
    catchup=False,
    max_active_runs=1,
    tags=["billing", "reconciliation", "revenue-assurance", "great-expectations"],
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
)
def revenue_assurance():
    @task.sensor(poke_interval=timedelta(minutes=10), timeout=LATE_GRACE + timedelta(minutes=30), mode="reschedule")
    @fails_fast
    def wait_for_day(dag_run=None) -> PokeReturnValue:
        """Done once the previous day's extracts, control totals and primary billing have landed, or 90 minutes
        after the run's clock: the checks then run with what is there (a missing file is a break, not a stall)."""
        from iaas_billing.recon import readiness

        as_of = _as_of(dag_run)
        day = (as_of - timedelta(days=1)).date()
        missing = readiness.missing_day_inputs(day)
        done = readiness.wait_is_over(missing, as_of, datetime.now(UTC), LATE_GRACE)
        return PokeReturnValue(is_done=done, xcom_value={"day": day.isoformat(), "missing": missing})

    @task(pool=WAREHOUSE_POOL)
    @fails_fast
    def build_models(dag_run=None) -> dict:
        """dbt build of the candidate models and everything upstream of them, at the run's clock; every hourly
        extract up to the clock is expected (a silent order stream is missing files, not a quiet day)."""
        from iaas_billing import recon

        as_of = _as_of(dag_run)
        return recon.build_for_checks(as_of, vars={"inbox_range_end": as_of.isoformat()})

    @task(pool=WAREHOUSE_POOL)
    @fails_fast
    def reconcile(dag_run=None) -> dict:
        """GX checkpoint revenue_assurance_daily (L1, L2, data quality); breaks recorded, never raised."""
        from iaas_billing import recon
        from iaas_billing.recon import checks

        return recon.run_checks(_as_of(dag_run), levels=checks.DAILY_LEVELS, rebuild_models=False).as_dict()

    summary = reconcile()
    wait_for_day() >> build_models() >> summary
    summary >> publish_docs()
    alert(summary)


@dag(
    schedule=[PERIOD_CLOSED],
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["billing", "reconciliation", "period-close", "great-expectations"],
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
)
def reconcile_period():
    @task(pool=WAREHOUSE_POOL)
    @fails_fast
    def build_models(dag_run=None, triggering_asset_events=None) -> dict:
        """dbt build of the candidate models and everything upstream, so the new invoices are seen."""
        from iaas_billing import recon

        return recon.build_for_checks(_as_of(dag_run, triggering_asset_events))

    @task(pool=WAREHOUSE_POOL)
    @fails_fast
    def reconcile(dag_run=None, triggering_asset_events=None) -> dict:
        """GX checkpoint period_reconciliation (L3) over every closed period."""
        from iaas_billing import recon
        from iaas_billing.recon import checks

        as_of = _as_of(dag_run, triggering_asset_events)
        return recon.run_checks(as_of, levels=checks.PERIOD_LEVELS, rebuild_models=False).as_dict()

    summary = reconcile()
    build_models() >> summary
    summary >> publish_docs()
    alert(summary)


revenue_assurance()
reconcile_period()
