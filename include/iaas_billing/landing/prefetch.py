"""Reads, hashes and parses the next inbox files on a helper thread while the database lands the current one."""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from iaas_billing.landing import batch, csv_rows, staging, stat_cache
from iaas_billing.landing.discover import InboxFile
from iaas_billing.landing.feeds import FEEDS, feed_for

AHEAD_FILES = batch.MAX_FILES  # files prepared ahead of the one being landed: a whole batch of extracts …
AHEAD_BYTES = batch.MAX_BYTES  # … or this many bytes of them (at least one file)
PARSE_AHEAD_MAX_BYTES = 64 << 20  # a bigger orders file is parsed while it streams into COPY instead


@dataclass
class Prepared:
    file: InboxFile
    data: bytes | None = None
    sha256: str | None = None
    read_error: str | None = None
    hashed: stat_cache.Hashed | None = None  # what to remember of the file (None: it changed while being read)
    parsed: staging.StagedExtract | csv_rows.ParsedCsv | None = None  # orders: COPY text; CSV: lines or rows


def prepare(f: InboxFile, known: dict[str, str]) -> Prepared:
    """The file's bytes and checksum; a file not yet landed is parsed too (pure CPU, no database): an orders
    file into COPY text and quarantined lines, a CSV file into lines to COPY as they are (a plain file of a
    copy_as_text feed) or typed rows, and quarantined records."""
    try:
        data, hashed, sha256 = stat_cache.looked_at(f.path, Path.read_bytes)
    except OSError as exc:
        return Prepared(f, read_error=exc.strerror or str(exc))
    parsed = None
    if known.get(f.name) != sha256 and len(data) <= PARSE_AHEAD_MAX_BYTES:
        if f.kind == "orders":
            parsed = staging.stage(f.name, data)
        elif f.kind in FEEDS:
            parsed = csv_rows.parse_file(feed_for(f.kind, data), data, copy_text=True, text_format=True)
    return Prepared(f, data, sha256, None, hashed, parsed)


def _size(f: InboxFile) -> int:
    try:
        return f.path.stat().st_size
    except OSError:
        return 0


def prepared(files: Iterable[InboxFile], known: dict[str, str]) -> Iterator[Prepared]:
    """The files in the given order, each prepared ahead of the caller: up to AHEAD_FILES files or AHEAD_BYTES
    bytes beyond the one it is landing, so a batch of extracts is ready while the previous one lands.

    The database calls of the caller release the GIL, so parsing the next extracts overlaps the
    landing of the current ones.
    """
    pending = iter(files)
    # The main thread mostly waits on the database; when an answer arrives it must get the GIL back at once,
    # not after the default 5 ms the parsing thread may keep it (that would add 5 ms to every statement).
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(0.0002)
    window: deque[tuple[Future, int]] = deque()
    ahead_bytes = 0
    exhausted = False
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="landing-prefetch") as pool:
        try:
            while True:
                while not exhausted and (not window or (len(window) <= AHEAD_FILES and ahead_bytes < AHEAD_BYTES)):
                    following = next(pending, None)
                    if following is None:
                        exhausted = True
                        break
                    size = _size(following)
                    window.append((pool.submit(prepare, following, known), size))
                    ahead_bytes += size
                if not window:
                    return
                future, size = window.popleft()
                ahead_bytes -= size
                yield future.result()
        finally:
            for future, _ in window:
                future.cancel()
            sys.setswitchinterval(switch_interval)
