"""The monthly bill run: closes each period whose end plus grace has passed (rules §5).

What to issue, and when, is decided in dbt; this module reads only the contracted interface marts
(models/marts/interface, exposure `bill_run`). `dim_billing_periods` says when each period is due (its end
plus the grace, rules 5.1) and whether it is closed: the bill run closes the open periods due at its own
clock. `fct_invoices_due` and `fct_invoice_lines_due` hold, for every period not closed yet, its invoices
and lines (regular lines and the adjustment lines due onto it), already numbered. They are views over the
`billing` ledger, so each close is seen by the next one at once. This module only copies "the rows of
those models for period M" into the ledger, one transaction per period, oldest first, under an advisory
lock; the ledger's keys (one closed_periods row per period, one line per key) make a second run issue
nothing twice.

Lineage ("every number explained", docs/explain.md): in the same transaction, right after the lines,
the bill run copies each issued line's contributing resources (the exact numerators of the line's key
per resource, `marts.fct_invoice_lineage_live`) into billing.invoice_line_sources, so an
issued line stays explainable after later data re-rates the live models. One set-based statement per
key period (the period itself, and each period its adjustment lines adjust), so that the period reaches
the rating tables as a constant.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime

import psycopg
from sqlalchemy.engine import URL

from iaas_billing.base import db, locks
from iaas_billing.base.errors import BillingError

RULES = ("5.1", "5.4", "5.5")  # docs/rules.md: closes due periods once, issuing the adjustment lines due onto them

log = logging.getLogger(__name__)

MODELS_SCHEMA = "marts"  # the interface views of models/marts/interface
# The close hashes the period's day pieces once (the lineage, per line x resource): with the server's default
# work_mem (4MB) a 100,000-resource month spills ~1 GB to disk and takes twice as long. Set for the close's
# transaction only.
CLOSE_WORK_MEM = "256MB"


@dataclass(frozen=True)
class PeriodClose:
    """What closing one period issued."""

    billing_period: date
    invoice_count: int
    line_count: int
    adjustment_line_count: int
    issued_at: datetime
    lineage_source_count: int = 0

    def __str__(self) -> str:
        return (f"closed {self.billing_period:%Y-%m}: {self.invoice_count} invoice(s), {self.line_count} line(s)"
                f" of which {self.adjustment_line_count} adjustment(s), issued at {self.issued_at.isoformat()}"
                f"; lineage: {self.lineage_source_count} line x resource row(s)")


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _due(conn: psycopg.Connection, as_of: datetime) -> list[tuple[date, datetime, datetime]]:
    """The open periods due at as_of (dim_billing_periods.due_at, rules 5.1), oldest first:
    (billing_period, period_end_at, rated_through_at). The bill run's clock may be later than the last
    build's, so it compares due_at with its own clock rather than reading is_due."""
    try:
        return conn.execute(
            "select billing_period, period_end_at, rated_through_at"
            f" from {MODELS_SCHEMA}.dim_billing_periods where not is_closed and due_at <= %s order by billing_period",
            (as_of,)).fetchall()
    except psycopg.errors.UndefinedTable as exc:
        raise BillingError("the billing models are not built yet: run `dbt build` (iaas-billing run) first") from exc


def due_periods(as_of: datetime, url: URL | None = None) -> list[date]:
    """Periods not closed yet whose end plus grace is at or before as_of, oldest first."""
    with db.connect(url, autocommit=True) as conn:
        return [period for period, _, _ in _due(conn, _as_utc(as_of))]


def _close_one(conn: psycopg.Connection, period: date, as_of: datetime) -> PeriodClose | None:
    """Issue one period's invoices and lines and mark it closed, in one repeatable-read transaction."""
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    with conn.transaction():
        if conn.execute("select 1 from billing.closed_periods where billing_period = %s", (period,)).fetchone():
            return None
        conn.execute(f"set local work_mem = '{CLOSE_WORK_MEM}'")
        invoices = conn.execute(
            "insert into billing.invoices"
            " (invoice_id, tenant, account_id, billing_period, currency, total_amount, line_count, issued_at)"
            " select invoice_id, tenant, account_id, billing_period, currency, total_amount, line_count, %(as_of)s"
            f" from {MODELS_SCHEMA}.fct_invoices_due where billing_period = %(period)s",
            {"period": period, "as_of": as_of}).rowcount
        lines = conn.execute(
            "insert into billing.invoice_lines"
            " (invoice_id, line_number, tenant, account_id, billing_period, sku, charge_type, rate_kind,"
            "  unit_price, quantity, currency, amount, amount_exact, adjusted_period, issued_at)"
            " select invoice_id, line_number, tenant, account_id, billing_period, sku, charge_type, rate_kind,"
            "  unit_price, quantity, currency, amount, amount_exact, adjusted_period, %(as_of)s"
            f" from {MODELS_SCHEMA}.fct_invoice_lines_due where billing_period = %(period)s",
            {"period": period, "as_of": as_of}).rowcount
        adjustments = conn.execute(
            "select count(*) from billing.invoice_lines where billing_period = %s and adjusted_period is not null",
            (period,)).fetchone()[0]
        sources = _record_lineage(conn, period)
        conn.execute(
            "insert into billing.closed_periods"
            " (billing_period, closed_at, invoice_count, line_count, adjustment_line_count, lineage_source_rows)"
            " values (%s, %s, %s, %s, %s, %s)", (period, as_of, invoices, lines, adjustments, sources))
        _check_lineage(conn, period)
    return PeriodClose(period, invoices, lines, adjustments, as_of, sources)


def _record_lineage(conn: psycopg.Connection, period: date) -> int:
    """Copy the contributing resources of the lines just issued for `period` into the ledger (same transaction)."""
    key_periods = [row[0] for row in conn.execute(
        "select distinct coalesce(adjusted_period, billing_period) from billing.invoice_lines"
        " where billing_period = %s order by 1", (period,)).fetchall()]
    # The lines just inserted are not in the statistics yet (ANALYZE inside the transaction counts them), and
    # the planner multiplies the selectivities of the line key's seven join columns into "one row": it would
    # sort the period's ~8 million day pieces on disk. Hash join and hash aggregation are the right plan here.
    conn.execute("analyze billing.invoice_lines")
    conn.execute("set local enable_sort = off")
    conn.execute("set local enable_mergejoin = off")
    written = 0
    for key_period in key_periods:
        written += conn.execute(
            "insert into billing.invoice_line_sources (invoice_id, line_number, resource_id, denominator,"
            "  quantity_numerator, amount_numerator, charge_count, first_usage_at, last_usage_at)"
            " select invoice_id, line_number, resource_id, denominator, quantity_numerator, amount_numerator,"
            "  charge_count, first_usage_at, last_usage_at"
            f" from {MODELS_SCHEMA}.fct_invoice_lineage_live"
            " where billing_period = %(period)s and line_key_period = %(key_period)s",
            {"period": period, "key_period": key_period}).rowcount
    conn.execute("set local enable_sort = on")
    conn.execute("set local enable_mergejoin = on")
    return written


def _check_lineage(conn: psycopg.Connection, period: date) -> None:
    """Every line just issued must be rebuilt by its lineage (fct_invoice_line_derivations.is_reconstructed),
    else the close fails and its transaction issues nothing: an invoice that cannot be explained is not sent."""
    bad = conn.execute(
        "select invoice_id, line_number, amount, reconstructed_amount, count(*) over ()"
        f" from {MODELS_SCHEMA}.fct_invoice_line_derivations where billing_period = %s and not is_reconstructed"
        " order by invoice_id, line_number limit 5", (period,)).fetchall()
    if bad:
        shown = "; ".join(f"{i}/{n}: issued {a}, lineage gives {r}" for i, n, a, r, _ in bad)
        raise BillingError(
            f"not closing {period:%Y-%m}: {bad[0][4]} line(s) are not rebuilt by their lineage ({shown}), so nothing"
            " was issued. The rating's daily sums and its pieces disagree: rebuild them with"
            " `dbt build --full-refresh` and run again.")


def close_due_periods(as_of: datetime, url: URL | None = None, *,
                      rebuild_if_stale: bool = True) -> list[PeriodClose]:
    """Close every period M with end(M) + grace <= as_of that is not closed yet, oldest first.

    Each period is closed in its own transaction: its invoices (issued_at = as_of), lines and
    adjustment lines, and its closed_periods row, all or nothing. A period is only closed from a
    rating built through its end: if the last dbt build's clock is earlier (e.g. the monthly DAG runs
    while the hourly builds lag), dbt is built first at as_of when rebuild_if_stale, else the period
    is left for a later run. Running it twice issues nothing twice.
    """
    from iaas_billing.base import warehouse

    as_of = _as_utc(as_of)
    url = warehouse.require(url, upgrade=False)
    closed: list[PeriodClose] = []
    with locks.warehouse_writer(url, "bill run"), db.lost_is_transient(url, "bill run"), \
            db.connect(url, autocommit=True, phase="bill-run") as conn:
        due = _due(conn, as_of)
        if due and min(rated for _, _, rated in due) < due[-1][1]:
            if not rebuild_if_stale:
                log.warning("rating built through %s only: periods ending later are left open", due[0][2])
            else:
                from iaas_billing.base import dbt_runner

                dbt_runner.run_dbt(["build"], url=url, as_of=as_of)
                due = _due(conn, as_of)
        for period, end, rated_through in due:
            if rated_through < end:
                log.warning("not closing %s: rating built through %s only", period, rated_through)
                break
            result = _close_one(conn, period, as_of)
            if result is not None:
                log.info("%s", result)
                closed.append(result)
    return closed
