"""`iaas-billing doctor`: what the command and the DAGs would use here, and whether each part is usable."""

from __future__ import annotations

import configparser
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from iaas_billing.base import db, settings, warehouse
from iaas_billing.base.errors import BillingError, WarehouseMissing

PACKAGES = (("Airflow", "apache-airflow"), ("Cosmos", "astronomer-cosmos"), ("dbt", "dbt-core"),
            ("dbt-postgres", "dbt-postgres"), ("Great Expectations", "great-expectations"))


@dataclass
class Check:
    what: str
    shown: str
    ok: bool


def checks() -> list[Check]:
    return [*_warehouse(), *_clock_and_inbox(), *_packages(), _airflow_metadata()]


def render(found: list[Check]) -> str:
    width = max(len(c.what) for c in found)
    lines = [f"{'ok ' if c.ok else 'NO '} {c.what.ljust(width)}  {c.shown}" for c in found]
    bad = [c.what for c in found if not c.ok]
    lines.append("everything is usable" if not bad else f"not usable: {', '.join(bad)}")
    return "\n".join(lines)


def _warehouse() -> list[Check]:
    try:
        url = db.database_url()
    except BillingError as exc:
        return [Check("warehouse", str(exc), False)]
    shown = url.render_as_string(hide_password=True)
    found = [Check("warehouse URL", shown, True)]
    if db.is_embedded(url):
        found.append(Check("embedded cluster", str(db.embedded_cluster().data), True))
    try:
        found.append(Check("server version", f"PostgreSQL {_server_version(url)}", True))
    except BillingError as exc:
        return [*found, Check("server version", str(exc), False)]
    try:
        warehouse.require(url, upgrade=False)
        found.append(Check("warehouse", f"{url.database} holds the warehouse", True))
    except BillingError as exc:
        found.append(Check("warehouse", str(exc), False))
    return found


def _server_version(url) -> str:
    """The server's version, asked of the warehouse's database, or of `postgres` where that one is missing."""
    for database in (url.database, "postgres"):
        try:
            with db.connect(url.set(database=database)) as conn:
                return conn.info.parameter_status("server_version") or str(conn.info.server_version)
        except WarehouseMissing:
            continue
    raise WarehouseMissing(f"neither {url.database!r} nor 'postgres' exists at {db.where(url)}")


def _clock_and_inbox() -> list[Check]:
    inbox = settings.inbox_dir()
    return [Check("clock", f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ} (run's default --as-of: now, UTC)", True),
            Check("inbox", f"{inbox} (BILLING_INBOX_DIR)" + ("" if inbox.is_dir() else ": not a directory"),
                  inbox.is_dir())]


def _packages() -> list[Check]:
    found = []
    for label, name in PACKAGES:
        try:
            found.append(Check(label, metadata.version(name), True))
        except metadata.PackageNotFoundError:
            found.append(Check(label, "not installed", False))
    return found


def _configured_metadata_url(home: Path) -> str:
    """What airflow.cfg under AIRFLOW_HOME names, else Airflow's default (SQLite in AIRFLOW_HOME), read without
    importing Airflow (include/ never does: tests/test_import_walls.py)."""
    config = configparser.ConfigParser(interpolation=None)
    config.read(home / "airflow.cfg")
    return config.get("database", "sql_alchemy_conn", fallback=None) or f"sqlite:///{home / 'airflow.db'}"


def _airflow_metadata() -> Check:
    """Airflow's metadata database: its URL (no password) and whether it answers with Airflow's tables.

    Without AIRFLOW_HOME or a connection in the environment, the one `make airflow` uses (the embedded cluster's
    database `airflow`); else what Airflow's own configuration says.
    """
    try:
        from sqlalchemy import create_engine, inspect
        from sqlalchemy.engine import make_url

        raw = os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN")
        if not raw and "AIRFLOW_HOME" not in os.environ:
            from iaas_billing.cli import local_airflow

            raw = local_airflow.from_environment().metadata_url()
        elif not raw:
            raw = _configured_metadata_url(Path(os.environ["AIRFLOW_HOME"]))
        url = make_url(raw)
        args = {"connect_timeout": 3} if url.drivername.startswith("postgresql") else {}
        engine = create_engine(raw, connect_args=args)
        try:
            with engine.connect() as conn:
                migrated = inspect(conn).has_table("alembic_version")
        finally:
            engine.dispose()
        shown = url.render_as_string(hide_password=True)
        return Check("Airflow metadata", shown + ("" if migrated else ": not migrated (airflow db migrate)"), migrated)
    except Exception as exc:  # noqa: BLE001 - any failure here means "not reachable", said in one line
        first = str(exc).strip().splitlines()
        return Check("Airflow metadata", f"not reachable: {first[0] if first else type(exc).__name__} "
                     f"(AIRFLOW_HOME={os.environ.get('AIRFLOW_HOME', '~/airflow')})", False)
