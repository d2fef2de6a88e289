"""Catalogue uploads are all-or-nothing: the public validator, cross-row checks, the rejection of a whole file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import psycopg

from iaas_billing.landing import csv_rows
from iaas_billing.landing.csv_rows import Row
from iaas_billing.landing.feeds import CATALOG
from iaas_billing.landing.records import Quarantined
from iaas_billing.landing.values import shown

RULES = ("2.1", "2.4")  # docs/rules.md: a catalogue upload is accepted whole or rejected whole

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


@dataclass
class CatalogCheck:
    """The verdict on a catalogue file's rows: the valid ones, and the invalid ones with every reason."""

    valid: list[Row]             # (line, typed values, raw) of the rows that pass every check
    invalid: list[Quarantined]   # the rows that fail one, in line order

    @property
    def ok(self) -> bool:
        return not self.invalid

    @property
    def errors(self) -> list[str]:
        """Every error, one per invalid row: 'line N: reason'."""
        return [f"line {q.line_number}: {q.reason}" for q in self.invalid]

    @property
    def rejected(self) -> list[Quarantined]:
        """Every row of the file as quarantined when it is rejected whole: the invalid ones with their reason,
        the valid ones with file_rejected (so the upload's rows are conserved)."""
        count = len(self.invalid)
        note = f"file rejected: {count} invalid row{'s' if count != 1 else ''} elsewhere in the file"
        rows = self.invalid + [Quarantined(line, "file_rejected", note, raw) for line, _, raw in self.valid]
        return sorted(rows, key=lambda q: q.line_number)


def check_rows(conn: psycopg.Connection, rows: list[Row], quarantined: list[Quarantined],
               extra_checks: Callable[[list[Row]], list[Quarantined]] | None = None) -> CatalogCheck:
    """The checks of an upload on already parsed rows: SKU attributes (within the file and against the accepted
    uploads), then extra_checks on the rows still valid; quarantined are the rows the parser refused."""
    conflicts = sku_conflicts(conn, rows) if rows else []
    bad = {q.line_number for q in conflicts}
    valid = [row for row in rows if row[0] not in bad]
    more = extra_checks(valid) if extra_checks is not None and valid else []
    bad = {q.line_number for q in more}
    invalid = sorted(quarantined + conflicts + more, key=lambda q: q.line_number)
    return CatalogCheck([row for row in valid if row[0] not in bad], invalid)


def validate(conn: psycopg.Connection, data: bytes,
             extra_checks: Callable[[list[Row]], list[Quarantined]] | None = None) -> CatalogCheck:
    """Check a catalogue file's bytes exactly as the landing checks an upload, without landing anything.

    The header and every field (iaas_billing.landing.feeds.CATALOG), duplicate price keys, and each SKU's
    product_name, category, charge_type and unit against its other rows and against the first accepted upload
    that priced it (read from raw.catalog_prices over conn). extra_checks(valid rows) may add the caller's own
    rules; the rows it returns count as invalid. The upload would be accepted when the result is .ok; else
    .errors names every problem ("line N: reason") and .invalid holds the rows with their reason codes.
    """
    rows, quarantined = csv_rows.parse_feed(CATALOG, data)
    return check_rows(conn, rows, quarantined, extra_checks)
