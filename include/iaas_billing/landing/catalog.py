"""Catalogue uploads are all-or-nothing: cross-row checks, and the rejection that quarantines the whole file."""

from __future__ import annotations

import psycopg

from iaas_billing.landing.feeds import CATALOG
from iaas_billing.landing.records import Quarantined
from iaas_billing.landing.values import shown

ATTRIBUTES = ("product_name", "category", "charge_type", "unit")  # the same on every row of a SKU


def _attributes(row: tuple) -> dict[str, str]:
    return {name: row[CATALOG.columns.index(name)] for name in ATTRIBUTES}


def accepted_attributes(conn: psycopg.Connection, skus: list[str]) -> dict[str, tuple[dict[str, str], str]]:
    """sku -> (attributes, file name) from the earliest accepted upload that priced it."""
    rows = conn.execute(
        """select distinct on (p.sku) p.sku, p.product_name, p.category, p.charge_type, p.unit, f.file_name
           from raw.catalog_prices as p
           inner join raw.inbox_files as f on f.file_id = p.file_id
           where p.sku = any(%s)
           order by p.sku, p.file_id, p.line_number""", (skus,)).fetchall()
    return {r[0]: (dict(zip(ATTRIBUTES, r[1:5], strict=True)), r[5]) for r in rows}


def sku_conflicts(conn: psycopg.Connection, rows: list[tuple[int, tuple, str]]) -> list[Quarantined]:
    """Rows whose SKU attributes disagree with the SKU's first row in this file or with an accepted upload."""
    problems: list[Quarantined] = []
    first: dict[str, tuple[int, dict[str, str]]] = {}
    earlier = accepted_attributes(conn, sorted({row[0] for _, row, _ in rows}))
    for line_number, row, raw in rows:
        sku, attrs = row[0], _attributes(row)
        reasons = []
        if sku in earlier:
            known, file_name = earlier[sku]
            reasons += [f"sku {shown(sku)}: {a} {shown(attrs[a])} differs from the accepted upload "
                        f"{shown(file_name)} ({shown(known[a])})" for a in ATTRIBUTES if attrs[a] != known[a]]
        if sku in first:
            at, known = first[sku]
            reasons += [f"sku {shown(sku)}: {a} {shown(attrs[a])} differs from line {at} ({shown(known[a])})"
                        for a in ATTRIBUTES if attrs[a] != known[a]]
        else:
            first[sku] = (line_number, attrs)
        if reasons:
            problems.append(Quarantined(line_number, "sku_attribute_conflict", "; ".join(reasons), raw))
    return problems


def reject(invalid: list[Quarantined], valid: list[tuple[int, tuple, str]]) -> tuple[list[Quarantined], list[str]]:
    """Every row of a rejected upload, quarantined (the valid ones say why), and every error, one line each."""
    count = len(invalid)
    note = f"file rejected: {count} invalid row{'s' if count != 1 else ''} elsewhere in the file"
    rows = invalid + [Quarantined(line, "file_rejected", note, raw) for line, _, raw in valid]
    rows.sort(key=lambda q: q.line_number)
    errors = [f"line {q.line_number}: {q.reason}" for q in sorted(invalid, key=lambda q: q.line_number)]
    return rows, errors
