"""
### transform_billing

Builds the dbt project (staging → intermediate → marts, with the data tests; not the unit tests nor the
reconciliation models: the `pipeline_build` selector, as `iaas-billing run`) each time the ingest DAG
publishes the `billing_raw_landed` Asset, then validates the published marts with a Great Expectations
checkpoint and publishes `billing_marts_built`.

- **`dbt_build`** runs one `dbt build` in-process (`iaas_billing.jobs.transform.build`) under the warehouse
  writer's lock for the whole build, then VACUUMs the incremental rating tables, in the pool
  `billing_warehouse` (1 slot: landing, this build, the bill run and reconciliation queue for it instead of
  waiting for the lock inside a worker slot). One invocation, not one task per node: each node's start-up
  cost once (docs/decisions.md, docs/benchmarks.md "DAG hourly cycle").
- **Each node's result**: the task log lists every node with its status and seconds, then each failed
  node's whole error; the XCom `dbt_results` holds the same (`nodes`, `failed`, `counts`), pushed before
  the task fails.
- **Retry from the failed model**: a retry of `dbt_build` (clear the task) runs `dbt retry` on what this
  run's last try left failed or skipped, and succeeds only if every one of those is rebuilt successfully;
  a failed model never turns green without being rebuilt. A model's SQL error fails at try 1 (no automatic
  retries: a retry cannot fix it); a connection or lock failure is retried. Or trigger the DAG with the
  param `select` (dbt syntax, e.g. `int_usage_spans_priced+`) to build that node and what depends on it.

The dbt var `as_of` (the run's clock: open resource spans are rated up to it) is the latest `as_of` of
the `billing_raw_landed` events that triggered the run (the clock the ingest landed at: a backfill of
October rates as of October), else the run's `run_after`, or the param `as_of` when given (a malformed one
fails the task at once). Credentials come from `BILLING_DATABASE_URL` in the worker's environment;
nothing touches the database at import time.
"""

from datetime import datetime, timedelta

from airflow.sdk import Asset, Param, dag, task

from billing_airflow.failfast import fails_fast
from billing_airflow.pools import WAREHOUSE_POOL
from iaas_billing.jobs import assets

RAW_LANDED = Asset(name=assets.RAW_LANDED[0], uri=assets.RAW_LANDED[1])
MARTS_BUILT = Asset(name=assets.MARTS_BUILT[0], uri=assets.MARTS_BUILT[1])


@dag(
    schedule=[RAW_LANDED],
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["billing", "dbt", "transform"],
    default_args={"owner": "data-engineering", "retries": 2, "retry_delay": timedelta(minutes=1)},
    params={
        "select": Param(None, type=["null", "string"],
                        description="dbt selection to build instead of the pipeline_build selector, e.g. model+"),
        "as_of": Param(None, type=["null", "string"], description="the clock (ISO 8601) instead of run_after"),
    },
    doc_md=__doc__,
)
def transform_billing():
    @task(pool=WAREHOUSE_POOL)
    @fails_fast
    def dbt_build(dag_run=None, ti=None, params=None, triggering_asset_events=None) -> dict:
        """One dbt build under the warehouse lock (a retry rebuilds what failed), then VACUUM; every node's result."""
        from billing_airflow.clock import run_clock
        from iaas_billing.base import clock, quiet
        from iaas_billing.jobs import transform

        quiet.silence()
        as_of = clock.parse(params["as_of"]) if params.get("as_of") else run_clock(triggering_asset_events, dag_run)
        return transform.build(as_of, run_id=dag_run.run_id, select=params.get("select"), retry=ti.try_number > 1,
                               publish=lambda report: ti.xcom_push(key="dbt_results", value=report))

    @task(outlets=[MARTS_BUILT])
    def validate_marts() -> str:
        from iaas_billing.recon import validate_marts as checks

        result = checks.validate()
        if not result.success:
            raise RuntimeError(str(result))
        return str(result)

    dbt_build() >> validate_marts()


transform_billing()
