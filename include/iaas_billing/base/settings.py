"""Project paths and settings read from the environment (no I/O beyond os.environ)."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(os.environ.get("IAAS_BILLING_HOME", Path(__file__).resolve().parents[3]))
LOCAL_DIR = PROJECT_ROOT / ".local"
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
DBT_MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"  # written by `make` (dbt parse); Cosmos renders from it
# Where the pipeline's dbt runs write target/ and logs/: not dbt_project/target, whose manifest a
# dag-processor may be parsing while a run rewrites it (DBT_TARGET_PATH / DBT_LOG_PATH override).
DBT_RUN_DIR = LOCAL_DIR / "dbt"
DEFAULT_INBOX = LOCAL_DIR / "demo" / "inbox"  # where `make demo` simulates one; BILLING_INBOX_DIR names the real one
GX_DIR = LOCAL_DIR / "gx"


# BILLING_GRACE_HOURS (rules 5.1) is read by dbt: var grace_hours in dbt_project/dbt_project.yml.
EXTRACT_DELAY_HOURS = float(os.environ.get("BILLING_EXTRACT_DELAY_HOURS", "2"))


def schedule_end():
    """BILLING_SCHEDULE_END (ISO 8601): where the timetables of ingest_inbox and revenue_assurance stop.

    Unset in production. Set to replay a past window with Airflow's own backfills (the scheduler test, a demo
    inbox): the DAGs must be unpaused for their backfill runs to start, and without an end the scheduler would
    also run the latest interval at today's clock.
    """
    from datetime import datetime

    raw = os.environ.get("BILLING_SCHEDULE_END")
    return datetime.fromisoformat(raw) if raw else None


def inbox_dir() -> Path:
    return Path(os.environ.get("BILLING_INBOX_DIR", DEFAULT_INBOX))


def embedded_dir() -> Path:
    """Where the embedded warehouse cluster lives when BILLING_DATABASE_URL is unset (BILLING_PG_DIR overrides)."""
    return Path(os.environ.get("BILLING_PG_DIR", LOCAL_DIR / "pg"))
