"""
### transform_billing_cosmos (benchmark variant: transform_billing as it was, Cosmos, one task per node)

Builds the dbt project (staging → intermediate → marts) each time the ingest DAG publishes the
`billing_raw_landed` Asset, one Airflow task per dbt node (Cosmos, rendered from the dbt manifest,
never `dbt ls` at parse time) and one task for the data tests (not the unit tests), VACUUMs the
incremental rating tables (dead rows of the hourly re-rating, fresh statistics), then validates the
published marts with a Great Expectations checkpoint and publishes `billing_marts_built`.

The dbt var `as_of` (the run's clock: open resource spans are rated up to it) is the run's
`run_after`. Credentials come from `BILLING_DATABASE_URL` in the worker's environment.
"""

from datetime import datetime, timedelta

from airflow.sdk import Asset, dag, task
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import InvocationMode, LoadMode, TestBehavior

from iaas_billing.base import db
from iaas_billing.base.settings import DBT_MANIFEST, DBT_PROJECT_DIR
from iaas_billing.jobs import assets

db.export_dbt_env()  # string parsing only: no database or network at import time

RAW_LANDED = Asset(name=assets.RAW_LANDED[0], uri=assets.RAW_LANDED[1])
MARTS_BUILT = Asset(name=assets.MARTS_BUILT[0], uri=assets.MARTS_BUILT[1])


@dag(
    schedule=None,  # driven by bench/bench_dag_hourly.py only
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["billing", "dbt", "transform"],
    default_args={"owner": "data-engineering", "retries": 2, "retry_delay": timedelta(minutes=1)},
    doc_md=__doc__,
)
def transform_billing_cosmos():
    dbt = DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(dbt_project_path=DBT_PROJECT_DIR, manifest_path=DBT_MANIFEST),
        profile_config=ProfileConfig(profile_name="iaas_billing", target_name="default",
                                     profiles_yml_filepath=DBT_PROJECT_DIR / "profiles.yml"),
        execution_config=ExecutionConfig(invocation_mode=InvocationMode.DBT_RUNNER),
        # unit tests test the SQL, not the data: the test suite runs them, the hourly build does not
        # (as iaas-billing run's selector, dbt_project/selectors.yml)
        render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST, test_behavior=TestBehavior.AFTER_ALL,
                                   exclude=["resource_type:unit_test"], emit_datasets=False),
        operator_args={"install_deps": False, "vars": {"as_of": "{{ dag_run.conf.get('as_of') or dag_run.run_after }}"}},
    )

    @task
    def vacuum_rated_tables() -> None:
        """VACUUM (ANALYZE) the incremental tables the build rewrote rows of, as `iaas-billing run` does."""
        from iaas_billing.jobs import pipeline

        pipeline.vacuum_touched(db.database_url(start_local=False))

    @task(outlets=[MARTS_BUILT])
    def validate_marts() -> str:
        from iaas_billing.recon import validate_marts as checks

        result = checks.validate()
        if not result.success:
            raise RuntimeError(str(result))
        return str(result)

    dbt >> vacuum_rated_tables() >> validate_marts()


transform_billing_cosmos()
