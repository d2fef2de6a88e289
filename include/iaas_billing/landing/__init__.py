"""Lands inbox files into the raw schema exactly once: delivery order, versions, quarantine, COPY."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from sqlalchemy.engine import URL

from iaas_billing.base.errors import BillingError, TransientError

log = logging.getLogger(__name__)


@dataclass
class LandingReport:
    files_seen: int = 0          # visible (delivered by as_of) inbox files, processed or not
    files_landed: int = 0        # file versions recorded in the manifest by this run, whatever their status
    files_skipped: int = 0       # already processed with the same content
    files_not_read: int = 0      # of those, not even read: unchanged since a run hashed them (stat_cache.py)
    rows_loaded: int = 0
    rows_quarantined: int = 0
    new_versions: list[str] = field(default_factory=list)    # names landed as version 2, 3 …
    rejected_files: list[str] = field(default_factory=list)  # "name: every error" of rejected catalogue uploads
    rejections: dict[str, list[str]] = field(default_factory=dict)  # name -> every error, one per line
    unknown_files: list[str] = field(default_factory=list)   # names that match no file kind (recorded)
    quarantined_files: list[str] = field(default_factory=list)  # names with at least one quarantined row
    unreadable_files: list[str] = field(default_factory=list)  # could not be read; retried next run
    ignored_entries: list[str] = field(default_factory=list)   # hidden files, directories, symlinks
    files_not_yet_delivered: int = 0  # present but delivered after as_of (decisions.md clock)


def _as_utc(as_of: datetime | None) -> datetime:
    if as_of is None:
        return datetime.now(UTC)
    return as_of.replace(tzinfo=UTC) if as_of.tzinfo is None else as_of.astimezone(UTC)


def land_inbox(inbox: Path, as_of: datetime | None = None, url: URL | None = None) -> LandingReport:
    """Land every inbox file delivered by as_of (default: now) that is not processed yet, in delivery order.

    Each file version lands with its manifest row under an advisory lock, so reruns, concurrent runs and a
    retry after a crash never land a file twice. Consecutive orders extracts land several per transaction
    (batch.py), every other file in a transaction of its own (land.py).
    """
    from iaas_billing.base import db, locks, warehouse
    from iaas_billing.landing import batch, copy_load, discover, land, manifest, prefetch, stat_cache

    as_of = _as_utc(as_of)
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise BillingError(f"inbox {inbox} is not a directory")
    url = warehouse.require(url)
    scan = discover.scan(inbox, as_of)
    report = LandingReport(files_seen=len(scan.visible), ignored_entries=scan.ignored,
                           files_not_yet_delivered=scan.not_yet_delivered)

    def guarded(names: list[str], call):
        """call(), its errors turned into one BillingError naming the file (or the batch's files)."""
        shown = repr(names[0]) if len(names) == 1 else f"{names[0]!r} and {len(names) - 1} more extracts"
        try:
            return call()
        except psycopg.OperationalError as exc:
            if db.connection_lost(exc):  # the server crashed or restarted: a retry lands the file
                raise TransientError(f"cannot land {shown}: lost the database at {db.where(url)}: "
                                     f"{_first_line(exc)}") from exc
            raise BillingError(f"cannot land {shown}: {_first_line(exc)}") from exc
        except (psycopg.Error, copy_load.CountMismatch) as exc:
            raise BillingError(f"cannot land {shown}: {_first_line(exc)}") from exc

    def record(landed: list, tried: int) -> None:
        report.files_skipped += tried - len(landed)  # another run landed them since we looked
        for one in landed:
            _record(report, one)

    def land_extracts(extracts: list) -> None:
        if not extracts:
            return
        names = [e.file.name for e in extracts]
        try:
            record(guarded(names, lambda: batch.land_orders(conn, extracts, as_of)), len(extracts))
        except BillingError as exc:
            if len(extracts) == 1 or isinstance(exc.__cause__, psycopg.OperationalError):
                raise
            # Nothing of the batch landed: land its files one by one, so the files before the one that
            # fails land as they would have alone, and the error names that file.
            log.warning("batch of %d extracts failed (%s); landing them one by one", len(extracts), exc)
            for extract in extracts:
                record(guarded([extract.file.name], lambda e=extract: batch.land_orders(conn, [e], as_of)), 1)
        extracts.clear()

    with locks.warehouse_writer(url, "landing"), \
            db.connect(url, autocommit=True, phase="landing") as conn:  # each transaction is explicit (land.py, batch.py)
        copy_load.prepare_session(conn)
        known = manifest.latest_hashes(conn)
        cached = stat_cache.load(conn)
        to_read = []
        for f in scan.visible:
            if stat_cache.unchanged(cached.get(f.name), known.get(f.name), stat_cache.stat_of(f.path)):
                report.files_skipped += 1
                report.files_not_read += 1
            else:
                to_read.append(f)
        looked: dict[str, stat_cache.Hashed] = {}  # how this run found the files it read
        pending: list[batch.Extract] = []
        for item in prefetch.prepared(to_read, known):
            f = item.file
            if item.read_error is not None:
                log.warning("cannot read inbox file %s: %s", f.name, item.read_error)
                report.unreadable_files.append(f.name)
                continue
            if item.hashed is not None:
                looked[f.name] = item.hashed
            if known.get(f.name) == item.sha256:
                report.files_skipped += 1
                continue
            if f.kind == "orders":
                if pending and (len(pending) >= batch.MAX_FILES
                                or sum(len(e.data) for e in pending) + len(item.data) > batch.MAX_BYTES):
                    land_extracts(pending)
                pending.append(batch.Extract(f, item.data, item.sha256, item.parsed))
                continue
            land_extracts(pending)
            landed = guarded([f.name], lambda i=item: land.land_file(conn, i.file, i.data, i.sha256, as_of,
                                                                     parsed=i.parsed))
            record([landed] if landed is not None else [], 1)
        land_extracts(pending)
        stat_cache.save(conn, looked)
    return report


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _record(report: LandingReport, landed) -> None:
    outcome = landed.outcome
    report.files_landed += 1
    report.rows_loaded += outcome.rows_loaded
    report.rows_quarantined += outcome.rows_quarantined
    if landed.version > 1:
        report.new_versions.append(landed.name)
    if outcome.status == "rejected":
        report.rejections[landed.name] = outcome.errors
        report.rejected_files.append(f"{landed.name}: {outcome.detail}")
    elif outcome.status == "unknown_kind":
        report.unknown_files.append(landed.name)
    elif outcome.rows_quarantined:
        report.quarantined_files.append(landed.name)
