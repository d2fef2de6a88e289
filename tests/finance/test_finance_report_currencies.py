"""The finance pack where currencies mix: unambiguous dollar symbols, no comparison in a first month, loss makers' countries.

A second warehouse of the finance world (tests/finance/world.py) where ACC-003 is a Canadian account billed in CAD
(its amounts unchanged) and finance sent the EUR rate for September that the shared world lacks, so that every
USD figure of September is known and September, with no August before it, is a first month.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from iaas_billing import cli
from iaas_billing.reports import finance_report as fr
from tests.finance import world
from tests.finance.conftest import build_finance, connect


@pytest.fixture(scope="module")
def mixed_url(databases):
    url = databases.create("finance_mixed")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(world, "ACCOUNTS", [("ACC-003", "Maple Compute Ltd", "CA", "CAD") if a[0] == "ACC-003" else a
                                          for a in world.ACCOUNTS])
        patch.setattr(world, "FX_FILES", [*world.FX_FILES, ("fx_rates_202609_eur.csv", [(world.SEP, "EUR", Decimal("1.07"))]),
                                          ("fx_rates_202610_cad.csv", [(world.OCT, "CAD", Decimal("0.72"))])])
        with connect(url) as conn:
            world.load_inputs(conn)
            world.load_invoices(conn)
            world.load_ledger(conn)
            world.load_breaks(conn)
    build_finance(url)
    return url


def render(url, out, period: str) -> str:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BILLING_DATABASE_URL", url.render_as_string(hide_password=False))
        assert cli.main(["report", "--period", period, "--out", str(out)]) == 0
    return (out / f"finance_pack_{period}.html").read_text(encoding="utf-8")


def test_dollar_currencies_carry_their_country():
    assert fr.usd(Decimal("1234.5")) == "US$1,234.50"
    assert fr.usd(Decimal("-0.95")) == "-US$0.95"
    assert fr.local(Decimal("13.560"), "CAD", "CA") == "CA$13.56"
    assert fr.local(Decimal("10"), "AUD", "AU") == "A$10.00"
    assert fr.local(Decimal("10"), "SGD", "SG") == "S$10.00"
    assert fr.local(Decimal("10"), "USD", "US") == "US$10.00"
    # the other currencies keep their locale's own symbol
    assert fr.local(Decimal("-1200"), "JPY", "JP") == "-¥1,200"
    assert fr.local(Decimal("-28.6"), "EUR", "DE") == "-28,60\xa0€"


def test_a_cad_and_a_usd_account_side_by_side(mixed_url, tmp_path):
    page = render(mixed_url, tmp_path, "2026-10")
    accounts = page[page.index("Largest accounts"):page.index("Loss makers")]
    # revenue in the account's currency: ACC-001 100.24 USD, ACC-003 13.560 CAD (2 minor units)
    assert "US$100.24" in accounts and "CA$13.56" in accounts
    # ACC-003 in USD, per SKU rounded then summed: cpu 11.160 + 0.500 = 11.66 * 0.72 = 8.3952 -> 8.40,
    # storage 1.900 * 0.72 = 1.368 -> 1.37: US$9.77
    assert "US$9.77" in accounts
    assert ">$" not in page.replace("US$", "").replace("CA$", "")  # no bare dollar anywhere


def test_loss_makers_show_the_account_country(mixed_url, tmp_path):
    page = render(mixed_url, tmp_path, "2026-10")
    losses = page[page.index("Loss makers"):page.index("Reconciliation</h2>")]
    # ACC-004 (DE, EUR): margin 53.60 - 82.20 = -28.60
    assert "<tr><td>account</td><td>ACC-004</td><td>DE</td><td></td><td class=\"num neg\">-28,60\xa0€</td>" in losses
    # a SKU has a category, no country
    assert "<td>setup.fee</td><td></td><td>" in losses


def test_a_first_month_has_no_comparison_and_no_na(mixed_url, tmp_path):
    context = fr.build(date(2026, 9, 1), mixed_url)
    assert context["comparison"] == []
    assert all(k["before"] is None for k in context["headline"])
    page = render(mixed_url, tmp_path, "2026-09")
    assert "n/a" not in page
    assert "August 2026" in page and "nothing to compare with" in page
    assert "against August 2026" not in page
    # September in USD: revenue 57.60 + 4320 * 0.0068 (29.376 -> 29.38) + 7.20 * 1.07 (7.704 -> 7.70) = 94.68
    assert "US$94.68" in page
