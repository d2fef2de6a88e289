"""The break register (audit.reconciliation_breaks): set-based SQL that records every break.

GX says whether a check passed and how many rows it found, but keeps only a sample of them.
The writer copies the rows of each evaluated check from its break model (dbt models/marts/interface,
which alone decides what a break is), running the check's own query (the same text, `{batch}` replaced
by the model's relation), into a temporary table of the breaks found now, and merges it into the
register in one transaction:

- a break_id not seen before is inserted `open` with `detected_at = as_of`;
- a `resolved` break found again is reopened (`times_reopened + 1`);
- an `open` break whose figures or detail changed is updated in place;
- an `open` break of an evaluated check that is no longer found is `resolved` at `as_of`.

Each change is also appended to audit.reconciliation_break_events. Nothing changes when the
inputs and as_of are the same, so a rerun is a no-op. A check GX could not evaluate is left alone:
its open breaks are neither resolved nor updated. A break type renamed since (checks.RENAMED_BREAK_TYPES)
counts as evaluated, finding nothing, whenever its new name is: its open breaks are resolved once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from iaas_billing.base import locks
from iaas_billing.recon import checks as defs

RULES = ("6.1",)  # docs/rules.md: every break in one register, resolved ones kept

BREAK_ID_SQL = "md5(recon_level || '|' || break_type || '|' || break_key)"
# what a later run may update on a break it finds again (the key columns never change)
FIGURES = ("business_date", "account_id", "sku", "event_type", "currency", "expected", "actual", "difference",
           "file_name", "line_number", "event_id", "resource_id", "detail")
SET_FIGURES = ", ".join(f"{c} = f.{c}" for c in FIGURES)
R_FIGURES = ", ".join(f"r.{c}" for c in FIGURES)
F_FIGURES = ", ".join(f"f.{c}" for c in FIGURES)


@dataclass
class MergeResult:
    found: dict[tuple[str, str], int] = field(default_factory=dict)  # (level, break_type) -> rows
    opened: int = 0
    reopened: int = 0
    updated: int = 0
    resolved: int = 0
    open_by_level: dict[str, int] = field(default_factory=dict)


def start_run(conn, as_of: datetime, levels: tuple[str, ...]) -> int:
    row = conn.execute("insert into audit.recon_runs (as_of, levels) values (%s, %s) returning run_id",
                       (as_of, list(levels))).fetchone()
    return int(row[0])


def _found_sql(evaluated: list[defs.Check]) -> str:
    parts = []
    for check in evaluated:
        parts.append(
            f"select '{check.level}'::text as recon_level, '{check.break_type}'::text as break_type, q.* "
            f"from ({check.sql()}) as q"
        )
    return "\nunion all\n".join(parts)


def merge(conn, run_id: int, as_of: datetime, evaluated: list[defs.Check]) -> MergeResult:
    """Record the breaks of the evaluated checks (inside the caller's transaction)."""
    result = MergeResult()
    conn.execute("select pg_advisory_xact_lock(%s)", (locks.BREAK_REGISTER,))
    conn.execute("drop table if exists pg_temp.recon_found")
    conn.execute("create temp table recon_found (recon_level text, break_type text, break_key text, "
                 "business_date date, account_id text, sku text, event_type text, currency text, "
                 "expected numeric, actual numeric, difference numeric, file_name text, line_number integer, "
                 "event_id text, resource_id text, detail text, break_id text) on commit drop")
    conn.execute("drop table if exists pg_temp.recon_evaluated")
    conn.execute("create temp table recon_evaluated (recon_level text, break_type text) on commit drop")
    if evaluated:
        pairs = [(c.level, c.break_type) for c in evaluated]
        pairs += [old for old, new in defs.RENAMED_BREAK_TYPES.items() if (old[0], new) in pairs]
        with conn.cursor() as cur:
            cur.executemany("insert into recon_evaluated values (%s, %s)", pairs)
        conn.execute(
            f"insert into recon_found (recon_level, break_type, {', '.join(defs.BREAK_COLUMNS)}) "
            f"select recon_level, break_type, {', '.join(defs.BREAK_COLUMNS)} from ({_found_sql(evaluated)}) as f"
        )
        conn.execute(f"update recon_found set break_id = {BREAK_ID_SQL}")
        dupes = conn.execute("select break_id, count(*) from recon_found group by break_id having count(*) > 1 "
                             "limit 3").fetchall()
        if dupes:
            raise RuntimeError(f"reconciliation candidates repeat a break key: {dupes}")
    for level, break_type, n in conn.execute(
            "select recon_level, break_type, count(*) from recon_found group by 1, 2").fetchall():
        result.found[(level, break_type)] = n

    params = {"as_of": as_of, "run_id": run_id}
    result.opened = _log(conn, "opened", """
        insert into audit.reconciliation_breaks (
            break_id, recon_level, break_type, break_key, business_date, account_id, sku, event_type,
            expected, actual, difference, currency, file_name, line_number, event_id, resource_id, detail,
            status, detected_at, last_seen_at, first_run_id)
        select break_id, recon_level, break_type, break_key, business_date, account_id, sku, event_type,
               expected, actual, difference, currency, file_name, line_number, event_id, resource_id, detail,
               'open', %(as_of)s, %(as_of)s, %(run_id)s
        from recon_found
        where not exists (select 1 from audit.reconciliation_breaks as r where r.break_id = recon_found.break_id)
        returning break_id, expected, actual, difference, detail""", params)
    result.reopened = _log(conn, "reopened", f"""
        update audit.reconciliation_breaks as r
        set status = 'open', resolved_at = null, times_reopened = r.times_reopened + 1,
            {SET_FIGURES},
            last_seen_at = greatest(r.last_seen_at, %(as_of)s)
        from recon_found as f
        where r.break_id = f.break_id and r.status = 'resolved'
        returning r.break_id, r.expected, r.actual, r.difference, r.detail""", params)
    result.updated = _log(conn, "updated", f"""
        update audit.reconciliation_breaks as r
        set {SET_FIGURES}
        from recon_found as f
        where r.break_id = f.break_id and r.status = 'open'
          and ({R_FIGURES}) is distinct from ({F_FIGURES})
        returning r.break_id, r.expected, r.actual, r.difference, r.detail""", params)
    conn.execute("""
        update audit.reconciliation_breaks as r set last_seen_at = %(as_of)s
        from recon_found as f
        where r.break_id = f.break_id and r.last_seen_at < %(as_of)s""", params)
    result.resolved = _log(conn, "resolved", """
        update audit.reconciliation_breaks as r
        set status = 'resolved', resolved_at = %(as_of)s
        where r.status = 'open'
          and exists (select 1 from recon_evaluated as e
                      where e.recon_level = r.recon_level and e.break_type = r.break_type)
          and not exists (select 1 from recon_found as f where f.break_id = r.break_id)
        returning r.break_id, r.expected, r.actual, r.difference, r.detail""", params)
    result.open_by_level = {level: n for level, n in conn.execute(
        "select recon_level, count(*) from audit.reconciliation_breaks where status = 'open' group by 1")}
    return result


def _log(conn, change: str, statement: str, params: dict) -> int:
    """Run one data-modifying statement and append its rows to the break events; returns the count."""
    row = conn.execute(f"""
        with changed as ({statement})
        , logged as (
            insert into audit.reconciliation_break_events (break_id, run_id, as_of, change, expected, actual,
                                                           difference, detail)
            select break_id, %(run_id)s, %(as_of)s, '{change}', expected, actual, difference, detail
            from changed
            returning 1)
        select count(*) from logged""", params).fetchone()
    return int(row[0])


def open_missing_files(conn) -> list[str]:
    """The files the open missing_file breaks name, oldest day first."""
    return [name for (name,) in conn.execute(
        "select file_name from audit.reconciliation_breaks where status = 'open' and recon_level = %s "
        "and break_type = %s order by business_date, file_name", (defs.DQ, defs.MISSING_FILE))]


def finish_run(conn, run_id: int, *, gx_success: bool, checks_evaluated: int, checks_failed: int,
               merged: MergeResult) -> None:
    conn.execute("""
        update audit.recon_runs
        set finished_at = clock_timestamp(), gx_success = %s, checks_evaluated = %s, checks_failed = %s,
            breaks_found = %s, breaks_opened = %s, breaks_reopened = %s, breaks_updated = %s,
            breaks_resolved = %s, breaks_open = %s
        where run_id = %s""",
                 (gx_success, checks_evaluated, checks_failed, sum(merged.found.values()), merged.opened,
                  merged.reopened, merged.updated, merged.resolved, sum(merged.open_by_level.values()), run_id))


def record_check(conn, run_id: int, suite_name: str, check: defs.Check, success: bool, gx_count: int,
                 written: int) -> None:
    conn.execute("""
        insert into audit.recon_check_results (run_id, suite_name, recon_level, break_type, gx_success,
                                               gx_unexpected_count, breaks_written)
        values (%s, %s, %s, %s, %s, %s, %s)""",
                 (run_id, suite_name, check.level, check.break_type, success, gx_count, written))
