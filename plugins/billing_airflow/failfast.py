"""Tasks fail at once, without retries, on what no retry can fix; retries stay for what can heal."""

from __future__ import annotations

import functools


def fails_fast(function):
    """Wrap a TaskFlow callable: a BillingError that is not retryable becomes AirflowFailException.

    A missing inbox, a missing or non-warehouse database, bad configuration or bad input stay wrong however
    often the task is retried: the task fails at try 1 with the command's one-line message. A TransientError
    (a connection refused or dropped, a lock not granted in time) is raised as it is, so the task's retries
    apply.
    """

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        from iaas_billing.base.errors import BillingError

        try:
            return function(*args, **kwargs)
        except BillingError as exc:
            if exc.retryable:
                raise
            from airflow.sdk.exceptions import AirflowFailException

            raise AirflowFailException(str(exc)) from None  # the line `iaas-billing` prints

    return wrapper
