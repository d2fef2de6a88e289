"""The Airflow pool every warehouse-writing task runs in: one slot, so writers queue instead of waiting in a slot.

Created by whatever sets Airflow up: `airflow pools set billing_warehouse 1 "..."` (docker-compose's
airflow-init, `make airflow-db`, the DAG tests' and benchmarks' Airflow set-up). The warehouse writer's lock
(`iaas_billing.base.locks.warehouse_writer`) is what keeps writers apart; the pool keeps Airflow's own writers from
holding worker slots while they wait for it.
"""

WAREHOUSE_POOL = "billing_warehouse"
WAREHOUSE_POOL_SLOTS = 1
WAREHOUSE_POOL_DESCRIPTION = "one warehouse writer at a time (iaas_billing.base.locks.warehouse_writer)"
