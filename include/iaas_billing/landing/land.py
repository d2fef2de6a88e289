"""Lands one inbox file in one transaction: lock, version, parse, COPY, quarantine, verify, manifest row."""

from __future__ import annotations

from datetime import datetime

import psycopg

from iaas_billing.landing import batch, catalog, copy_load, csv_rows, manifest, snapshots, staging
from iaas_billing.landing.discover import UNKNOWN, InboxFile, snapshot_date
from iaas_billing.landing.feeds import CsvFeed, feed_for
from iaas_billing.landing.records import FileOutcome, LandedFile
from iaas_billing.landing.records import quarantine_summary as _summary
from iaas_billing.landing.records import status_of as _status

RULES = ("8.1", "8.2")  # docs/rules.md: each row loaded or quarantined, the file's counts verified


def _supersede(conn: psycopg.Connection, feed: CsvFeed, f: InboxFile, file_id: int) -> str | None:
    """A snapshot feed's new version replaces the rows of the older ones (kept in raw.superseded_rows)."""
    if not feed.snapshot:
        return None
    moved = copy_load.supersede(conn, feed.table, f.name, file_id)
    return f"replaces the earlier version ({moved} rows moved to raw.superseded_rows)" if moved else None


def _land_csv(conn: psycopg.Connection, feed: CsvFeed, f: InboxFile, file_id: int, data: bytes,
              parsed: csv_rows.ParsedCsv | None = None) -> FileOutcome:
    parsed = parsed if parsed is not None else csv_rows.parse_file(feed, data, text_format=True)
    quarantined = parsed.quarantined
    if parsed.plain is not None:  # the fast way for a plain file: each distinct text checked, lines COPYed as is
        good = parsed.plain
        note = _supersede(conn, feed, f, file_id)
        loaded = copy_load.copy_csv_text(conn, feed.table, feed.columns, file_id, csv_rows.plain_copy_chunks(parsed),
                                         csv_rows.FILE_ID, parsed.copy_format) if good else 0
        if loaded != len(good):
            raise copy_load.CountMismatch(f"{len(good)} rows sent but the server took {loaded}")
        notes = [n for n in (_summary(quarantined), note) if n]
        return FileOutcome(_status(loaded, len(quarantined)), loaded + len(quarantined), loaded, quarantined,
                           "; ".join(notes) or None)
    valid = parsed.rows
    check = None
    if feed.kind == "catalog":
        check = catalog.check_rows(conn, valid, quarantined)
    elif feed.whole:
        check = snapshots.check(feed.kind, data, valid, quarantined)
    if check is not None and check.invalid:
        detail = f"rejected, nothing applied: {len(check.errors)} invalid " \
            f"row{'s' if len(check.errors) != 1 else ''}: " + "; ".join(check.errors)
        return FileOutcome("rejected", len(check.rejected), 0, check.rejected, detail, check.errors)
    notes = [_summary(quarantined), _supersede(conn, feed, f, file_id)]
    if not valid and not quarantined:
        notes.append("header only: a valid empty file")
    columns = ("file_id", "line_number", *feed.columns, "raw_record")
    rows = ((file_id, line, *values, raw) for line, values, raw in valid)
    if feed.dated:  # the file name's date, on every row
        day = snapshot_date(f.name)
        columns = (*columns, "snapshot_date")
        rows = ((file_id, line, *values, raw, day) for line, values, raw in valid)
    loaded = copy_load.copy_rows(conn, feed.table, columns, rows) if valid else 0
    if loaded != len(valid):
        raise copy_load.CountMismatch(f"{len(valid)} rows sent but the server took {loaded}")
    return FileOutcome(_status(loaded, len(quarantined)), loaded + len(quarantined), loaded, quarantined,
                       "; ".join(n for n in notes if n) or None)


def land_file(conn: psycopg.Connection, f: InboxFile, data: bytes, sha256: str, as_of: datetime,
              parsed: csv_rows.ParsedCsv | staging.StagedExtract | None = None) -> LandedFile | None:
    """Land one version of a file, or return None when its latest version already has this content.

    parsed: what prefetch.prepare worked out ahead (an orders file's COPY text, a CSV file's lines or rows),
    else the file is parsed here. An orders extract lands as a batch of one (batch.land_orders). Everything
    happens in one transaction: a failure, a crash or a kill leaves no trace of the file. conn is in
    autocommit mode: the transaction's BEGIN and COMMIT travel with its first and last statements
    (manifest.begin_and_open, manifest.close_and_commit).
    """
    if not conn.autocommit or conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        raise RuntimeError("land_file needs an autocommit connection outside any transaction")
    if f.kind == "orders":  # a batch of one (batch.land_orders)
        landed = batch.land_orders(conn, [batch.Extract(f, data, sha256, parsed)], as_of)
        return landed[0] if landed else None
    try:
        opened = manifest.begin_and_open(conn, f, sha256, len(data), as_of)
        if opened is None:
            conn.execute("rollback")
            return None
        file_id, version = opened
        table = None
        if f.kind == UNKNOWN:
            outcome = FileOutcome("unknown_kind", detail=f.detail)
        else:
            feed = feed_for(f.kind, data)
            table = feed.table
            outcome = _land_csv(conn, feed, f, file_id, data, parsed)
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
