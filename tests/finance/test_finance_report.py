"""`iaas-billing report`: the finance pack, one self-contained HTML page with inline SVG charts."""

from __future__ import annotations

import re

import psycopg
import pytest

from iaas_billing import cli
from iaas_billing.base import db
from tests.conftest import server_url
from tests.finance.conftest import connect


def render(url, out) -> str:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BILLING_DATABASE_URL", url.render_as_string(hide_password=False))
        assert cli.main(["report", "--period", "2026-10", "--out", str(out)]) == 0
    return (out / "finance_pack_2026-10.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def page(finance_url, tmp_path_factory):
    return render(finance_url, tmp_path_factory.mktemp("report"))


def test_self_contained_with_charts(page):
    assert page.count("<svg") == 2  # by country, by category
    assert not re.search(r'<(script|link)\b|src="http|href="http|@import', page)


def test_headline_against_the_previous_month(page):
    assert "US$255.33" in page and "US$240.52" in page and "US$14.81" in page  # October, USD
    assert "September 2026: n/a" in page  # September lacks the EUR rate: n/a, never a partial total
    assert "Missing FX rates" in page and "EUR for 2026-09" in page
    assert "+74.0%" in page  # US revenue 57.60 -> 100.24


def test_largest_accounts_and_loss_makers(page):
    accounts = page.index("Largest accounts")
    assert page.index("ACC-001", accounts) < page.index("ACC-002", accounts) < page.index("ACC-004", accounts)
    losses = page[page.index("Loss makers"):page.index("Reconciliation</h2>")]
    for subject in ("ACC-004", "setup.fee", "lic.win.core", "stor.ssd.gb"):
        assert subject in losses
    assert "-¥1,200" in losses and "-28,60\xa0€" in losses


def test_reconciliation_status_with_amount_at_risk(page):
    # open: L3 USD -10.00, L1 JPY -144 (* 0.0066 = 0.9504 -> 0.95), a DQ count; resolved: L1 USD -0.06
    assert "3 open and 1 resolved breaks dated October 2026; amount at risk: US$10.95." in page
    rows = re.findall(r"<tr><td>(L\d_[A-Z_]+|DATA_QUALITY)</td><td>([^<]*)</td><td class=\"num\">(\d+)</td>"
                      r"<td class=\"num\">(\d+)</td><td class=\"num\">([^<]*)</td><td class=\"num\">([^<]*)</td>", page)
    assert ("L1_PRIMARY_VS_SECONDARY", "JPY", "1", "0", "¥144", "US$0.95") in rows
    assert ("L1_PRIMARY_VS_SECONDARY", "USD", "0", "1", "US$0.00", "US$0.00") in rows
    assert ("L3_FINANCE_VS_ORDERSTREAM", "USD", "1", "0", "US$10.00", "US$10.00") in rows
    assert ("DATA_QUALITY", "(counts)", "1", "0", "", "") in rows


def test_reconciliation_not_available_without_the_breaks_mart(finance_url, tmp_path, databases):
    name = f"{finance_url.database}_norecon"
    with psycopg.connect(**db.server_kwargs(server_url()),
                         dbname="postgres", autocommit=True) as admin:
        admin.execute(f'create database "{name}" template "{finance_url.database}"')
    databases.created.append(name)
    url = finance_url.set(database=name)
    with connect(url, autocommit=True) as conn:
        conn.execute("drop table marts.fct_reconciliation_breaks cascade")
    page = render(url, tmp_path)
    assert "Reconciliation status: not available" in page
