"""The run's clock (`--as-of`, the DAGs' `as_of`): parsing an instant, one way for the command and the DAGs."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from iaas_billing.base.errors import BillingError


def parse(text: str) -> datetime:
    """An ISO 8601 instant (`Z` allowed); a naive one is taken as UTC. Anything else is a BillingError."""
    try:
        value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise BillingError(f"not an ISO 8601 timestamp: {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def argument(text: str) -> datetime:
    """`parse` as an argparse type (the command's and the landing's `--as-of`): a bad instant is a usage error."""
    try:
        return parse(text)
    except BillingError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
