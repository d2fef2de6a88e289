"""Names and URIs of the Airflow Assets the DAGs hand over through (plain strings: include/ never imports Airflow)."""

RAW_LANDED = ("billing_raw_landed", "billing://warehouse/raw")
MARTS_BUILT = ("billing_marts_built", "billing://warehouse/marts")
PERIOD_CLOSED = ("billing_period_closed", "billing://warehouse/billing")
