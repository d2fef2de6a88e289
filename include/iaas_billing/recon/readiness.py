"""Has a day's data landed? The revenue-assurance DAG's short wait asks the manifest (raw.inbox_files).

The wait only decides when the daily run starts its checks, never what they compare: each check
compares the days whose inputs are there, and a missing file is a `missing_file` break (dbt,
int_recon_day_inputs and int_recon_dq_issues; docs/reconciliation.md).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.engine import URL


def day_input_names(day: date) -> list[str]:
    """The files the daily checks of `day` read: its 24 hourly order extracts, the order stream's control
    totals and primary billing's daily charges (docs/decisions.md, the clock)."""
    stamp = day.strftime("%Y%m%d")
    return ([f"orders_{stamp}T{hour:02d}.jsonl" for hour in range(24)]
            + [f"orderstream_control_{stamp}.csv", f"primary_billing_{stamp}.csv"])


def missing_day_inputs(day: date, url: URL | None = None) -> list[str]:
    """The names of `day_input_names(day)` that no landed file version carries yet."""
    from iaas_billing.base import db

    names = day_input_names(day)
    with db.connect(url or db.database_url(start_local=False)) as conn:
        landed = {name for (name,) in conn.execute(
            "select distinct file_name from raw.inbox_files where file_name = any(%s) and status <> 'landing'",
            (names,))}
    return [name for name in names if name not in landed]


def wait_is_over(missing: list[str], as_of: datetime, now: datetime, grace: timedelta) -> bool:
    """Stop waiting once nothing is missing, or once `grace` has passed since the run's clock `as_of`."""
    return not missing or now >= as_of + grace
