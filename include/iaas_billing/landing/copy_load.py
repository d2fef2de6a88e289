"""Bulk writes with COPY: feed rows, quarantined rows, the orders dedup via a temp table, snapshot supersession."""

from __future__ import annotations

from collections.abc import Iterable

import psycopg
from psycopg import sql

from iaas_billing.landing.order_columns import EVENT_COLUMNS, NAMES
from iaas_billing.landing.records import Quarantined
from iaas_billing.landing.staging import STAGE_COLUMNS

RULES = ("3.4",)  # docs/rules.md: a redelivered event_id: a repeat, or a conflict when its content differs

# The session's staging table: an extract's events as parsed, with their file and whether each is its file's first.
ORDERS_STAGE = ("create temp table if not exists landing_order_events (\n    file_name text not null,\n"
                + "".join(f"    {name} {definition},\n" for name, definition in EVENT_COLUMNS)
                + "    first_in_file boolean not null\n) on commit delete rows")
_EVENT = ", ".join(NAMES)
_STAGED_EVENT = ", ".join(f"staged.{name}" for name in NAMES)

# One statement lands the staged events of a batch of extracts (files: name and file_id, in processing order).
# Each event_id's first line in the batch is inserted unless an earlier batch landed it (NOT EXISTS, a primary key
# probe): its first line in its file (first_in_file), unless an earlier file of the batch has it too (late: those
# (file, event_id), worked out by the caller). Every other line is a repeat of the landing that stands: the one just
# inserted, or else the earlier one, looked up by primary key only for those lines (the scalar subquery sees the
# table as it was before this statement). A repeat whose content hash differs is a conflict. Counts come back per
# file. A plain INSERT, not ON CONFLICT DO NOTHING: a speculative insertion writes a second WAL record per row
# (its confirmation) and cost ~8 % more server CPU for the statement (docs/landing.md, Speed). The landing lock
# (manifest.LANDING_LOCK, held by every landing transaction) means nobody else inserts an event_id between the
# probe and the insert; if anything ever did, the primary key would fail the batch (then retried file by file,
# failing with the error): never a silent double.
LAND_STAGED = f"""
with files as (
    select file_name, file_id
    from unnest(%(names)s::text[], %(file_ids)s::bigint[]) as f (file_name, file_id)
),

firsts as (
    select files.file_id, {_STAGED_EVENT}
    from landing_order_events as staged
    inner join files using (file_name)
    left join unnest(%(late_names)s::text[], %(late_ids)s::text[]) as late (file_name, event_id)
        on late.file_name = staged.file_name and late.event_id = staged.event_id
    where staged.first_in_file and late.event_id is null
      and not exists (select from raw.order_events as earlier where earlier.event_id = staged.event_id)
),

inserted as (
    insert into raw.order_events (file_id, {_EVENT})
    select file_id, {_EVENT}
    from firsts
    returning file_id, line_number, event_id, content_hash
),

repeats as (
    insert into raw.order_event_repeats (file_id, line_number, event_id, content_hash, is_conflict, raw_record)
    select files.file_id, staged.line_number, staged.event_id, staged.content_hash,
           staged.content_hash <> coalesce(
               inserted.content_hash,
               (select earlier.content_hash from raw.order_events as earlier
                where earlier.event_id = staged.event_id)),
           staged.raw_record
    from landing_order_events as staged
    inner join files using (file_name)
    left join inserted on inserted.event_id = staged.event_id
    where (inserted.file_id, inserted.line_number) is distinct from (files.file_id, staged.line_number)
    returning file_id, is_conflict
),

quarantined as (
    insert into raw.quarantined_rows (file_id, file_name, line_number, reason_code, reason, raw_record)
    select * from unnest(%(q_file_ids)s::bigint[], %(q_names)s::text[], %(q_lines)s::integer[],
                         %(q_codes)s::text[], %(q_reasons)s::text[], %(q_raws)s::text[])
    returning file_id
)

select file_id, count(*) filter (where kind = 'first'), count(*) filter (where kind = 'repeat'),
       count(*) filter (where is_conflict), count(*) filter (where kind = 'quarantined')
from (
    select file_id, 'first' as kind, false as is_conflict from inserted
    union all
    select file_id, 'repeat', is_conflict from repeats
    union all
    select file_id, 'quarantined', false from quarantined
) as landed
group by file_id
"""


class CountMismatch(RuntimeError):
    """What the database holds for a file differs from what the parser handed over: the file is rolled back."""


def prepare_session(conn: psycopg.Connection) -> None:
    """Session settings, made before the session touches a temp table (Postgres refuses them after)."""
    conn.execute("set temp_buffers = '64MB'")  # the staged events of a file stay in memory
    conn.execute("set work_mem = '64MB'")  # the joins over a file's staged events stay in memory
    conn.execute("set jit = off")  # a file's statements touch thousands of rows: compiling costs more
    conn.execute(ORDERS_STAGE)  # outside any file transaction, so it outlives one that rolls back


def copy_rows(conn: psycopg.Connection, table: str, columns: Iterable[str], rows: Iterable[tuple]) -> int:
    """COPY rows into raw.<table>; returns the number of rows the server took."""
    statement = sql.SQL("copy {} ({}) from stdin").format(
        sql.Identifier("raw", table), sql.SQL(", ").join(map(sql.Identifier, columns)))
    with conn.cursor() as cur:
        with cur.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
        return cur.rowcount


def copy_csv_text(conn: psycopg.Connection, table: str, columns: Iterable[str], file_id: int,
                  chunks: Iterable[str], placeholder: str, copy_format: str = "csv") -> int:
    """COPY the rows of a plain CSV file (csv_rows.plain_copy_text, or plain_copy_tsv when copy_format is "text":
    file_id, line number, the fields, raw_record, one checked plain line each), with placeholder replaced by
    file_id; the server parses the fields."""
    if copy_format not in ("csv", "text"):
        raise ValueError(f"unknown COPY format {copy_format!r}")
    statement = sql.SQL("copy {} (file_id, line_number, {}, raw_record) from stdin (format {})").format(
        sql.Identifier("raw", table), sql.SQL(", ").join(map(sql.Identifier, columns)), sql.SQL(copy_format))
    with conn.cursor() as cur:
        with cur.copy(statement) as copy:
            for chunk in chunks:
                copy.write(chunk.replace(placeholder, str(file_id)))
        return cur.rowcount


def copy_quarantine(conn: psycopg.Connection, file_id: int, file_name: str, rows: list[Quarantined]) -> int:
    return copy_quarantines(conn, [(file_id, file_name, rows)])


def copy_quarantines(conn: psycopg.Connection, files: list[tuple[int, str, list[Quarantined]]]) -> int:
    """COPY the quarantined rows of several files (file_id, file_name, rows) in one COPY."""
    if not any(rows for _, _, rows in files):
        return 0
    return copy_rows(conn, "quarantined_rows",
                     ("file_id", "file_name", "line_number", "reason_code", "reason", "raw_record"),
                     ((file_id, name, q.line_number, q.reason_code, q.reason, q.raw_record)
                      for file_id, name, rows in files for q in rows))


def stage_orders(conn: psycopg.Connection, chunks: Iterable[bytes]) -> int:
    """COPY staged COPY text (staging.STAGE_COLUMNS) into the session's temp table; the rows the server took.

    The temp table (prepare_session) empties itself at every commit or rollback.
    """
    with conn.cursor() as cur:
        with cur.copy(sql.SQL("copy landing_order_events ({}) from stdin").format(
                sql.SQL(", ").join(map(sql.Identifier, STAGE_COLUMNS)))) as copy:
            for chunk in chunks:
                copy.write(chunk)
        return cur.rowcount


def land_staged_orders(conn: psycopg.Connection, files: list[tuple[str, int]], late: list[tuple[str, str]],
                       quarantines: list[tuple[int, str, list[Quarantined]]] = ()) -> dict[int, tuple[int, int, int]]:
    """file_id -> (first landings, repeats, conflicting repeats) of the staged events of files (name, file_id)
    in processing order, in one set-based statement; late: (file name, event_id) of the first lines in their
    file of events an earlier file of the batch has. A file without staged events is absent (or all zeros).

    The same statement inserts the files' quarantined rows (quarantines: file_id, file_name, rows; what
    copy_quarantines would COPY, without the two round trips of a COPY) and checks that it took them all.
    """
    rows = [(file_id, name, q) for file_id, name, quarantined in quarantines for q in quarantined]
    with conn.cursor() as cur:
        cur.execute(LAND_STAGED, {
            "names": [name for name, _ in files], "file_ids": [fid for _, fid in files],
            "late_names": [name for name, _ in late], "late_ids": [eid for _, eid in late],
            "q_file_ids": [r[0] for r in rows], "q_names": [r[1] for r in rows],
            "q_lines": [r[2].line_number for r in rows], "q_codes": [r[2].reason_code for r in rows],
            "q_reasons": [r[2].reason for r in rows], "q_raws": [r[2].raw_record for r in rows]})
        result = cur.fetchall()
    took = {row[0]: row[4] for row in result}
    for file_id, name, quarantined in quarantines:
        if took.get(file_id, 0) != len(quarantined):
            raise CountMismatch(f"{name}: {len(quarantined)} quarantined rows sent but the server took "
                                f"{took.get(file_id, 0)}")
    return {row[0]: tuple(row[1:4]) for row in result}


def supersede(conn: psycopg.Connection, table: str, file_name: str, file_id: int) -> int:
    """Move the rows of every older version of file_name out of raw.<table> into raw.superseded_rows."""
    statement = sql.SQL("""
        with moved as (
            delete from {table} as t
            using raw.inbox_files as f
            where f.file_name = %(name)s and f.file_id <> %(file_id)s and t.file_id = f.file_id
            returning t.file_id, t.line_number, t.raw_record
        )
        insert into raw.superseded_rows (source_table, file_id, line_number, raw_record, superseded_by_file_id)
        select %(table_name)s, file_id, line_number, raw_record, %(file_id)s from moved
    """).format(table=sql.Identifier("raw", table))
    with conn.cursor() as cur:
        cur.execute(statement, {"name": file_name, "file_id": file_id, "table_name": table})
        return cur.rowcount
