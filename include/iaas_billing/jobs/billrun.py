"""The monthly bill run: closes each period whose end plus grace has passed (rules §5) and can be taxed (§9).

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

Legal invoices (rules §9): an SO invoice is issued with its tax groups (`fct_invoice_taxes_due`, copied into
billing.invoice_taxes), its net, tax and gross, terms, issuer and the customer's tax_id, all as they stand at the
close; nothing recomputes them later. A period with SO lines of a country lacking a rate or an issuer
(`fct_invoice_tax_gaps_due`) is not closed, nor any later one (their adjustment lines presume it closed): the
bill run records a `missing_tax_rate` / `missing_issuer` break (the register, recon.register) and closes the
period at its first run after the data arrives, which resolves the break. Numbering is unchanged (§5.3).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime

import psycopg
from sqlalchemy.engine import URL

from iaas_billing.base import db, locks
from iaas_billing.base.errors import BillingError

RULES = ("5.1", "5.4", "5.5", "9.6", "9.7")  # docs/rules.md: closes due periods once, issuing the adjustment lines due onto them

log = logging.getLogger(__name__)

MODELS_SCHEMA = "marts"  # the interface views of models/marts/interface
# The close hashes the period's day pieces once (the lineage, per line x resource): with the server's default
# work_mem (4MB) a 100,000-resource month spills ~1 GB to disk and takes twice as long. Set for the close's
# transaction only.
CLOSE_WORK_MEM = "256MB"
# what the close copies from the interface views into the ledger (020_billing.sql), besides issued_at
INVOICE_COLUMNS = ("invoice_id, tenant, account_id, billing_period, currency, total_amount, line_count, country,"
                   " net_amount, tax_amount, gross_amount, payment_terms_days, issuer_legal_name, issuer_address,"
                   " issuer_tax_registration_id, customer_tax_id")
LINE_COLUMNS = ("invoice_id, line_number, tenant, account_id, billing_period, sku, charge_type, rate_kind, unit_price,"
                " quantity, currency, amount, amount_exact, adjusted_period, tax_name, tax_rate, is_reverse_charge,"
                " tax_effective_from_date")
TAX_COLUMNS = "invoice_id, tax_name, rate, is_reverse_charge, taxable_amount, tax_amount"
# the break types a refused close is recorded as (recon.checks), and the models that hold them now
TAX_GAP_BREAKS = ("missing_tax_rate", "missing_issuer")
TAX_BREAK_MODELS = ("int_recon_tax_issues", "recon_dq_breaks")


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


@dataclass(frozen=True)
class TaxGap:
    """Why a period cannot be closed (rules §9): a country with SO lines lacks a rate or an issuer."""

    billing_period: date
    country: str
    gap_type: str  # missing_tax_rate | missing_issuer: the break type it is recorded as
    detail: str


class PeriodNotTaxable(BillingError):
    """A due period the bill run could not close for want of tax tables (rules §9)."""

    def __init__(self, gaps: list[TaxGap]) -> None:
        self.gaps = gaps
        super().__init__("; ".join(gap.detail for gap in gaps))


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
        gaps = [TaxGap(*row) for row in conn.execute(
            "select billing_period, country, gap_type, detail"
            f" from {MODELS_SCHEMA}.fct_invoice_tax_gaps_due where billing_period = %s order by country, gap_type",
            (period,)).fetchall()]
        if gaps:
            raise PeriodNotTaxable(gaps)
        conn.execute(f"set local work_mem = '{CLOSE_WORK_MEM}'")
        params = {"period": period, "as_of": as_of}
        invoices = conn.execute(
            f"insert into billing.invoices ({INVOICE_COLUMNS}, issued_at)"
            f" select {INVOICE_COLUMNS}, %(as_of)s"
            f" from {MODELS_SCHEMA}.fct_invoices_due where billing_period = %(period)s", params).rowcount
        # the tax groups before the lines: the due views compute adjustments against the ledger's lines, so once
        # this period's lines are in, its adjustment lines (and their tax groups) vanish from them
        conn.execute(
            f"insert into billing.invoice_taxes ({TAX_COLUMNS}, issued_at)"
            f" select {TAX_COLUMNS}, %(as_of)s"
            f" from {MODELS_SCHEMA}.fct_invoice_taxes_due where billing_period = %(period)s", params)
        lines = conn.execute(
            f"insert into billing.invoice_lines ({LINE_COLUMNS}, issued_at)"
            f" select {LINE_COLUMNS}, %(as_of)s"
            f" from {MODELS_SCHEMA}.fct_invoice_lines_due where billing_period = %(period)s", params).rowcount
        adjustments = conn.execute(
            "select count(*) from billing.invoice_lines where billing_period = %s and adjusted_period is not null",
            (period,)).fetchone()[0]
        sources = _record_lineage(conn, period)
        conn.execute(
            "insert into billing.closed_periods"
            " (billing_period, closed_at, invoice_count, line_count, adjustment_line_count, lineage_source_rows)"
            " values (%s, %s, %s, %s, %s, %s)", (period, as_of, invoices, lines, adjustments, sources))
        _check_lineage(conn, period)
        _check_taxes(conn, period)
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


def _check_taxes(conn: psycopg.Connection, period: date) -> None:
    """Every SO invoice just issued must carry the sum of its tax groups, which must cover all its lines (rules
    §9.4), else the close fails and issues nothing: the ledger never holds an invoice whose tax does not add up."""
    bad = conn.execute(
        "select i.invoice_id, i.net_amount, i.tax_amount, coalesce(sum(t.taxable_amount), 0),"
        " coalesce(sum(t.tax_amount), 0)"
        " from billing.invoices as i left join billing.invoice_taxes as t on t.invoice_id = i.invoice_id"
        " where i.billing_period = %s and i.tenant = 'SO'"
        " group by i.invoice_id, i.net_amount, i.tax_amount"
        " having (i.net_amount, i.tax_amount) is distinct from (coalesce(sum(t.taxable_amount), 0),"
        "  coalesce(sum(t.tax_amount), 0))"
        " order by i.invoice_id limit 5", (period,)).fetchall()
    if bad:
        shown = "; ".join(f"{i}: net {n}, tax {t}, its groups {gn} and {gt}" for i, n, t, gn, gt in bad)
        raise BillingError(f"not closing {period:%Y-%m}: tax groups that do not add up to their invoices ({shown}),"
                           " so nothing was issued")


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
        refused = False
        for period, end, rated_through in due:
            if rated_through < end:
                log.warning("not closing %s: rating built through %s only", period, rated_through)
                break
            try:
                result = _close_one(conn, period, as_of)
            except PeriodNotTaxable as exc:
                log.warning("not closing %s (nor any later period): %s", f"{period:%Y-%m}", exc)
                _alert_refused(period, exc)
                refused = True
                break
            if result is not None:
                log.info("%s", result)
                closed.append(result)
        if refused or (closed and _open_tax_gap_breaks(conn)):
            _record_tax_gap_breaks(conn, url, as_of)
    return closed


def _alert_refused(period: date, exc: PeriodNotTaxable) -> None:
    """Tell the people who run the bill run that a due period stays open until its tax tables arrive."""
    from iaas_billing.jobs import notify

    countries = sorted({gap.country or "?" for gap in exc.gaps})
    notify.notify(f"bill run: {period:%Y-%m} not closed, its tax tables are incomplete ({', '.join(countries)})",
                  "\n".join(gap.detail for gap in exc.gaps), severity="error",
                  payload={"billing_period": period.isoformat(),
                           "gaps": [{"country": g.country, "break_type": g.gap_type} for g in exc.gaps]})


def _open_tax_gap_breaks(conn: psycopg.Connection) -> int:
    return conn.execute(
        "select count(*) from audit.reconciliation_breaks where status = 'open' and break_type = any(%s)",
        (list(TAX_GAP_BREAKS),)).fetchone()[0]


def _record_tax_gap_breaks(conn: psycopg.Connection, url: URL, as_of: datetime) -> None:
    """Record the periods that cannot be taxed as breaks now (opened, or resolved once closed): the tax issues'
    break model is built at as_of and its missing_tax_rate / missing_issuer rows merged into the register. In a
    warehouse the reconciliation has never run (no break models yet), its first run records them instead."""
    from iaas_billing.base import dbt_runner
    from iaas_billing.recon import checks, register

    if conn.execute(f"select to_regclass('{checks.MODEL_SCHEMA}.{checks.LEVEL_DEFS[checks.DQ].model}')").fetchone()[0] is None:
        log.warning("bill run: the reconciliation models are not built yet: its next run records the tax table breaks")
        return
    dbt_runner.run_dbt(["run", "--select", *TAX_BREAK_MODELS], url=url, as_of=as_of)
    evaluated = [check for check in checks.CHECKS if check.level == checks.DQ and check.break_type in TAX_GAP_BREAKS]
    with conn.transaction():
        run_id = register.start_run(conn, as_of, (checks.DQ,))
        merged = register.merge(conn, run_id, as_of, evaluated)
        found = sum(merged.found.values())
        register.finish_run(conn, run_id, gx_success=found == 0, checks_evaluated=len(evaluated),
                            checks_failed=sum(1 for n in merged.found.values() if n), merged=merged)
    log.info("bill run: %d tax table break(s) found, %d opened, %d resolved", found, merged.opened, merged.resolved)
