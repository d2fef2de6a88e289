"""
### ingest_inbox

Every hour, lands the inbox into the `raw` schema (issue 10, `docs/landing.md`): every file delivered
by the end of the data interval and not processed yet, of every kind, in delivery order. A file is
identified by name + SHA-256: the same content again is skipped, other content is the next version.
Bad rows are quarantined with a reason, bad catalogue uploads are rejected whole, unknown file names
are recorded; each file lands in one transaction with its manifest row under an advisory lock, so a
retry, a rerun or a second run at the same time never lands a file twice.

The task calls `iaas_billing.landing.land_inbox(settings.inbox_dir(), as_of=<data interval end>)`, the
same code as `python -m iaas_billing.landing` and `iaas-billing run`. `catchup=False`: after an outage
the next run lands the whole backlog, so there is nothing to catch up run by run. On success it
publishes the `billing_raw_landed` Asset, which schedules `transform_billing`; the Asset event's extra
carries the clock it landed at (`as_of`, the data interval's end), which the build it triggers rates up to. The task runs in the pool
`billing_warehouse` (one slot: the warehouse's writers queue there) and holds the warehouse writer's lock.

The inbox is `BILLING_INBOX_DIR` and the warehouse `BILLING_DATABASE_URL`, both read from the worker's
environment; nothing touches the database or the inbox at import time.
"""

from datetime import datetime, timedelta

from airflow.sdk import Asset, dag, task
from airflow.timetables.interval import CronDataIntervalTimetable

from billing_airflow.failfast import fails_fast
from billing_airflow.pools import WAREHOUSE_POOL
from iaas_billing.base import settings
from iaas_billing.jobs import assets

RAW_LANDED = Asset(name=assets.RAW_LANDED[0], uri=assets.RAW_LANDED[1])


@dag(
    schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1),
    end_date=settings.schedule_end(),  # unset in production: see iaas_billing.base.settings.schedule_end
    catchup=False,
    max_active_runs=1,
    tags=["billing", "ingest", "landing"],
    default_args={"owner": "data-engineering", "retries": 2, "retry_delay": timedelta(minutes=2)},
    doc_md=__doc__,
)
def ingest_inbox():
    @task(outlets=[RAW_LANDED], pool=WAREHOUSE_POOL)
    @fails_fast
    def land(data_interval_end=None, outlet_events=None) -> dict:
        """Land everything delivered by the end of the data interval; the report goes to XCom.

        The Asset event carries the clock it landed at (`as_of`): the builds it triggers rate up to it.
        """
        from dataclasses import asdict

        from iaas_billing.base import quiet, settings
        from iaas_billing.landing import land_inbox

        quiet.silence()
        report = land_inbox(settings.inbox_dir(), as_of=data_interval_end)
        outlet_events[RAW_LANDED].extra = {"as_of": data_interval_end.isoformat(),
                                          "files_landed": report.files_landed}
        return asdict(report)

    land()


ingest_inbox()
