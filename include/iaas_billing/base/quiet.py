"""Silences the libraries' INFO noise (Great Expectations, dbt, Airflow) so output is what a person reads."""

from __future__ import annotations

import logging
import os
import warnings

NOISY = ("great_expectations", "dbt", "airflow", "sqlalchemy", "alembic", "urllib3", "cosmos", "py.warnings")


def silence() -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("TQDM_DISABLE", "1")
    warnings.filterwarnings("ignore")
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
