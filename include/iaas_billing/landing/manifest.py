"""The file manifest raw.inbox_files: a transaction opens with the lock and its files' rows, and closes with them."""

from __future__ import annotations

from datetime import datetime

import psycopg
from psycopg import sql

from iaas_billing.base import locks
from iaas_billing.landing.discover import InboxFile
from iaas_billing.landing.records import FileOutcome

RULES = ("8.2",)  # docs/rules.md: each file's rows read, loaded and quarantined, kept

# pg_advisory_xact_lock key held by the transaction that lands one file: two runs never land at once,
# and the second one sees the first one's manifest row when it gets the lock.
LANDING_LOCK = locks.LANDING

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

# The same for a batch of files, in one round trip: each file's next version unless its latest version has
# this very content, inserted in processing order (so file_id follows it). The batch's dedup statement joins
# staged lines with the rows it just inserted (a CTE without statistics): a hash join, never a merge join
# that sorts both sides.
_OPEN_MANY = """begin;
select pg_advisory_xact_lock({lock}), set_config('synchronous_commit', 'off', true),
       set_config('enable_mergejoin', 'off', true);
with incoming as (
    select * from unnest({names}::text[], {kinds}::text[], {shas}::text[], {sizes}::bigint[],
                         {delivered}::timestamptz[])
        with ordinality as i (file_name, kind, sha256, size, delivered, ord)
)
insert into raw.inbox_files (file_name, file_kind, sha256, size_bytes, version, delivered_at,
                             rows_read, rows_loaded, rows_quarantined, status, processed_at)
select i.file_name, i.kind, i.sha256, i.size, coalesce(latest.version, 0) + 1, i.delivered,
       0, 0, 0, 'landing', {as_of}::timestamptz
from incoming as i
left join lateral (
    select version, sha256 from raw.inbox_files as f where f.file_name = i.file_name
    order by version desc limit 1
) as latest on true
where latest.sha256 is distinct from i.sha256
order by i.ord
returning file_name, file_id, version"""

# Closes a batch's files (each recounted by raw.close_inbox_file) and commits, in one round trip.
_CLOSE_MANY = """select count(*) from (
    select raw.close_inbox_file(file_id, rows_read, rows_loaded, rows_quarantined, status, detail, null)
    from unnest({ids}::bigint[], {read}::integer[], {loaded}::integer[], {quarantined}::integer[], {status}::text[],
                {detail}::text[]) as c (file_id, rows_read, rows_loaded, rows_quarantined, status, detail)
) as closed; commit"""


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


def begin_and_open_many(conn: psycopg.Connection, files: list[tuple[InboxFile, str, int]],
                        as_of: datetime) -> dict[str, tuple[int, int]]:
    """begin_and_open for several files (file, sha256, size) in processing order, in one round trip.

    name -> (file_id, version) of the files opened; a file whose latest version has this very content is
    left out (already processed). The transaction is open either way.
    """
    statement = sql.SQL(_OPEN_MANY).format(
        lock=sql.Literal(LANDING_LOCK), names=sql.Literal([f.name for f, _, _ in files]),
        kinds=sql.Literal([f.kind for f, _, _ in files]), shas=sql.Literal([sha for _, sha, _ in files]),
        sizes=sql.Literal([size for _, _, size in files]),
        delivered=sql.Literal([f.delivered_at for f, _, _ in files]), as_of=sql.Literal(as_of))
    cur = conn.execute(statement)
    while cur.nextset():
        pass
    return {name: (file_id, version) for name, file_id, version in cur.fetchall()}


def close_many_and_commit(conn: psycopg.Connection, closes: list[tuple[int, FileOutcome]]) -> None:
    """close_and_commit for several files (file_id, outcome) whose rows are not in a CSV feed's table."""
    conn.execute(sql.SQL(_CLOSE_MANY).format(
        ids=sql.Literal([file_id for file_id, _ in closes]),
        read=sql.Literal([o.rows_read for _, o in closes]), loaded=sql.Literal([o.rows_loaded for _, o in closes]),
        quarantined=sql.Literal([o.rows_quarantined for _, o in closes]),
        status=sql.Literal([o.status for _, o in closes]), detail=sql.Literal([o.detail for _, o in closes])))
