"""
### bill_run

Closes billing periods (rules §5): once a month, after the period's end plus its grace
(default 1 hour, `BILLING_GRACE_HOURS`), issues one invoice per (tenant, account) with at least one
line, with the adjustment lines that late events, prices and accounts owe on earlier closed periods.

The run for the data interval ending on the 1st at 01:00 UTC calls
`iaas_billing.jobs.billrun.close_due_periods(as_of=<data interval end>)`: every period whose end plus grace is
at or before that instant and that is not closed yet is closed, oldest first, one transaction per period.
What to issue is decided by the dbt models `int_invoices_numbered` / `int_invoice_lines_numbered`
(views over the `billing` ledger); if the last dbt build is older than the period's end, the task builds
dbt first. Running it twice issues nothing twice. Publishes the `billing_period_closed` Asset.
The task runs in the pool `billing_warehouse` (one slot: the warehouse's writers queue there).
Credentials come from `BILLING_DATABASE_URL` in the worker's environment; nothing touches the database
at import time.
"""

from datetime import datetime, timedelta

from airflow.sdk import Asset, dag, task
from airflow.timetables.interval import CronDataIntervalTimetable

from billing_airflow.failfast import fails_fast
from billing_airflow.pools import WAREHOUSE_POOL
from iaas_billing.jobs import assets

PERIOD_CLOSED = Asset(name=assets.PERIOD_CLOSED[0], uri=assets.PERIOD_CLOSED[1])


@dag(
    # The 1st of each month at 01:00 UTC: the default 1-hour grace after the month's end has passed.
    schedule=CronDataIntervalTimetable("0 1 1 * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["billing", "invoicing", "bill-run"],
    default_args={"owner": "billing", "retries": 3, "retry_delay": timedelta(minutes=10)},
    doc_md=__doc__,
)
def bill_run():
    @task(outlets=[PERIOD_CLOSED], pool=WAREHOUSE_POOL)
    @fails_fast
    def close_due_periods(data_interval_end=None, outlet_events=None) -> list[str]:
        from iaas_billing.jobs import billrun

        closed = [str(period) for period in billrun.close_due_periods(as_of=data_interval_end)]
        # the clock the periods were closed at, for the reconciliation it triggers (billing_airflow.clock)
        outlet_events[PERIOD_CLOSED].extra = {"as_of": data_interval_end.isoformat(), "closed": closed}
        return closed

    close_due_periods()


bill_run()
