"""Helpers for the landing tests: hand-written inbox files, a landing call, and plain SQL reads of raw."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from iaas_billing.base import db

# Late enough that every file of the hand-made inboxes (October 2026) is delivered.
LATE = datetime(2027, 1, 1, tzinfo=UTC)

CATALOG_HEADER = "sku,product_name,category,charge_type,unit,tenant,currency,unit_price,idle_unit_price,effective_from"
ACCOUNTS_HEADER = "account_id,account_name,country,currency,created_at"
CONTROL_HEADER = "event_date,account_id,event_type,event_count"
PRIMARY_HEADER = "usage_date,account_id,sku,currency,amount"
FINANCE_HEADER = "period,account_id,currency,posted_revenue"
FX_HEADER = "period,currency,usd_per_unit"
TAX_HEADER = "country,tax_name,rate,reverse_charge,effective_from"
ENTITY_HEADER = "country,legal_name,address,tax_registration_id"


def event(event_id: str, event_type: str = "SUSPEND", *, time: str = "2026-10-03T14:05:09Z", seq: int = 1,
          account: str = "ACC-1", resource: str = "vm-1", components: str | None = None) -> str:
    """One JSONL line, written by hand (not by json.dumps) so tests control spelling and key order."""
    parts = [f'"event_id": "{event_id}"', f'"event_time": "{time}"', f'"seq": {seq}', f'"account_id": "{account}"',
             f'"resource_id": "{resource}"', '"resource_type": "vm"', '"region": "eu-central"',
             f'"event_type": "{event_type}"']
    if components is not None:
        parts.append(f'"components": {components}')
    return "{" + ", ".join(parts) + "}"


class Inbox:
    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, name: str | bytes, content: str | bytes) -> Path:
        data = content.encode() if isinstance(content, str) else content
        if isinstance(name, bytes):  # a name that is not UTF-8
            with open(os.fsencode(self.path) + b"/" + name, "wb") as handle:
                handle.write(data)
            return self.path / os.fsdecode(name)
        (self.path / name).write_bytes(data)
        return self.path / name

    def lines(self, name: str, *lines: str) -> Path:
        return self.write(name, "".join(line + "\n" for line in lines))


@pytest.fixture
def inbox(tmp_path) -> Inbox:
    path = tmp_path / "inbox"
    path.mkdir()
    return Inbox(path)


@pytest.fixture
def land(fresh_url, inbox):
    """land(as_of=LATE) -> LandingReport, against this test's own database."""
    from iaas_billing.landing import land_inbox

    def _land(as_of: datetime = LATE):
        return land_inbox(inbox.path, as_of, url=fresh_url)

    return _land


@pytest.fixture
def sql(fresh_url):
    """sql(query, *params) -> list of rows, from this test's database."""

    def _sql(query: str, *params):
        with psycopg.connect(**db.server_kwargs(fresh_url),
                             dbname=fresh_url.database) as conn:
            return conn.execute(query, params).fetchall()

    return _sql


@pytest.fixture
def manifest(sql):
    """manifest() -> {file_name: (version, rows_read, rows_loaded, rows_quarantined, status)} of latest versions."""

    def _manifest():
        rows = sql("select distinct on (file_name) file_name, version, rows_read, rows_loaded, rows_quarantined, "
                   "status from raw.inbox_files order by file_name, version desc")
        return {r[0]: tuple(r[1:]) for r in rows}

    return _manifest


@pytest.fixture
def quarantine(sql):
    """quarantine(file_name) -> [(line_number, reason_code, reason, raw_record)] in line order."""

    def _quarantine(name: str):
        return sql("select q.line_number, q.reason_code, q.reason, q.raw_record from raw.quarantined_rows q "
                   "join raw.inbox_files f using (file_id) where f.file_name = %s order by f.version, q.line_number",
                   name)

    return _quarantine
