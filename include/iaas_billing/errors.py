"""Errors the command reports as one clear line instead of a traceback."""


class BillingError(Exception):
    """A failure a person can act on: the message names the file, row or host and the problem."""

    exit_code = 2
