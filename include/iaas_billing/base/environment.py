"""Environment variables set for a block of code and restored after (dbt's profile, GX's connection, tests)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def overridden(extra: dict[str, str]) -> Iterator[None]:
    """Set the variables for the block; restore (or remove) each after."""
    saved = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
