"""The order event's columns, declared once: name and Postgres column definition, in landing order."""

from __future__ import annotations

# raw.order_events (sql/010_raw.sql) is file_id then these columns, as declared here (tests/landing/
# test_order_columns.py compares the table with this); the parser's rows (parse_orders.COPY_COLUMNS), the
# staging COPY text (staging.STAGE_COLUMNS) and the staging table and landing statement (copy_load) derive
# from it.
EVENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("line_number", "integer not null"),
    ("event_id", 'text collate "C" not null'),
    ("event_time", "timestamptz not null"),
    ("seq", "bigint not null"),
    ("account_id", "text not null"),
    ("resource_id", "text not null"),
    ("resource_type", "text"),
    ("region", "text"),
    ("event_type", "text not null"),
    ("components", "jsonb"),
    ("content_hash", "text not null"),
    ("raw_record", "text not null"),
)
NAMES: tuple[str, ...] = tuple(name for name, _ in EVENT_COLUMNS)
