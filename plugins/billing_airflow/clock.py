"""The run's clock (`as_of`): the instant the data it builds on was landed or closed at, not the wall clock.

An Asset-triggered run (transform_billing on `billing_raw_landed`, reconcile_period on `billing_period_closed`)
builds at the latest `as_of` its triggering Asset events carry, so that a backfill of October rates and
reconciles as of October; a run without such events (manual, scheduled) builds at its `run_after`.
"""

from __future__ import annotations

from datetime import datetime


def run_clock(triggering_asset_events, dag_run) -> datetime:
    """The latest `extra["as_of"]` of the triggering Asset events, else the run's `run_after`."""
    stamps = [datetime.fromisoformat(event.extra["as_of"])
              for events in (triggering_asset_events or {}).values() for event in events
              if (event.extra or {}).get("as_of")]
    return max(stamps) if stamps else dag_run.run_after
