"""The order event's columns are declared once (landing/order_columns.py): the DDL and the staging agree with it."""

from __future__ import annotations

from iaas_billing.base import db
from iaas_billing.landing import copy_load, order_columns, parse_orders, staging

from .conftest import event

# name, type as Postgres spells it, collation when not the type's default, not null: what a column is
CATALOG = """
    select a.attname::text, format_type(a.atttypid, a.atttypmod),
           case when a.attcollation <> t.typcollation then c.collname::text end, a.attnotnull
    from pg_attribute as a
    inner join pg_type as t on t.oid = a.atttypid
    left join pg_collation as c on c.oid = a.attcollation
    where a.attrelid = %s::regclass and a.attnum > 0 and not a.attisdropped
    order by a.attnum
"""


def _columns(conn, relation: str) -> list[tuple]:
    return conn.execute(CATALOG, (relation,)).fetchall()


def test_raw_order_events_is_file_id_then_the_declared_columns(warehouse_url):
    """010_raw.sql's raw.order_events (after every migration of warehouse.init) equals the Python declaration,
    rendered by Postgres itself from a temp table made of it: names, order, types, collation, nullability."""
    definitions = ", ".join(f"{name} {definition}" for name, definition in order_columns.EVENT_COLUMNS)
    with db.connect(warehouse_url) as conn:
        copy_load.prepare_session(conn)  # first: it sets temp_buffers, refused once the session has a temp table
        conn.execute(f"create temp table declared_order_events (file_id bigint not null, {definitions})")
        declared = _columns(conn, "pg_temp.declared_order_events")
        assert _columns(conn, "raw.order_events") == declared
        assert [c[0] for c in declared] == ["file_id", *order_columns.NAMES]
        # the session's staging table: file_name, the declared columns, first_in_file
        staged = _columns(conn, "pg_temp.landing_order_events")
        assert staged[1:-1] == declared[1:]
        assert [c[0] for c in staged] == list(staging.STAGE_COLUMNS)


def test_a_parsed_event_and_its_staging_row_follow_the_declaration():
    data = (event("e1") + "\n" + event("e2", "CREATE", components='[{"sku": "cpu", "quantity": 2}]') + "\n"
            + '{"event_id": "e3", "event_time": "2026-10-03T14:05:09Z", "seq": 1, "account_id": "A", '
              '"resource_id": "vm-1", "event_type": "SUSPEND"}\n').encode()
    items = list(parse_orders.parse(data))
    assert all(len(item) == len(order_columns.NAMES) for item in items)
    # the plain file's fast formatting (no escaping) gives the row the general formatting gives
    extract = staging.StagedExtract("orders_x.jsonl")
    rows = b"".join(staging.stream(extract, data)).decode().splitlines()
    assert [row.split("\t") for row in rows] == [
        ["orders_x.jsonl", *map(staging._field, item), "t"] for item in items]
    assert all(len(row.split("\t")) == len(staging.STAGE_COLUMNS) for row in rows)
