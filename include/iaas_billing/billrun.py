"""The monthly bill run: closes each period whose end plus grace has passed (billing-rules §5).

What to issue is decided in dbt (models/intermediate/billing): `int_invoices_numbered` and
`int_invoice_lines_numbered` hold, for every period not closed yet, its invoices and lines (regular
lines and the adjustment lines due onto it), already numbered. They are views over the `billing`
ledger, so each close is seen by the next one at once. This module only copies "the rows of those
models for period M" into the ledger, one transaction per period, oldest first, under an advisory
lock; the ledger's keys (one closed_periods row per period, one line per key) make a second run
issue nothing twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import psycopg
from sqlalchemy.engine import URL

from iaas_billing import db, settings
from iaas_billing.errors import BillingError

log = logging.getLogger(__name__)

BILL_RUN_LOCK = 7_100_004  # pg_advisory_lock key: one bill run at a time
MODELS_SCHEMA = "intermediate"


@dataclass(frozen=True)
class PeriodClose:
    """What closing one period issued."""

    billing_period: date
    invoice_count: int
    line_count: int
    adjustment_line_count: int
    issued_at: datetime

    def __str__(self) -> str:
        return (f"closed {self.billing_period:%Y-%m}: {self.invoice_count} invoice(s), {self.line_count} line(s)"
                f" of which {self.adjustment_line_count} adjustment(s), issued at {self.issued_at.isoformat()}")


def period_end(period: date) -> datetime:
    """The first instant after the period (UTC)."""
    nxt = date(period.year + (period.month == 12), period.month % 12 + 1, 1)
    return datetime(nxt.year, nxt.month, 1, tzinfo=UTC)


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _periods(conn: psycopg.Connection) -> list[tuple[date, bool, datetime]]:
    try:
        return conn.execute(
            f"select billing_period, is_closed, rated_through_at from {MODELS_SCHEMA}.int_billing_periods_enumerated"
            " order by billing_period").fetchall()
    except psycopg.errors.UndefinedTable as exc:
        raise BillingError("the billing models are not built yet: run `dbt build` (iaas-billing run) first") from exc


def due_periods(as_of: datetime, url: URL | None = None, grace: timedelta | None = None) -> list[date]:
    """Periods not closed yet whose end plus grace is at or before as_of, oldest first."""
    as_of = _as_utc(as_of)
    grace = timedelta(hours=settings.GRACE_HOURS) if grace is None else grace
    with db.connect(url, autocommit=True) as conn:
        return [period for period, is_closed, _ in _periods(conn)
                if not is_closed and period_end(period) + grace <= as_of]


def _close_one(conn: psycopg.Connection, period: date, as_of: datetime) -> PeriodClose | None:
    """Issue one period's invoices and lines and mark it closed, in one repeatable-read transaction."""
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    with conn.transaction():
        if conn.execute("select 1 from billing.closed_periods where billing_period = %s", (period,)).fetchone():
            return None
        invoices = conn.execute(
            "insert into billing.invoices"
            " (invoice_id, tenant, account_id, billing_period, currency, total_amount, line_count, issued_at)"
            " select invoice_id, tenant, account_id, billing_period, currency, total_amount, line_count, %(as_of)s"
            f" from {MODELS_SCHEMA}.int_invoices_numbered where billing_period = %(period)s",
            {"period": period, "as_of": as_of}).rowcount
        lines = conn.execute(
            "insert into billing.invoice_lines"
            " (invoice_id, line_number, tenant, account_id, billing_period, sku, charge_type, rate_kind,"
            "  unit_price, quantity, currency, amount, amount_exact, adjusted_period, issued_at)"
            " select invoice_id, line_number, tenant, account_id, billing_period, sku, charge_type, rate_kind,"
            "  unit_price, quantity, currency, amount, amount_exact, adjusted_period, %(as_of)s"
            f" from {MODELS_SCHEMA}.int_invoice_lines_numbered where billing_period = %(period)s",
            {"period": period, "as_of": as_of}).rowcount
        adjustments = conn.execute(
            "select count(*) from billing.invoice_lines where billing_period = %s and adjusted_period is not null",
            (period,)).fetchone()[0]
        conn.execute(
            "insert into billing.closed_periods"
            " (billing_period, closed_at, invoice_count, line_count, adjustment_line_count)"
            " values (%s, %s, %s, %s, %s)", (period, as_of, invoices, lines, adjustments))
    return PeriodClose(period, invoices, lines, adjustments, as_of)


def close_due_periods(as_of: datetime, url: URL | None = None, *, grace: timedelta | None = None,
                      rebuild_if_stale: bool = True) -> list[PeriodClose]:
    """Close every period M with end(M) + grace <= as_of that is not closed yet, oldest first.

    Each period is closed in its own transaction: its invoices (issued_at = as_of), lines and
    adjustment lines, and its closed_periods row, all or nothing. A period is only closed from a
    rating built through its end: if the last dbt build's clock is earlier (e.g. the monthly DAG runs
    while the hourly builds lag), dbt is built first at as_of when rebuild_if_stale, else the period
    is left for a later run. Running it twice issues nothing twice.
    """
    as_of = _as_utc(as_of)
    url = url or db.database_url()
    grace = timedelta(hours=settings.GRACE_HOURS) if grace is None else grace
    closed: list[PeriodClose] = []
    with db.connect(url, autocommit=True) as conn:
        conn.execute("select pg_advisory_lock(%s)", (BILL_RUN_LOCK,))
        try:
            periods = _periods(conn)
            due = [(p, rated) for p, is_closed, rated in periods
                   if not is_closed and period_end(p) + grace <= as_of]
            if due and min(rated for _, rated in due) < period_end(due[-1][0]):
                if not rebuild_if_stale:
                    log.warning("rating built through %s only: periods ending later are left open", due[0][1])
                else:
                    from iaas_billing import dbt_runner

                    dbt_runner.run_dbt(["build"], url=url, as_of=as_of)
                    periods = _periods(conn)
                    due = [(p, rated) for p, is_closed, rated in periods
                           if not is_closed and period_end(p) + grace <= as_of]
            for period, rated_through in due:
                if rated_through < period_end(period):
                    log.warning("not closing %s: rating built through %s only", period, rated_through)
                    break
                result = _close_one(conn, period, as_of)
                if result is not None:
                    log.info("%s", result)
                    closed.append(result)
        finally:
            conn.execute("select pg_advisory_unlock(%s)", (BILL_RUN_LOCK,))
    return closed
