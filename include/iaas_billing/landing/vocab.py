"""The closed vocabularies of the inbox contracts (rules §1-§3, interfaces.md)."""

from __future__ import annotations

CURRENCIES = frozenset({"USD", "CAD", "GBP", "EUR", "CHF", "SEK", "JPY", "SGD", "INR", "AED", "BHD", "AUD"})
COUNTRIES = frozenset({"US", "CA", "GB", "DE", "CH", "SE", "JP", "SG", "IN", "AE", "BH", "AU"})
TENANTS = frozenset({"HO", "SO"})
CHARGE_TYPES = frozenset({"hourly", "monthly", "annual", "one_time"})
EVENT_TYPES = frozenset({"CREATE", "SUSPEND", "RESUME", "SHUTDOWN", "START", "MODIFY", "DECOMMISSION"})
EVENTS_WITH_COMPONENTS = frozenset({"CREATE", "MODIFY"})

# Prices, amounts and quantities: numeric(24, 6) in raw.
MAX_DECIMALS = 6
MAX_INTEGER_DIGITS = 18
# Tax rates: numeric(9, 6), a fraction from 0 to 1.
TAX_RATE_MAX_DECIMALS = 6
# fx rates: numeric(24, 10).
FX_MAX_DECIMALS = 10
FX_MAX_INTEGER_DIGITS = 14

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
