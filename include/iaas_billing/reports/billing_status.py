"""The Billing page's figures, read-only: each feed's last delivered and landed file, open breaks, closing, lock.

A report: it writes nothing, starts nothing (the embedded cluster included) and runs its queries in a
read-only transaction. Each section that cannot be read says why in `problems` instead of raising, so
that a warehouse that is down, missing or not built yet still gives a page with a clear message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import psycopg
from sqlalchemy.engine import URL

from iaas_billing.base import db, locks, settings, warehouse
from iaas_billing.base.errors import BillingError
from iaas_billing.landing.discover import KIND_ORDER, UNKNOWN, scan

LEVELS = ("L1_PRIMARY_VS_SECONDARY", "L2_ORDERSTREAM_VS_BILLING", "L3_FINANCE_VS_ORDERSTREAM", "DATA_QUALITY")
LANDED = ("landed", "landed_with_quarantine")
STATEMENT_TIMEOUT = "10s"  # a page never waits on a busy warehouse for longer

# The newest landed version of each feed (the mart's delivery time, undated catalogues oldest, then the run).
LAST_LANDED_SQL = """
select distinct on (file_kind)
    file_kind, file_name, file_version, delivered_at, processed_at, landed_at, status, rows_loaded,
    rows_quarantined
from marts.fct_inbox_files
where status in ('landed', 'landed_with_quarantine')
order by file_kind, delivered_at desc nulls last, processed_at desc, file_name desc, file_version desc
"""
# Open breaks per level and currency ('' for counts); amount at risk = sum of |difference| of the money ones.
OPEN_BREAKS_SQL = """
select
    recon_level,
    coalesce(currency, '') as currency,
    count(*) as open_breaks,
    sum(abs(difference)) filter (where currency is not null) as amount_at_risk,
    min(business_date) as oldest_business_date
from marts.fct_reconciliation_breaks
where status = 'open'
group by recon_level, coalesce(currency, '')
"""
LAST_CLOSED_SQL = """
select billing_period, closed_at, invoice_count, line_count, adjustment_line_count
from billing.closed_periods
order by billing_period desc
limit 1
"""


@dataclass
class Feed:
    """One inbox feed: its newest delivered file in the inbox and its newest landed version in the mart."""

    kind: str
    files_delivered: int = 0
    delivered: dict | None = None  # name, delivered_at
    landed: dict | None = None  # file_name, file_version, delivered_at, processed_at, landed_at, status, rows_…

    @property
    def behind(self) -> bool:
        """A newer file has been delivered than the newest landed one (the hourly landing has yet to run)."""
        if self.delivered is None:
            return False
        if self.landed is None:
            return True
        at = self.delivered["delivered_at"]
        landed_at = self.landed["delivered_at"]
        if at is None or landed_at is None:
            return at is not None and landed_at is None
        return (at, self.delivered["name"]) > (landed_at, self.landed["file_name"])


@dataclass
class BillingStatus:
    checked_at: datetime
    inbox: str
    warehouse: str
    feeds: list[Feed] = field(default_factory=list)
    not_yet_delivered: int = 0
    unknown_names: int = 0
    breaks: list[dict] = field(default_factory=list)  # recon_level, currency, open_breaks, amount_at_risk, …
    last_closed: dict | None = None
    lock_holder: str | None = None
    problems: dict[str, str] = field(default_factory=dict)  # section -> why it could not be read

    @property
    def warehouse_ok(self) -> bool:
        return "warehouse" not in self.problems


def read(url: URL | None = None, inbox: Path | None = None, now: datetime | None = None) -> BillingStatus:
    """Everything the page shows; never raises for a missing inbox or warehouse (see `problems`)."""
    now = now or datetime.now(UTC)
    inbox = inbox or settings.inbox_dir()
    status = BillingStatus(checked_at=now, inbox=str(inbox), warehouse="")
    status.feeds = [Feed(kind) for kind in KIND_ORDER]
    _read_inbox(status, inbox, now)
    try:
        url = url or db.database_url(start_local=False)
        status.warehouse = db.where(url)
        warehouse.require(url, upgrade=False)
        with db.connect(url, phase="billing page") as conn:
            conn.read_only = True
            conn.execute(f"set statement_timeout = '{STATEMENT_TIMEOUT}'")
            _read_warehouse(status, conn)
    except BillingError as exc:
        status.problems["warehouse"] = str(exc)
    except psycopg.Error as exc:  # a query refused (a role without rights, the statement timeout)
        lines = str(exc).strip().splitlines()
        status.problems["warehouse"] = f"reading the warehouse {status.warehouse} failed: " + (
            lines[0] if lines else type(exc).__name__)
    return status


def _read_inbox(status: BillingStatus, inbox: Path, now: datetime) -> None:
    """The newest file of each feed delivered by now, by the delivery time its name gives (discover.py)."""
    if not inbox.is_dir():
        status.problems["inbox"] = f"the inbox {inbox} is not a directory (BILLING_INBOX_DIR)"
        return
    try:
        found = scan(inbox, now)
    except OSError as exc:
        status.problems["inbox"] = f"cannot read the inbox {inbox}: {exc.strerror or exc}"
        return
    feeds = {feed.kind: feed for feed in status.feeds}
    status.not_yet_delivered = found.not_yet_delivered
    for entry in found.visible:  # in processing order: the last of a kind is its newest
        if entry.kind == UNKNOWN:
            status.unknown_names += 1
            continue
        feed = feeds[entry.kind]
        feed.files_delivered += 1
        feed.delivered = {"name": entry.name, "delivered_at": entry.delivered_at}


def _exists(conn, relation: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null", (relation,)).fetchone()[0]


def _rows(conn, sql: str) -> list[dict]:
    cur = conn.execute(sql)
    names = [c.name for c in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _read_warehouse(status: BillingStatus, conn) -> None:
    status.lock_holder = locks.holder(conn)
    closed = _rows(conn, LAST_CLOSED_SQL)
    status.last_closed = closed[0] if closed else None
    not_built = "not built yet: the transform_billing DAG (or `iaas-billing run`) has not run on this warehouse"
    if _exists(conn, "marts.fct_inbox_files"):
        feeds = {feed.kind: feed for feed in status.feeds}
        for row in _rows(conn, LAST_LANDED_SQL):
            if row["file_kind"] in feeds:
                feeds[row["file_kind"]].landed = row
    else:
        status.problems["landed"] = f"marts.fct_inbox_files is {not_built}"
    if _exists(conn, "marts.fct_reconciliation_breaks"):
        status.breaks = _by_level(_rows(conn, OPEN_BREAKS_SQL))
    else:
        status.problems["breaks"] = f"marts.fct_reconciliation_breaks is {not_built}"


def _by_level(rows: list[dict]) -> list[dict]:
    """Rows in level order, money before counts, then by currency; a level without open breaks shows 0."""
    out = []
    for level in LEVELS:
        mine = sorted((r for r in rows if r["recon_level"] == level), key=lambda r: (r["currency"] == "",
                                                                                      r["currency"]))
        out.extend(mine or [{"recon_level": level, "currency": "", "open_breaks": 0, "amount_at_risk": None,
                             "oldest_business_date": None}])
    out.extend(r for r in rows if r["recon_level"] not in LEVELS)
    return out


def totals_by_currency(breaks: list[dict]) -> dict[str, Decimal]:
    """Amount at risk of all levels together, per currency (never summed across currencies)."""
    totals: dict[str, Decimal] = {}
    for row in breaks:
        if row["currency"] and row["amount_at_risk"] is not None:
            totals[row["currency"]] = totals.get(row["currency"], Decimal(0)) + row["amount_at_risk"]
    return dict(sorted(totals.items()))
