"""Finds the warehouse (BILLING_DATABASE_URL, else the embedded cluster) and connects to it."""

from __future__ import annotations

import os
from contextlib import contextmanager

from sqlalchemy.engine import URL, make_url

from iaas_billing.base.errors import BillingError, TransientError
from iaas_billing.base.settings import embedded_dir

MIN_SERVER_VERSION = 150000  # PostgreSQL 15: the oldest server the project supports
APPLICATION_NAME = "iaas-billing"


def _host(url: URL) -> str:
    """The URL's host, or its socket directory (`?host=/path`, as the embedded cluster's URL has)."""
    return url.host or url.query.get("host") or "127.0.0.1"


def server_kwargs(url: URL) -> dict:
    """psycopg.connect's host (or socket directory), port, user and password for a URL: the server and login."""
    kwargs = {"host": _host(url), "port": url.port or 5432, "user": url.username or "postgres"}
    if url.password:
        kwargs["password"] = url.password
    return kwargs


def _libpq_kwargs(url: URL, application_name: str = APPLICATION_NAME) -> dict:
    return {**server_kwargs(url), "dbname": url.database or "postgres", "connect_timeout": 5,
            "application_name": application_name}


def where(url: URL) -> str:
    """Host (or socket directory), port and database of a URL, never its password."""
    return f"{_host(url)}:{url.port or 5432}/{url.database}"


def is_embedded(url: URL) -> bool:
    """True for the embedded cluster's URL (a socket directory of ours, no BILLING_DATABASE_URL)."""
    return not os.environ.get("BILLING_DATABASE_URL") and url.host is None


def embedded_cluster():
    from iaas_billing.base.embedded import Cluster

    return Cluster(embedded_dir())


def database_url(*, start_local: bool = True) -> URL:
    """The warehouse URL: BILLING_DATABASE_URL, else the embedded cluster under .local/pg (started if needed).

    With start_local=False nothing is started or touched: the URL is only computed (DAG files at parse time).
    """
    raw = os.environ.get("BILLING_DATABASE_URL")
    if raw:
        try:
            url = make_url(raw)
        except Exception as exc:  # noqa: BLE001 - sqlalchemy raises ArgumentError with the whole URL
            raise BillingError("BILLING_DATABASE_URL is not a valid SQLAlchemy URL") from exc
        if not url.drivername.startswith("postgresql"):
            raise BillingError(f"BILLING_DATABASE_URL must name a Postgres database, not {url.drivername}")
        return url.set(drivername="postgresql+psycopg")
    cluster = embedded_cluster()
    return cluster.ensure_running() if start_local else cluster.url()


def loader_url() -> URL:
    """The URL landing uses: BILLING_LOADER_DATABASE_URL (a billing_loader login), else database_url()."""
    raw = os.environ.get("BILLING_LOADER_DATABASE_URL")
    if not raw:
        return database_url()
    try:
        url = make_url(raw)
    except Exception:  # noqa: BLE001 - never echo the URL: it may hold a password
        raise BillingError("BILLING_LOADER_DATABASE_URL is not a valid SQLAlchemy URL") from None
    if not url.drivername.startswith("postgresql"):
        raise BillingError(f"BILLING_LOADER_DATABASE_URL must name a Postgres database, not {url.drivername}")
    return url.set(drivername="postgresql+psycopg")


def ensure_database(url: URL) -> None:
    """Create the database named by the URL if the server does not have it yet."""
    import psycopg
    try:
        with psycopg.connect(**{**_libpq_kwargs(url), "dbname": "postgres"}, autocommit=True) as conn:
            check_server_version(conn.info.server_version, conn.info.parameter_status("server_version"), url)
            exists = conn.execute("select 1 from pg_database where datname = %s", (url.database,)).fetchone()
            if not exists:
                conn.execute(f'create database "{url.database}"')
    except psycopg.OperationalError as exc:
        raise TransientError(f"cannot connect to Postgres at {where(url)}: {_first_line(exc)}") from exc
    except psycopg.errors.InsufficientPrivilege:
        pass  # a managed database the role may not create: connecting to it will tell


def check_server_version(number: int, text: str | None, url: URL) -> None:
    """Refuse a server older than PostgreSQL 15, in one line."""
    if number < MIN_SERVER_VERSION:
        shown = (text or str(number)).split()[0]
        raise BillingError(f"the server at {where(url)} runs PostgreSQL {shown}; the warehouse needs "
                           f"PostgreSQL 15 or newer")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


@contextmanager
def connect(url: URL | None = None, *, autocommit: bool = False, phase: str | None = None):
    """A psycopg 3 connection to the warehouse; connection failures become one-line BillingErrors.

    Its application_name is `iaas-billing` (`iaas-billing <phase>` for a pipeline phase), so an operator
    sees in pg_stat_activity which phase of a run each session belongs to.
    """
    import psycopg
    url = url or database_url()
    name = f"{APPLICATION_NAME} {phase}" if phase else APPLICATION_NAME
    try:
        conn = psycopg.connect(**_libpq_kwargs(url, name), autocommit=autocommit)
    except psycopg.OperationalError as exc:
        if f'database "{url.database}" does not exist' in str(exc):
            from iaas_billing.base.errors import WarehouseMissing

            raise WarehouseMissing(f"the database {url.database!r} does not exist at {where(url)}: "
                                   f"create the warehouse with `iaas-billing init`") from None
        raise TransientError(f"cannot connect to Postgres at {where(url)}: {_first_line(exc)}") from exc
    try:
        check_server_version(conn.info.server_version, conn.info.parameter_status("server_version"), url)
        yield conn
    finally:
        conn.close()


def connection_lost(exc: BaseException) -> bool:
    """True when the server went away under a session: the socket closed (no SQLSTATE), or the server shut
    down or crashed or killed the backend (57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now)."""
    import psycopg
    return isinstance(exc, psycopg.OperationalError) and exc.sqlstate in (None, "57P01", "57P02", "57P03")


@contextmanager
def lost_is_transient(url: URL, who: str):
    """A connection lost in the block (a server crash or restart) becomes one retryable line naming `who`."""
    try:
        yield
    except Exception as exc:
        if not connection_lost(exc):
            raise
        raise TransientError(f"{who}: lost the database at {where(url)}: {_first_line(exc)}") from exc


def sqlalchemy_url(url: URL | None = None) -> str:
    return (url or database_url()).render_as_string(hide_password=False)


def dbt_env(url: URL | None = None) -> dict[str, str]:
    """Environment variables read by dbt_project/profiles.yml."""
    url = url or database_url()
    return {
        "BILLING_PGHOST": _host(url),
        "BILLING_PGPORT": str(url.port or 5432),
        "BILLING_PGUSER": url.username or "postgres",
        "BILLING_PGPASSWORD": url.password or "",
        "BILLING_PGDATABASE": url.database or "iaas_billing",
    }


def export_dbt_env() -> None:
    """Set the dbt profile's variables from BILLING_DATABASE_URL without touching the network (for DAG files)."""
    os.environ.update(dbt_env(database_url(start_local=False)))
