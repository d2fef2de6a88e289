"""Reads, hashes and parses the next inbox files on a helper thread while the database lands the current one."""

from __future__ import annotations

import hashlib
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from iaas_billing.landing import land, parse_orders
from iaas_billing.landing.discover import InboxFile
from iaas_billing.landing.feeds import FEEDS

AHEAD = 2                      # files prepared ahead of the one being landed
PARSE_AHEAD_MAX_BYTES = 64 << 20  # a bigger orders file is parsed while it streams into COPY instead


@dataclass
class Prepared:
    file: InboxFile
    data: bytes | None = None
    sha256: str | None = None
    read_error: str | None = None
    parsed: list | tuple | None = None  # orders: each line as a COPY row or a Quarantined; a plain CSV: sorted


def prepare(f: InboxFile, known: dict[str, str]) -> Prepared:
    """The file's bytes and checksum; a file not yet landed is parsed too (pure CPU, no database): an orders
    file into its items, a plain CSV of a copy_as_text feed into lines to COPY and lines to quarantine."""
    try:
        data = f.path.read_bytes()
    except OSError as exc:
        return Prepared(f, read_error=exc.strerror or str(exc))
    sha256 = hashlib.sha256(data).hexdigest()
    parsed = None
    if known.get(f.name) != sha256 and len(data) <= PARSE_AHEAD_MAX_BYTES:
        if f.kind == "orders":
            parsed = list(parse_orders.parse(data))
        elif f.kind in FEEDS:
            parsed = land.sort_plain_csv(FEEDS[f.kind], data)
    return Prepared(f, data, sha256, None, parsed)


def prepared(files: Iterable[InboxFile], known: dict[str, str]) -> Iterator[Prepared]:
    """The files in the given order, each prepared up to AHEAD files before the caller needs it.

    The database calls of the caller release the GIL, so parsing the next extract overlaps the
    INSERT of the current one.
    """
    pending = iter(files)
    # The main thread mostly waits on the database; when an answer arrives it must get the GIL back at once,
    # not after the default 5 ms the parsing thread may keep it (that would add 5 ms to every statement).
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(0.0002)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="landing-prefetch") as pool:
        window = deque(pool.submit(prepare, f, known) for _, f in zip(range(AHEAD), pending, strict=False))
        try:
            while window:
                ready = window.popleft().result()
                following = next(pending, None)
                if following is not None:
                    window.append(pool.submit(prepare, following, known))
                yield ready
        finally:
            for future in window:
                future.cancel()
            sys.setswitchinterval(switch_interval)
