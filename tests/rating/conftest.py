"""Fixtures of the rating tests: real `dbt build` runs on throwaway databases, shared per module."""

from __future__ import annotations

# The rating and billing models and everything they are built from; tests attached to other teams'
# models are left out (cautious indirect selection), so their work in progress cannot fail these tests.
RATING_SELECTION = [
    "--select",
    "+path:models/intermediate/rating",
    "+path:models/intermediate/billing",
    "+path:models/marts/billing",
    "+path:models/marts/resources",
    "+exposure:bill_run",  # the interface views the bill run reads (models/marts/interface)
    "--indirect-selection", "cautious",
]


def build(url, as_of, *extra: str):
    """A real `dbt build` of the rating models at the clock as_of."""
    from iaas_billing.base import dbt_runner

    return dbt_runner.run_dbt(["build", *RATING_SELECTION, *extra], url=url, as_of=as_of)
