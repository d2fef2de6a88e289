"""Creates the warehouse (`iaas-billing init`) and checks, before anything writes, that one is there.

Only `init` creates: the database when it is missing, the schemas, the roles and the tables Python writes
(raw landing, the invoice ledger). Every other entry calls `require`, which refuses a database that does
not exist or holds no warehouse, so that a mistyped name never becomes a new warehouse with invoices in it.
"""

from __future__ import annotations

import functools
from importlib import resources

from sqlalchemy.engine import URL

from iaas_billing.base import db, locks
from iaas_billing.base.errors import WarehouseMissing

# True when the tables whose presence makes a database a warehouse are there (one per schema of the DDL).
_IS_WAREHOUSE = ("(select count(*) = 3 from pg_class c join pg_namespace s on s.oid = c.relnamespace"
                 " where (s.nspname, c.relname) in (('raw', 'inbox_files'), ('billing', 'closed_periods'),"
                 " ('audit', 'recon_runs')))")


def ddl_files() -> list[str]:
    sql_dir = resources.files("iaas_billing.base") / "sql"
    return sorted(p.name for p in sql_dir.iterdir() if p.name.endswith(".sql"))


@functools.cache
def _ddl() -> tuple[str, ...]:
    """The DDL files' text, read once per process (every landing and run applies it)."""
    sql_dir = resources.files("iaas_billing.base") / "sql"
    return tuple((sql_dir / name).read_text() for name in ddl_files())


def init(url: URL | None = None) -> URL:
    """Create the database if it is missing and apply every idempotent DDL file in sql/, in name order.

    Safe to run twice, and on an existing warehouse it changes nothing that holds data.
    """
    url = url or db.database_url()
    db.ensure_database(url)
    _apply_ddl(url)
    return url


def require(url: URL | None = None, *, upgrade: bool = True) -> URL:
    """The warehouse's URL once it is known to exist; WarehouseMissing (exit 2, never retried) if not.

    With upgrade, the idempotent DDL is applied again, so a warehouse made by an older version of the
    project gains the tables a newer one writes (the owner role does this; pipeline roles run no DDL).
    """
    url = url or db.database_url()
    with db.connect(url) as conn:
        present = conn.execute(f"select {_IS_WAREHOUSE}").fetchone()[0]
    if not present:
        raise WarehouseMissing(f"the database {url.database!r} at {db.where(url)} holds no warehouse: "
                               f"create it with `iaas-billing init`")
    if upgrade:
        _apply_ddl(url)
    return url


def _apply_ddl(url: URL) -> None:
    with db.connect(url) as conn:
        if _bootstrapped_by_another_role(conn):
            return  # a pipeline role (045_pipeline_roles.sql) runs no DDL: the owner role bootstraps
        with conn.transaction():
            conn.execute("select pg_advisory_xact_lock(%s)", (locks.BOOTSTRAP,))  # two never run the DDL at once
            for ddl in _ddl():
                conn.execute(ddl)


def _bootstrapped_by_another_role(conn) -> bool:
    """True when the warehouse exists and belongs to a role the current one is not (e.g. billing_loader)."""
    row = conn.execute(
        f"select pg_has_role(current_user, n.nspowner, 'USAGE'), {_IS_WAREHOUSE}"
        " from pg_namespace n where n.nspname = 'raw'").fetchone()
    conn.rollback()
    return row is not None and not row[0] and row[1]
