"""Writes a period's issued charges of one tenant as a FOCUS 1.2 CostAndUsage dataset (marts.fct_focus_charges).

The rows (per invoice line: one per resource and one for the line's rounding; per SO invoice, one Tax row per tax
group) and every figure in them come from the mart; this module only filters, orders and writes them
(docs/finance.md).
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from psycopg import sql
from sqlalchemy.engine import URL

from iaas_billing.base import db
from iaas_billing.base.errors import BillingError

SOURCE = "fct_focus_charges"
HELPER_COLUMNS = ("tenant", "billing_period")  # the model's filter columns, not FOCUS columns


def _relation_exists(conn, name: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null", (f"marts.{name}",)).fetchone()[0]


def fetch(period: date, tenant: str, url: URL | None = None) -> tuple[list[str], list[tuple]]:
    """The FOCUS columns and rows of a tenant's issued charges of a period, in invoice and line order, each invoice's
    Tax rows after its lines."""
    with db.connect(url) as conn:
        if not _relation_exists(conn, SOURCE):
            raise BillingError(f"marts.{SOURCE} does not exist: run `iaas-billing run` to build the marts first")
        cur = conn.execute(
            sql.SQL("select * from marts.{} where tenant = %s and billing_period = %s "
                    'order by "InvoiceId", "x_InvoiceLineNumber", "ResourceId" nulls last, "ChargeCategory" desc, '
                    '"ChargeDescription"')
            .format(sql.Identifier(SOURCE)), (tenant, period))
        names = [c.name for c in cur.description]
        keep = [i for i, n in enumerate(names) if n not in HELPER_COLUMNS]
        rows = [tuple(row[i] for i in keep) for row in cur.fetchall()]
    return [names[i] for i in keep], rows


def csv_value(value) -> str:
    """FOCUS CSV text: ISO 8601 UTC instants with Z, decimals always with a point (typed as decimal), true/false,
    '' for null."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text if "." in text else text + ".0"
    return str(value)


def write_csv(path: Path, columns: list[str], rows: list[tuple]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([csv_value(v) for v in row])


def write_parquet(path: Path, columns: list[str], rows: list[tuple]) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise BillingError(f"{path}: Parquet needs pyarrow (pip install pyarrow); write a .csv instead") from exc
    data = {name: [row[i] for row in rows] for i, name in enumerate(columns)}
    pq.write_table(pa.table(data), path)


def export(period: date, tenant: str, out: Path, url: URL | None = None) -> int:
    """Write the dataset to out (CSV, or Parquet for *.parquet); returns the number of rows."""
    if tenant not in ("SO", "HO"):
        raise BillingError(f"unknown tenant {tenant!r}: SO or HO")
    columns, rows = fetch(period, tenant, url)
    if not rows:
        raise BillingError(f"no issued {tenant} invoice lines for period {period:%Y-%m}: nothing to export")
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".parquet":
        write_parquet(out, columns, rows)
    else:
        write_csv(out, columns, rows)
    return len(rows)
