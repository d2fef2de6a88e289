"""Hand-made raw rows for the rating tests, written straight into the landing DDL's tables (raw.*).

Each call lands one "file" (a raw.inbox_files row) and its rows, the way iaas_billing.landing does,
so that file_id order is processing order (later uploads win, first landing of an event_id stands).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from iaas_billing.base import db
from tests import tax_tables

_counter = itertools.count(1)


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


class RawWriter:
    def __init__(self, url):
        self.url = url

    def _file(self, conn, name: str, kind: str, rows: int) -> int:
        sha = hashlib.sha256(f"{name}-{next(_counter)}".encode()).hexdigest()
        version = conn.execute("select coalesce(max(version), 0) + 1 from raw.inbox_files where file_name = %s",
                               (name,)).fetchone()[0]
        return conn.execute(
            "insert into raw.inbox_files (file_name, file_kind, sha256, size_bytes, version, rows_read,"
            " rows_loaded, rows_quarantined, status, processed_at)"
            " values (%s, %s, %s, 0, %s, %s, %s, 0, 'landed', now())"
            " returning file_id", (name, kind, sha, version, rows, rows)).fetchone()[0]

    def accounts(self, rows: list[tuple], name: str = "accounts_20261001.csv") -> int:
        """rows: (account_id, country, currency[, tax_id, payment_terms_days]) (None: the file leaves it empty)."""
        with db.connect(self.url) as conn, conn.transaction():
            file_id = self._file(conn, name, "accounts", len(rows))
            for n, row in enumerate(rows, start=2):
                account_id, country, currency, tax_id, terms = (*row, None, None)[:5]
                conn.execute(
                    "insert into raw.accounts (file_id, line_number, account_id, account_name, country, currency,"
                    " created_at, tax_id, payment_terms_days, raw_record)"
                    " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (file_id, n, account_id, f"{account_id} Ltd", country, currency,
                     ts("2026-01-01T00:00:00Z"), tax_id, terms, f"{account_id},{country},{currency}"))
        return file_id

    def tax_tables(self, snapshot: str = tax_tables.SNAPSHOT, *, countries=None,
                   entities: bool = True) -> tuple[int, int | None]:
        """The tax tables a period with SO lines needs to close (insert_tax_tables)."""
        with db.connect(self.url) as conn, conn.transaction():
            return insert_tax_tables(conn, self._file, snapshot, countries=countries, entities=entities)

    def prices(self, rows: list[tuple], name: str = "catalog_20260101.csv") -> int:
        """rows: (sku, charge_type, tenant, currency, unit_price, idle_unit_price, effective_from 'YYYY-MM-DD')."""
        with db.connect(self.url) as conn, conn.transaction():
            file_id = self._file(conn, name, "catalog", len(rows))
            for n, (sku, charge_type, tenant, currency, price, idle, eff) in enumerate(rows, start=2):
                conn.execute(
                    "insert into raw.catalog_prices (file_id, line_number, sku, product_name, category, charge_type,"
                    " unit, tenant, currency, unit_price, idle_unit_price, effective_from, raw_record)"
                    " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (file_id, n, sku, sku, "compute", charge_type, "unit", tenant, currency,
                     Decimal(str(price)), Decimal(str(idle)), eff, f"{sku},{tenant},{currency}"))
        return file_id

    def events(self, rows: list[dict], name: str = "orders_20261001T00.jsonl") -> int:
        """rows: dicts with event_id, event_time, seq, account_id, resource_id, event_type[, components]."""
        with db.connect(self.url) as conn, conn.transaction():
            file_id = self._file(conn, name, "orders", len(rows))
            for n, ev in enumerate(rows, start=1):
                record = json.dumps(ev, sort_keys=True)
                components = ev.get("components")
                conn.execute(
                    "insert into raw.order_events (file_id, line_number, event_id, event_time, seq, account_id,"
                    " resource_id, resource_type, region, event_type, components, content_hash, raw_record)"
                    " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (file_id, n, ev["event_id"], ts(ev["event_time"]), ev["seq"], ev["account_id"],
                     ev["resource_id"], ev.get("resource_type", "vm"), ev.get("region", "eu-central"),
                     ev["event_type"], None if components is None else json.dumps(components),
                     hashlib.sha256(record.encode()).hexdigest(), record))
        return file_id

    def repeats(self, rows: list[tuple], name: str = "orders_20261001T05.jsonl") -> int:
        """rows: (event_id, is_conflict)."""
        with db.connect(self.url) as conn, conn.transaction():
            file_id = self._file(conn, name, "orders", len(rows))
            for n, (event_id, is_conflict) in enumerate(rows, start=1):
                conn.execute("insert into raw.order_event_repeats (file_id, line_number, event_id, content_hash,"
                             " is_conflict, raw_record) values (%s, %s, %s, %s, %s, %s)",
                             (file_id, n, event_id, "other" if is_conflict else "same", is_conflict, "{}"))
        return file_id


def insert_tax_tables(conn, new_file: Callable[..., int], snapshot: str = tax_tables.SNAPSHOT, *, countries=None,
                      entities: bool = True) -> tuple[int, int | None]:
    """The tax tables a period with SO lines needs to close (rules §9), as tests/tax_tables.write delivers them:
    raw.tax_rates rows of a tax_rates_<snapshot>.csv file of tax_tables.RATES and raw.sales_entities rows of a
    sales_entities_<snapshot>.csv file, for `countries` (default all 12), each with its raw.inbox_files row
    (new_file(conn, name, kind, rows) -> file_id). Returns the two file_ids (the second None without entities)."""
    day = datetime.strptime(snapshot, "%Y%m%d").date()
    chosen = [c for c in sorted(tax_tables.RATES) if countries is None or c in countries]
    rates_id = new_file(conn, f"tax_rates_{snapshot}.csv", "tax_rates", len(chosen))
    for n, country in enumerate(chosen, start=2):
        tax_name, rate, reverse_charge = tax_tables.RATES[country]
        conn.execute(
            "insert into raw.tax_rates (file_id, line_number, snapshot_date, country, tax_name, rate, reverse_charge,"
            " effective_from, raw_record) values (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (rates_id, n, day, country, tax_name, rate, reverse_charge, tax_tables.EFFECTIVE_FROM,
             f"{country},{tax_name},{rate},{str(reverse_charge).lower()},{tax_tables.EFFECTIVE_FROM}"))
    if not entities:
        return rates_id, None
    entities_id = new_file(conn, f"sales_entities_{snapshot}.csv", "sales_entities", len(chosen))
    for n, country in enumerate(chosen, start=2):
        row = tax_tables.entity(country)
        conn.execute(
            "insert into raw.sales_entities (file_id, line_number, snapshot_date, country, legal_name, address,"
            " tax_registration_id, raw_record) values (%s, %s, %s, %s, %s, %s, %s, %s)",
            (entities_id, n, day, *row, ",".join(row)))
    return rates_id, entities_id


def event(event_id: str, when: str, seq: int, account: str, resource: str, kind: str,
          components: dict[str, float | int | str] | None = None) -> dict:
    ev = {"event_id": event_id, "event_time": when, "seq": seq, "account_id": account,
          "resource_id": resource, "event_type": kind}
    if components is not None:
        ev["components"] = [{"sku": sku, "quantity": q} for sku, q in components.items()]
    return ev
