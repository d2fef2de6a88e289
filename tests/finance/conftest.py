"""Finance fixtures: one warehouse with the hand-made world (tests/finance/world.py) and the finance models built."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from iaas_billing.base import db, dbt_runner
from tests.conftest import server_url
from tests.finance import world

# What the finance models need, built by dbt; the rating and reconciliation marts they read (fct_invoice_lines,
# fct_invoices, fct_invoice_taxes, fct_reconciliation_breaks, dim_resources) are the world's hand-made tables.
# The FOCUS export's resources come from the lineage views over the ledger the world also writes.
FINANCE_SELECTION = [
    "+dim_accounts", "+int_skus_resolved", "+int_skus_focus_units", "+stg_inbox__fx_rates", "+stg_inbox__inbox_files",
    "+stg_billing__invoice_line_sources", "+stg_billing__invoice_lines", "+int_invoice_adjustment_deltas",
    "path:models/intermediate/finance", "path:models/marts/finance",
    # the interface views the finance report and the invoice documents read (models/marts/interface)
    "fct_fx_rates_latest", "fct_fx_rates_missing", "dim_skus",
]
HAND_MADE = ["fct_invoice_lines", "fct_invoices", "fct_invoice_taxes", "fct_reconciliation_breaks"]


def connect(url, **kwargs) -> psycopg.Connection:
    return psycopg.connect(**db.server_kwargs(url), dbname=url.database, **kwargs)


def build_finance(url) -> dbt_runner.DbtResult:
    """dbt build (models, data tests and unit tests) of the finance models and what they need."""
    return dbt_runner.run_dbt(["build", "--select", *FINANCE_SELECTION, "--exclude", *HAND_MADE,
                               "--indirect-selection", "cautious"], url=url)


@pytest.fixture(scope="session")
def finance_url(databases):
    """A warehouse with the world loaded and the finance models built (shared, read-only)."""
    url = databases.create("finance")
    with connect(url) as conn:
        world.load_inputs(conn)
        world.load_invoices(conn)
        world.load_ledger(conn)
        world.load_breaks(conn)
    build_finance(url)
    return url


@pytest.fixture(scope="session")
def login_role():
    """LOGIN members of the reader roles with random names, dropped at the end of the session."""
    created: list[str] = []

    def _make(group: str) -> str:
        name = f"test_{group}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(**db.server_kwargs(server_url()),
                             dbname="postgres", autocommit=True) as conn:
            conn.execute(f'create role "{name}" login in role {group}')
        created.append(name)
        return name

    yield _make
    with psycopg.connect(**db.server_kwargs(server_url()),
                         dbname="postgres", autocommit=True) as conn:
        for name in created:
            conn.execute(f'drop role if exists "{name}"')
