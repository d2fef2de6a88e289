"""The BI reader roles, connected as LOGIN members: finance reads marts only; the sales office sees SO rows, no cost."""

from __future__ import annotations

import psycopg
import pytest

from iaas_billing.base import db
from tests.finance.conftest import build_finance, connect

COST_OR_MARGIN = ("cost", "margin")


def as_role(url, role):
    return psycopg.connect(**{**db.server_kwargs(url), "user": role}, dbname=url.database, autocommit=True)


def denied(conn, statement: str) -> bool:
    try:
        conn.execute(statement)
    except psycopg.errors.InsufficientPrivilege:
        return True
    return False


def writable(conn, schema: str) -> list[str]:
    """The relations of a schema the connected role may insert into, update, delete from or truncate."""
    return [r[0] for r in conn.execute(
        "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = %s"
        " and c.relkind in ('r', 'v', 'm', 'p') and has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')",
        (schema,))]


@pytest.fixture(scope="module")
def finance_role(login_role):
    return login_role("billing_finance")


@pytest.fixture(scope="module")
def sales_role(login_role):
    return login_role("billing_sales_office")


def test_finance_reads_every_mart(finance_url, finance_role):
    with connect(finance_url) as admin:
        marts = [r[0] for r in admin.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1")]
    assert {"fct_margin_monthly", "fct_margin_usd_monthly", "fct_invoice_lines", "dim_accounts"} <= set(marts)
    with as_role(finance_url, finance_role) as conn:
        for name in marts:
            conn.execute(f'select count(*) from marts."{name}"').fetchone()
        assert conn.execute("select count(*) from marts.fct_invoice_lines where tenant = 'HO'").fetchone()[0] > 0


def test_finance_reads_nothing_else_and_writes_nothing(finance_url, finance_role):
    with as_role(finance_url, finance_role) as conn:
        for relation in ("raw.accounts", "raw.fx_rates", "staging.stg_inbox__accounts",
                         "intermediate.int_fx_rates_latest", "marts_sales.fct_invoices"):
            assert denied(conn, f"select 1 from {relation} limit 1"), relation
        assert not writable(conn, "marts")
        assert denied(conn, "delete from marts.dim_accounts")
        assert denied(conn, "insert into marts.fct_invoices (invoice_id) values ('x')")
        assert denied(conn, "update marts.fct_invoice_lines set amount = 0")
        assert denied(conn, "create table marts.finance_scratch (x int)")
        assert denied(conn, "create view marts.finance_scratch as select 1 as x")
        assert denied(conn, "create table raw.finance_scratch (x int)")
        for schema in ("billing", "audit"):
            assert denied(conn, f"create table {schema}.finance_scratch (x int)")


def test_sales_office_sees_only_so_rows_and_no_cost_or_margin(finance_url, sales_role):
    with as_role(finance_url, sales_role) as conn:
        tenants = {r[0] for r in conn.execute("select distinct tenant from marts_sales.fct_invoice_lines")}
        assert tenants == {"SO"}
        assert {r[0] for r in conn.execute("select distinct tenant from marts_sales.fct_invoices")} == {"SO"}
        # hand-made world: 4 SO invoices in October, 3 in September
        assert conn.execute("select count(*) from marts_sales.fct_invoices").fetchone()[0] == 7
        columns = conn.execute("select table_name, column_name from information_schema.columns"
                               " where table_schema = 'marts_sales'").fetchall()
        assert {t for t, _ in columns} == {"fct_invoice_lines", "fct_invoices", "fct_revenue_monthly", "dim_accounts"}
        assert not [c for _, c in columns if any(word in c for word in COST_OR_MARGIN)]
        revenue = conn.execute("select sum(revenue) from marts_sales.fct_revenue_monthly"
                               " where account_id = 'ACC-001' and billing_period = '2026-10-01'").fetchone()[0]
        assert str(revenue) == "100.24"
        for relation in ("marts.fct_margin_monthly", "marts.fct_invoice_lines", "marts.fct_invoices", "raw.accounts"):
            assert denied(conn, f"select 1 from {relation} limit 1"), relation
        assert not writable(conn, "marts_sales")


def test_row_level_security_keeps_ho_rows_from_the_sales_office(finance_url, sales_role):
    """Even granted a marts table with a tenant column directly, the sales office sees only SO rows."""
    with connect(finance_url, autocommit=True) as admin:
        policies = {r[0] for r in admin.execute(
            "select policyname from pg_policies where schemaname = 'marts' and tablename = 'fct_invoices'")}
        assert "sales_office_so_rows_only" in policies
        admin.execute("grant usage on schema marts to billing_sales_office")
        admin.execute("grant select on marts.fct_invoices to billing_sales_office")
        try:
            with as_role(finance_url, sales_role) as conn:
                assert {r[0] for r in conn.execute("select distinct tenant from marts.fct_invoices")} == {"SO"}
        finally:
            admin.execute("revoke select on marts.fct_invoices from billing_sales_office")
            admin.execute("revoke usage on schema marts from billing_sales_office")


def test_grants_and_policies_survive_a_rebuild(finance_url, finance_role, sales_role):
    build_finance(finance_url)
    with as_role(finance_url, finance_role) as conn:
        assert conn.execute("select count(*) from marts.fct_margin_monthly").fetchone()[0] == 12
    with as_role(finance_url, sales_role) as conn:
        assert {r[0] for r in conn.execute("select distinct tenant from marts_sales.fct_invoice_lines")} == {"SO"}
    with connect(finance_url) as admin:
        assert admin.execute("select count(*) from pg_policies where schemaname = 'marts'"
                             " and policyname = 'sales_office_so_rows_only'").fetchone()[0] == 2
