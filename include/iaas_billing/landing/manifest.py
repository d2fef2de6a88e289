"""The file manifest raw.inbox_files: a file's transaction opens with the lock and its row, and closes with it."""

from __future__ import annotations

from datetime import datetime

import psycopg
from psycopg import sql

from iaas_billing.landing.discover import InboxFile
from iaas_billing.landing.records import FileOutcome

# pg_advisory_xact_lock key held by the transaction that lands one file: two runs never land at once,
# and the second one sees the first one's manifest row when it gets the lock.
LANDING_LOCK = 7_100_010

# One round trip: begin, lock, then insert the next version of the file unless its latest version has this
# very content. The insert is a statement of its own, so under READ COMMITTED it reads the manifest after
# the lock is granted and sees whatever a concurrent run committed before.
# synchronous_commit off: a server crash can lose only the last few files landed, whole (manifest row and
# rows together), and the next run lands them again; any later synchronous commit makes them durable first.
_OPEN = """begin;
select pg_advisory_xact_lock({lock}), set_config('synchronous_commit', 'off', true);
with latest as (
    select version, sha256 from raw.inbox_files where file_name = {name}
    order by version desc limit 1
)
insert into raw.inbox_files (file_name, file_kind, sha256, size_bytes, version, delivered_at,
                             rows_read, rows_loaded, rows_quarantined, status, processed_at)
select {name}, {kind}, {sha}, {size}, coalesce((select version from latest), 0) + 1,
       {delivered}::timestamptz, 0, 0, 0, 'landing', {as_of}::timestamptz
where (select sha256 from latest) is distinct from {sha}
returning file_id, version"""

_CLOSE = "select raw.close_inbox_file({}, {}, {}, {}, {}, {}, {}); commit"


def latest_hashes(conn: psycopg.Connection) -> dict[str, str]:
    """file name -> sha256 of its latest version (a hint read without the lock; rechecked under it)."""
    rows = conn.execute(
        "select distinct on (file_name) file_name, sha256 from raw.inbox_files order by file_name, version desc")
    return dict(rows.fetchall())


def begin_and_open(conn: psycopg.Connection, f: InboxFile, sha256: str, size: int,
                   as_of: datetime) -> tuple[int, int] | None:
    """Begin the file's transaction, take the lock and insert its next version (status 'landing').

    (file_id, version), or None when the name's latest version has this very content (already processed;
    the transaction is still open: roll it back). conn must be in autocommit mode (the BEGIN is ours).
    """
    statement = sql.SQL(_OPEN).format(
        lock=sql.Literal(LANDING_LOCK), name=sql.Literal(f.name), kind=sql.Literal(f.kind),
        sha=sql.Literal(sha256), size=sql.Literal(size), delivered=sql.Literal(f.delivered_at),
        as_of=sql.Literal(as_of))
    cur = conn.execute(statement)  # no parameters: several statements in one round trip
    while cur.nextset():
        pass
    row = cur.fetchone()
    return (row[0], row[1]) if row else None


def close_and_commit(conn: psycopg.Connection, file_id: int, outcome: FileOutcome, table: str | None) -> None:
    """Recount and write the counts and status (raw.close_inbox_file), then commit, in one round trip.

    A recount that differs raises in the database: the COMMIT after it never runs.
    """
    conn.execute(sql.SQL(_CLOSE).format(*map(sql.Literal, (
        file_id, outcome.rows_read, outcome.rows_loaded, outcome.rows_quarantined, outcome.status,
        outcome.detail, table))))
