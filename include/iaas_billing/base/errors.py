"""Errors the command reports as one clear line instead of a traceback."""


class BillingError(Exception):
    """A failure a person can act on: the message names the file, row or host and the problem.

    Not retryable unless a subclass says so: bad input, bad configuration or a missing warehouse stay wrong
    however often a task is retried (the DAGs fail such a task at once, docs/decisions.md).
    """

    exit_code = 2
    retryable = False


class WarehouseMissing(BillingError):
    """The database does not exist, or holds no warehouse: only `iaas-billing init` creates one."""


class TransientError(BillingError):
    """A failure that can heal by itself (a connection refused or dropped, a lock not granted in time)."""

    retryable = True
