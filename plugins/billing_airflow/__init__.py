"""Airflow-side helpers of the billing DAGs (the task code in include/ never imports Airflow)."""
