"""The run's clock (`--as-of`, the DAGs' `as_of`): parsing an instant, one way for the command and the DAGs."""

from __future__ import annotations

from datetime import UTC, datetime

from iaas_billing.errors import BillingError


def parse(text: str) -> datetime:
    """An ISO 8601 instant (`Z` allowed); a naive one is taken as UTC. Anything else is a BillingError."""
    try:
        value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise BillingError(f"not an ISO 8601 timestamp: {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
