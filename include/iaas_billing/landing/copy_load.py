"""Bulk writes with COPY: feed rows, quarantined rows, the orders dedup via a temp table, snapshot supersession."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import psycopg
from psycopg import sql

from iaas_billing.landing.records import Quarantined

ORDERS_STAGE = """
create temp table if not exists landing_order_events (
    line_number integer not null,
    event_id text not null,
    event_time timestamptz not null,
    seq bigint not null,
    account_id text not null,
    resource_id text not null,
    resource_type text,
    region text,
    event_type text not null,
    components jsonb,
    content_hash text not null,
    raw_record text not null,
    first_in_file boolean not null
) on commit delete rows
"""

ORDER_COLUMNS = ("line_number", "event_id", "event_time", "seq", "account_id", "resource_id", "resource_type",
                 "region", "event_type", "components", "content_hash", "raw_record", "first_in_file")

# One statement lands the staged events. The first line of each event_id in this file is inserted unless an
# earlier file landed it (ON CONFLICT). Every other line is a repeat of the landing that stands: the one just
# inserted, or else the earlier one, looked up by primary key only for those lines (the scalar subquery sees
# the table as it was before this statement). A repeat whose content hash differs is a conflict.
LAND_STAGED = """
with inserted as (
    insert into raw.order_events (file_id, line_number, event_id, event_time, seq, account_id, resource_id,
                                  resource_type, region, event_type, components, content_hash, raw_record)
    select %(file_id)s, line_number, event_id, event_time, seq, account_id, resource_id,
           resource_type, region, event_type, components, content_hash, raw_record
    from landing_order_events
    where first_in_file
    on conflict (event_id) do nothing
    returning event_id, line_number, content_hash
),

repeats as (
    insert into raw.order_event_repeats (file_id, line_number, event_id, content_hash, is_conflict, raw_record)
    select %(file_id)s, staged.line_number, staged.event_id, staged.content_hash,
           staged.content_hash <> coalesce(
               inserted.content_hash,
               (select earlier.content_hash from raw.order_events as earlier
                where earlier.event_id = staged.event_id)),
           staged.raw_record
    from landing_order_events as staged
    left join inserted on inserted.event_id = staged.event_id
    where inserted.line_number is distinct from staged.line_number
    returning is_conflict
)

select (select count(*) from inserted), (select count(*) from repeats),
       (select count(*) from repeats where is_conflict)
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


def copy_csv_lines(conn: psycopg.Connection, table: str, columns: Iterable[str], file_id: int,
                   lines: list[tuple[int, str]]) -> int:
    """COPY checked CSV lines as they are (the server parses the fields), each with its file_id, its line
    number and itself as raw_record. Only for lines without quote, CR or NUL (parse_csv.read_plain)."""
    statement = sql.SQL("copy {} (file_id, line_number, {}, raw_record) from stdin (format csv)").format(
        sql.Identifier("raw", table), sql.SQL(", ").join(map(sql.Identifier, columns)))
    prefix = f"{file_id},"
    with conn.cursor() as cur:
        with cur.copy(statement) as copy:
            for start in range(0, len(lines), 10_000):
                copy.write("".join(f'{prefix}{number},{line},"{line}"\n'
                                   for number, line in lines[start:start + 10_000]))
        return cur.rowcount


def copy_quarantine(conn: psycopg.Connection, file_id: int, file_name: str, rows: list[Quarantined]) -> int:
    if not rows:
        return 0
    return copy_rows(conn, "quarantined_rows",
                     ("file_id", "file_name", "line_number", "reason_code", "reason", "raw_record"),
                     ((file_id, file_name, q.line_number, q.reason_code, q.reason, q.raw_record) for q in rows))


def stage_orders(conn: psycopg.Connection, items: Iterator[tuple | Quarantined],
                 quarantined: list[Quarantined]) -> int:
    """COPY the parsed events into the session's temp table (quarantined ones set aside).

    The temp table (prepare_session) empties itself at every commit or rollback.
    """
    seen: set[str] = set()
    with conn.cursor() as cur:
        with cur.copy(sql.SQL("copy landing_order_events ({}) from stdin").format(
                sql.SQL(", ").join(map(sql.Identifier, ORDER_COLUMNS)))) as copy:
            for item in items:
                if type(item) is tuple:
                    event_id = item[1]
                    copy.write_row((*item, event_id not in seen))
                    seen.add(event_id)
                else:
                    quarantined.append(item)
        return cur.rowcount


def land_staged_orders(conn: psycopg.Connection, file_id: int) -> tuple[int, int, int]:
    """(first landings, repeats, conflicting repeats) of the staged events, in one set-based statement."""
    with conn.cursor() as cur:
        cur.execute(LAND_STAGED, {"file_id": file_id})
        first, repeats, conflicts = cur.fetchone()
        return first, repeats, conflicts


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
