"""Airflow-side helpers of the billing DAGs (the task code in include/ never imports Airflow)."""

BILLING_PAGE_URL_PREFIX = "/billing"  # where the api-server mounts the Billing page's app
BILLING_PAGE_TITLE = "Billing"
