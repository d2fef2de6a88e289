"""Fixtures of the rating tests: real `dbt build` runs on throwaway databases, shared per module."""

from __future__ import annotations

import os
import tempfile

import pytest

# The rating and billing models and everything they are built from; tests attached to other teams'
# models are left out (cautious indirect selection), so their work in progress cannot fail these tests.
RATING_SELECTION = [
    "--select",
    "+path:models/intermediate/rating",
    "+path:models/intermediate/billing",
    "+path:models/marts/billing",
    "+path:models/marts/resources",
    "--indirect-selection", "cautious",
]


@pytest.fixture(scope="session", autouse=True)
def private_dbt_target():
    """dbt's target/ and logs/ of this session's own, so concurrent dbt runs in the repo cannot clash."""
    saved = {k: os.environ.get(k) for k in ("DBT_TARGET_PATH", "DBT_LOG_PATH")}
    with tempfile.TemporaryDirectory(prefix="rating-dbt-") as tmp:
        os.environ["DBT_TARGET_PATH"] = os.path.join(tmp, "target")
        os.environ["DBT_LOG_PATH"] = os.path.join(tmp, "logs")
        yield tmp
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def build(url, as_of, *extra: str):
    """A real `dbt build` of the rating models at the clock as_of."""
    from iaas_billing import dbt_runner

    return dbt_runner.run_dbt(["build", *RATING_SELECTION, *extra], url=url, as_of=as_of)
