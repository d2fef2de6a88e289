"""Finds the warehouse (BILLING_DATABASE_URL, a local server, or a private cluster) and connects to it."""

from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from iaas_billing.errors import BillingError
from iaas_billing.settings import DEFAULT_SERVER_URL, LOCAL_CLUSTER_PORT, LOCAL_DIR

HOW_TO_GET_ONE = (
    "set BILLING_DATABASE_URL to a Postgres 15+ database, install PostgreSQL "
    "(apt-get install postgresql), or run `docker compose up -d postgres`"
)


APPLICATION_NAME = "iaas-billing"


def _libpq_kwargs(url: URL, application_name: str = APPLICATION_NAME) -> dict:
    kwargs = {
        "host": url.host or "127.0.0.1",
        "port": url.port or 5432,
        "user": url.username or "postgres",
        "dbname": url.database or "postgres",
        "connect_timeout": 5,
        "application_name": application_name,
    }
    if url.password:
        kwargs["password"] = url.password
    return kwargs


def where(url: URL) -> str:
    """Host, port and database of a URL, never its password."""
    return f"{url.host or '127.0.0.1'}:{url.port or 5432}/{url.database}"


def _answers(url: URL) -> bool:
    import psycopg  # here, not at module level: DAG files import this module at parse time
    try:
        with psycopg.connect(**{**_libpq_kwargs(url), "dbname": "postgres", "connect_timeout": 2}):
            return True
    except psycopg.Error:
        return False


def _start_private_cluster() -> URL | None:
    """Create and start a cluster under .local/pg with the machine's initdb/pg_ctl, if they exist."""
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not (initdb and pg_ctl):
        return None
    data = LOCAL_DIR / "pg" / "data"
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        if not shutil.which("runuser"):
            return None
        run_as = ["runuser", "-u", "postgres", "--"]
    if not (data / "PG_VERSION").exists():
        data.mkdir(parents=True, exist_ok=True)
        if run_as:
            shutil.chown(data.parent, "postgres")
            shutil.chown(data, "postgres")
        subprocess.run([*run_as, initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
                       check=True, capture_output=True)
    url = make_url(DEFAULT_SERVER_URL).set(port=LOCAL_CLUSTER_PORT)
    if not _answers(url):
        log = Path(data.parent, "server.log")
        subprocess.run([*run_as, pg_ctl, "-D", str(data), "-l", str(log), "-w", "-o",
                        f"-p {LOCAL_CLUSTER_PORT} -k {data} -c listen_addresses=127.0.0.1", "start"],
                       check=True, capture_output=True)
    return url


def database_url(*, start_local: bool = True) -> URL:
    """The warehouse URL: BILLING_DATABASE_URL, else the local server, else a private cluster."""
    raw = os.environ.get("BILLING_DATABASE_URL")
    if raw:
        try:
            url = make_url(raw)
        except Exception as exc:  # noqa: BLE001 - sqlalchemy raises ArgumentError with the whole URL
            raise BillingError("BILLING_DATABASE_URL is not a valid SQLAlchemy URL") from exc
        if not url.drivername.startswith("postgresql"):
            raise BillingError(f"BILLING_DATABASE_URL must name a Postgres database, not {url.drivername}")
        return url.set(drivername="postgresql+psycopg")
    url = make_url(DEFAULT_SERVER_URL)
    if not start_local or _answers(url):
        return url
    try:
        private = _start_private_cluster()
    except subprocess.CalledProcessError as exc:
        raise BillingError(f"could not start a private Postgres under .local/pg ({exc}); {HOW_TO_GET_ONE}") from exc
    if private is None:
        raise BillingError(f"no Postgres answers on 127.0.0.1:5432 and none can be started here; {HOW_TO_GET_ONE}")
    return private


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
            exists = conn.execute("select 1 from pg_database where datname = %s", (url.database,)).fetchone()
            if not exists:
                conn.execute(f'create database "{url.database}"')
    except psycopg.OperationalError as exc:
        raise BillingError(f"cannot connect to Postgres at {where(url)}: {_first_line(exc)}") from exc
    except psycopg.errors.InsufficientPrivilege:
        pass  # a managed database the role may not create: connecting to it will tell


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
        raise BillingError(f"cannot connect to Postgres at {where(url)}: {_first_line(exc)}") from exc
    try:
        yield conn
    finally:
        conn.close()


def sqlalchemy_url(url: URL | None = None) -> str:
    return (url or database_url()).render_as_string(hide_password=False)


def dbt_env(url: URL | None = None) -> dict[str, str]:
    """Environment variables read by dbt_project/profiles.yml."""
    url = url or database_url()
    return {
        "BILLING_PGHOST": url.host or "127.0.0.1",
        "BILLING_PGPORT": str(url.port or 5432),
        "BILLING_PGUSER": url.username or "postgres",
        "BILLING_PGPASSWORD": url.password or "",
        "BILLING_PGDATABASE": url.database or "iaas_billing",
    }


def export_dbt_env() -> None:
    """Set the dbt profile's variables from BILLING_DATABASE_URL without touching the network (for DAG files)."""
    os.environ.update(dbt_env(database_url(start_local=False)))
