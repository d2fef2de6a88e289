"""IaaS billing platform task code: landing, dbt runs, bill run, reconciliation (no Airflow imports)."""

__version__ = "0.1.0"
