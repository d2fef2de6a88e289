"""Lands a run of orders extracts in one transaction: one manifest statement, one COPY, one dedup, one close."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg

from iaas_billing.landing import copy_load, manifest, staging
from iaas_billing.landing.discover import InboxFile
from iaas_billing.landing.records import FileOutcome, LandedFile, quarantine_summary, status_of

MAX_FILES = 64              # extracts per transaction at most
MAX_BYTES = 32 << 20        # and at most this many bytes of them (a big extract lands on its own)


@dataclass
class Extract:
    """One orders extract to land: the file, its bytes and checksum, and its staged rows if prepared ahead."""

    file: InboxFile
    data: bytes
    sha256: str
    staged: staging.StagedExtract | None = None  # None: parsed while it streams into COPY


def _outcome(extract: staging.StagedExtract, counts: tuple[int, int, int], empty: bool) -> FileOutcome:
    first, repeats, conflicts = counts
    if first + repeats != extract.events:
        raise copy_load.CountMismatch(f"{extract.name}: {extract.events} events staged but {first} first "
                                      f"landings + {repeats} repeats")
    quarantined = extract.quarantined
    outcome = FileOutcome(status_of(extract.events, len(quarantined)), extract.rows_read, extract.events,
                          quarantined)
    notes = [quarantine_summary(quarantined), "empty extract: no events in that hour" if empty else None]
    if repeats:
        notes.append(f"{repeats} repeated event_id{'s' if repeats != 1 else ''} ({conflicts} conflicting)")
    outcome.detail = "; ".join(n for n in notes if n) or None
    return outcome


def _late(staged: list[staging.StagedExtract]) -> list[tuple[str, str]]:
    """(file name, event_id) of each event whose first line in its file is not its first in the batch."""
    seen: set[str] = set()
    late: list[tuple[str, str]] = []
    for extract in staged:
        late += [(extract.name, event_id) for event_id in seen & extract.event_ids]
        seen |= extract.event_ids
    return late


def land_orders(conn: psycopg.Connection, extracts: list[Extract], as_of: datetime) -> list[LandedFile]:
    """Land the extracts (in processing order) in one transaction; what landed, in that order.

    Each file keeps its own manifest row, quarantine and counts (rows_read = rows_loaded + rows_quarantined,
    recounted in the database before the commit); an extract whose latest version already has this content
    is left out (another run landed it). Dedup by event_id runs across and within the files exactly as if
    they landed one by one: the first line in processing order stands. Any failure rolls the whole batch
    back: no file of it is half landed. conn is in autocommit mode, outside any transaction.
    """
    if not conn.autocommit or conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        raise RuntimeError("land_orders needs an autocommit connection outside any transaction")
    try:
        opened = manifest.begin_and_open_many(conn, [(e.file, e.sha256, len(e.data)) for e in extracts], as_of)
        todo = [e for e in extracts if e.file.name in opened]
        if not todo:
            conn.execute("rollback")
            return []
        staged = [e.staged if e.staged is not None else staging.StagedExtract(e.file.name) for e in todo]
        if any(s.events for s in staged) or any(e.staged is None for e in todo):
            sent = copy_load.stage_orders(conn, (chunk for e, s in zip(todo, staged, strict=True)
                                                 for chunk in (s.chunks if e.staged is not None
                                                               else staging.stream(s, e.data))))
            if sent != sum(s.events for s in staged):
                raise copy_load.CountMismatch(f"{sum(s.events for s in staged)} events staged but the server "
                                              f"took {sent}")
        files = [(e.file.name, opened[e.file.name][0]) for e in todo]
        quarantines = [(file_id, name, s.quarantined) for (name, file_id), s in zip(files, staged, strict=True)]
        if any(s.events for s in staged):  # the dedup statement inserts the quarantined rows too
            counts = copy_load.land_staged_orders(conn, files, _late(staged), quarantines)
        else:
            counts = {}
            copy_load.copy_quarantines(conn, quarantines)
        outcomes = [_outcome(s, counts.get(file_id, (0, 0, 0)), not e.data)
                    for e, s, (_, file_id) in zip(todo, staged, files, strict=True)]
        manifest.close_many_and_commit(conn, [(file_id, o) for (_, file_id), o in zip(files, outcomes, strict=True)])
    except BaseException:
        if not conn.closed and conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            conn.execute("rollback")
        raise
    return [LandedFile(e.file.name, e.file.kind, opened[e.file.name][0], opened[e.file.name][1], o)
            for e, o in zip(todo, outcomes, strict=True)]
