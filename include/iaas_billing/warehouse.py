"""Creates the warehouse's schemas and the tables Python writes (raw landing, the invoice ledger)."""

from __future__ import annotations

from importlib import resources

from sqlalchemy.engine import URL

from iaas_billing import db

BOOTSTRAP_LOCK = 7_100_001  # pg_advisory_xact_lock key: two runs never run the DDL at once


def ddl_files() -> list[str]:
    sql_dir = resources.files("iaas_billing") / "sql"
    return sorted(p.name for p in sql_dir.iterdir() if p.name.endswith(".sql"))


def bootstrap(url: URL | None = None) -> URL:
    """Create the database if needed and apply every idempotent DDL file in sql/, in name order."""
    url = url or db.database_url()
    db.ensure_database(url)
    sql_dir = resources.files("iaas_billing") / "sql"
    with db.connect(url) as conn:
        if _bootstrapped_by_another_role(conn):
            return url  # a pipeline role (045_pipeline_roles.sql) runs no DDL: the owner role bootstraps
        with conn.transaction():
            conn.execute("select pg_advisory_xact_lock(%s)", (BOOTSTRAP_LOCK,))
            for name in ddl_files():
                conn.execute((sql_dir / name).read_text())
    return url


def _bootstrapped_by_another_role(conn) -> bool:
    """True when the warehouse exists and belongs to a role the current one is not (e.g. billing_loader)."""
    row = conn.execute(
        "select pg_has_role(current_user, n.nspowner, 'USAGE'),"
        " (select count(*) = 3 from pg_class c join pg_namespace s on s.oid = c.relnamespace"
        "  where (s.nspname, c.relname) in (('raw', 'inbox_files'), ('billing', 'closed_periods'),"
        "  ('audit', 'recon_runs')))"
        " from pg_namespace n where n.nspname = 'raw'").fetchone()
    conn.rollback()
    return row is not None and not row[0] and row[1]
