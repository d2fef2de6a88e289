"""Turns an orders extract into COPY text for the staging table, off the main thread (prefetch)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from iaas_billing.landing import order_columns, parse_orders
from iaas_billing.landing.records import Quarantined

# Columns of the COPY text, in order (the session's temp table, copy_load.ORDERS_STAGE).
STAGE_COLUMNS = ("file_name", *order_columns.NAMES, "first_in_file")
CHUNK_ROWS = 10_000  # rows per COPY text chunk when an extract streams into COPY
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"  # COPY text for SQL null


@dataclass
class StagedExtract:
    """An orders extract ready to land: its events as COPY text, its quarantined lines, its counts."""

    name: str
    chunks: list[bytes] = field(default_factory=list)  # COPY text (STAGE_COLUMNS), all events of the file
    events: int = 0                                    # lines staged (each lands or is a repeat)
    event_ids: set[str] = field(default_factory=set)   # the distinct event_ids among them
    quarantined: list[Quarantined] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return self.events + len(self.quarantined)


def _field(value: object) -> str:
    if value is None:
        return NULL
    return value.translate(_ESCAPES) if type(value) is str else str(value)


def stream(extract: StagedExtract, data: bytes) -> Iterator[bytes]:
    """Parse the extract's bytes and yield its events as COPY text chunks, filling in extract's counts and
    quarantine as it goes (they are complete once the iterator is exhausted).

    Fields need no escaping when the file holds no backslash, tab or CR: then no decoded string can hold
    one (no JSON escape), and a line holds no newline. Otherwise every field is escaped.
    """
    plain = b"\\" not in data and b"\t" not in data and b"\r" not in data
    prefix = _field(extract.name) + "\t"
    seen = extract.event_ids
    rows: list[str] = []
    for item in parse_orders.parse(data):
        if type(item) is not tuple:
            extract.quarantined.append(item)
            continue
        event_id = item[1]
        first = "f" if event_id in seen else "t"
        seen.add(event_id)
        if plain:  # order_columns.NAMES spelled out: one f-string per row is the fast path (test_order_columns)
            (line, event_id, instant, seq, account_id, resource_id, resource_type, region, event_type, components,
             content_hash, raw) = item
            rows.append(f"{prefix}{line}\t{event_id}\t{instant}\t{seq}\t{account_id}\t{resource_id}\t"
                        f"{NULL if resource_type is None else resource_type}\t{NULL if region is None else region}\t"
                        f"{event_type}\t{NULL if components is None else components}\t{content_hash}\t{raw}\t"
                        f"{first}\n")
        else:
            rows.append(prefix + "\t".join(map(_field, item)) + f"\t{first}\n")
        if len(rows) == CHUNK_ROWS:
            extract.events += len(rows)
            yield "".join(rows).encode()
            rows = []
    if rows:
        extract.events += len(rows)
        yield "".join(rows).encode()


def stage(name: str, data: bytes) -> StagedExtract:
    """The whole extract parsed and formatted (for files small enough to prepare ahead)."""
    extract = StagedExtract(name)
    extract.chunks = list(stream(extract, data))
    return extract
