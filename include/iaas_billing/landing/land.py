"""Lands one inbox file in one transaction: lock, version, parse, COPY, quarantine, verify, manifest row."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import psycopg

from iaas_billing.landing import catalog, copy_load, manifest, parse_csv, parse_orders
from iaas_billing.landing.discover import UNKNOWN, InboxFile
from iaas_billing.landing.feeds import FEEDS, CsvFeed
from iaas_billing.landing.records import FileOutcome, Quarantined


@dataclass
class LandedFile:
    name: str
    kind: str
    file_id: int
    version: int
    outcome: FileOutcome


def _status(loaded: int, quarantined: int) -> str:
    if not quarantined:
        return "landed"
    return "landed_with_quarantine" if loaded else "quarantined"


def _summary(quarantined: list[Quarantined]) -> str | None:
    if not quarantined:
        return None
    counts = Counter(q.reason_code for q in quarantined)
    parts = ", ".join(f"{code} x{n}" for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return f"{len(quarantined)} row{'s' if len(quarantined) != 1 else ''} quarantined: {parts}"


def _land_orders(conn: psycopg.Connection, file_id: int, data: bytes, parsed: list | None) -> FileOutcome:
    quarantined: list[Quarantined] = []
    items = parsed if parsed is not None else parse_orders.parse(data)
    if data and not (parsed is not None and all(type(i) is not tuple for i in parsed)):
        staged = copy_load.stage_orders(conn, iter(items), quarantined)
        first, repeats, conflicts = copy_load.land_staged_orders(conn, file_id) if staged else (0, 0, 0)
    else:  # an empty extract, or nothing but quarantined lines: no round trip for the events
        quarantined = list(items)
        staged = first = repeats = conflicts = 0
    if first + repeats != staged:
        raise copy_load.CountMismatch(f"{staged} events staged but {first} first landings + {repeats} repeats")
    outcome = FileOutcome(_status(staged, len(quarantined)), staged + len(quarantined), staged, quarantined)
    notes = [_summary(quarantined), None if data else "empty extract: no events in that hour"]
    if repeats:
        notes.append(f"{repeats} repeated event_id{'s' if repeats != 1 else ''} ({conflicts} conflicting)")
    outcome.detail = "; ".join(n for n in notes if n) or None
    return outcome


def _parse_feed(feed: CsvFeed, data: bytes) -> tuple[list[tuple[int, tuple, str]], list[Quarantined]]:
    """Valid rows (line, typed values, raw) and quarantined ones; a repeated key keeps its first row."""
    clean = parse_csv.read_clean(data, feed.header)
    typed = feed.parse_columns(clean[1]) if clean is not None else None
    if typed is not None:
        return list(zip(range(2, len(typed) + 2), typed, clean[0], strict=True)), []
    valid: list[tuple[int, tuple, str]] = []
    quarantined: list[Quarantined] = []
    first_line: dict[tuple, int] = {}
    for record in parse_csv.read(data, feed.header):
        if isinstance(record, Quarantined):
            quarantined.append(record)
            continue
        result = feed.parse(record.fields)
        if type(result) is list:
            quarantined.append(Quarantined(record.line_number, result[0].code,
                                           "; ".join(p.message for p in result), record.raw))
            continue
        key = feed.key_of(result)
        if key in first_line:
            quarantined.append(Quarantined(record.line_number, "duplicate_key",
                                           feed.duplicate_reason(key, first_line[key]), record.raw))
            continue
        first_line[key] = record.line_number
        valid.append((record.line_number, result, record.raw))
    return valid, quarantined


def _supersede(conn: psycopg.Connection, feed: CsvFeed, f: InboxFile, file_id: int) -> str | None:
    """A snapshot feed's new version replaces the rows of the older ones (kept in raw.superseded_rows)."""
    if not feed.snapshot:
        return None
    moved = copy_load.supersede(conn, feed.table, f.name, file_id)
    return f"replaces the earlier version ({moved} rows moved to raw.superseded_rows)" if moved else None


def _land_csv(conn: psycopg.Connection, feed: CsvFeed, f: InboxFile, file_id: int, data: bytes,
              plain: tuple[list[tuple[int, str]], list[Quarantined]] | None = None) -> FileOutcome:
    if feed.copy_as_text:  # the fast way for a plain file: check each distinct text, COPY the good lines as is
        plain = plain if plain is not None else sort_plain_csv(feed, data)
        if plain is not None:
            good, quarantined = plain
            note = _supersede(conn, feed, f, file_id)
            loaded = copy_load.copy_csv_lines(conn, feed.table, feed.columns, file_id, good) if good else 0
            if loaded != len(good):
                raise copy_load.CountMismatch(f"{len(good)} rows sent but the server took {loaded}")
            notes = [n for n in (_summary(quarantined), note) if n]
            return FileOutcome(_status(loaded, len(quarantined)), loaded + len(quarantined), loaded, quarantined,
                               "; ".join(notes) or None)
    valid, quarantined = _parse_feed(feed, data)
    if feed.kind == "catalog":
        conflicts = catalog.sku_conflicts(conn, valid) if valid else []
        if quarantined or conflicts:
            bad_lines = {q.line_number for q in conflicts}
            still_valid = [v for v in valid if v[0] not in bad_lines]
            rows, errors = catalog.reject(quarantined + conflicts, still_valid)
            detail = f"rejected, nothing applied: {len(errors)} invalid row{'s' if len(errors) != 1 else ''}: " \
                + "; ".join(errors)
            return FileOutcome("rejected", len(rows), 0, rows, detail, errors)
    notes = [_supersede(conn, feed, f, file_id)]
    columns = ("file_id", "line_number", *feed.columns, "raw_record")
    loaded = copy_load.copy_rows(conn, feed.table, columns,
                                 ((file_id, line, *values, raw) for line, values, raw in valid))
    if loaded != len(valid):
        raise copy_load.CountMismatch(f"{len(valid)} rows sent but the server took {loaded}")
    notes.insert(0, _summary(quarantined))
    notes = [n for n in notes if n]
    return FileOutcome(_status(loaded, len(quarantined)), loaded + len(quarantined), loaded, quarantined,
                       "; ".join(n for n in notes if n) or None)


def sort_plain_csv(feed: CsvFeed, data: bytes) -> tuple[list[tuple[int, str]], list[Quarantined]] | None:
    """For a copy_as_text feed: a plain file's (line number, line) to COPY as is and its quarantined lines;
    None when the file is not plain (quotes, CR, bad bytes, wrong header …: parsed record by record)."""
    if not feed.copy_as_text:
        return None
    lines = parse_csv.read_plain(data, feed.header)
    return feed.sort_plain(lines) if lines is not None else None


def land_file(conn: psycopg.Connection, f: InboxFile, data: bytes, sha256: str, as_of: datetime,
              parsed: list | None = None) -> LandedFile | None:
    """Land one version of a file, or return None when its latest version already has this content.

    parsed: what prefetch.prepare worked out ahead (an orders file's items, a plain CSV's sorted lines), else
    the file is parsed here. Everything happens in one transaction: a failure, a crash or a kill leaves
    no trace of the file. conn is in autocommit mode: the transaction's BEGIN and COMMIT travel with
    its first and last statements (manifest.begin_and_open, manifest.close_and_commit).
    """
    if not conn.autocommit or conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        raise RuntimeError("land_file needs an autocommit connection outside any transaction")
    try:
        opened = manifest.begin_and_open(conn, f, sha256, len(data), as_of)
        if opened is None:
            conn.execute("rollback")
            return None
        file_id, version = opened
        table = None
        if f.kind == UNKNOWN:
            outcome = FileOutcome("unknown_kind", detail=f.detail)
        elif f.kind == "orders":
            outcome = _land_orders(conn, file_id, data, parsed)
        else:
            table = FEEDS[f.kind].table
            outcome = _land_csv(conn, FEEDS[f.kind], f, file_id, data, parsed)
        if outcome.rows_read != outcome.rows_loaded + outcome.rows_quarantined:
            raise copy_load.CountMismatch(f"read {outcome.rows_read} rows but accounted for "
                                          f"{outcome.rows_loaded} + {outcome.rows_quarantined}")
        copy_load.copy_quarantine(conn, file_id, f.name, outcome.quarantined)
        manifest.close_and_commit(conn, file_id, outcome, table)
    except BaseException:
        if not conn.closed and conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            conn.execute("rollback")
        raise
    return LandedFile(f.name, f.kind, file_id, version, outcome)
