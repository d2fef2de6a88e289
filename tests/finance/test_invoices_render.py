"""`iaas-billing invoices render`: one document per issued invoice, totals that parse back, currency formatting."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
from babel.numbers import parse_decimal

from iaas_billing import cli
from iaas_billing.reports.invoices_render import COUNTRY_LOCALES
from tests.finance.conftest import connect


def cell(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}">([^<]*)<', html)
    assert match, element_id
    return unescape(match.group(1)).strip()


def parse_amount(text: str, locale: str) -> Decimal:
    """A formatted amount back to a Decimal: drop the currency symbol or code, parse with the locale."""
    number = re.sub(r"[^\d.,'’\s\u00a0\u202f-]", "", text).strip()
    return Decimal(str(parse_decimal(number, locale=locale, strict=False)))


@pytest.fixture(scope="module")
def rendered(finance_url, tmp_path_factory):
    out = tmp_path_factory.mktemp("invoices")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BILLING_DATABASE_URL", finance_url.render_as_string(hide_password=False))
        assert cli.main(["invoices", "render", "--period", "2026-10", "--out", str(out)]) == 0
    return out


def test_one_document_per_issued_invoice_whose_total_parses_back(finance_url, rendered):
    with connect(finance_url) as conn:
        invoices = conn.execute("select i.invoice_id, i.total_amount, a.country from marts.fct_invoices i"
                                " join marts.dim_accounts a using (account_id)"
                                " where billing_period = '2026-10-01'").fetchall()
    assert len(invoices) == 8
    assert sorted(p.stem for p in rendered.glob("*-2026*.html")) == sorted(i for i, _, _ in invoices)
    for invoice_id, total_amount, country in invoices:
        html = (rendered / f"{invoice_id}.html").read_text(encoding="utf-8")
        assert cell(html, "invoice-number") == invoice_id
        assert cell(html, "invoice-period") == "October 2026"
        assert parse_amount(cell(html, "invoice-total"), COUNTRY_LOCALES[country]) == total_amount, invoice_id


@pytest.mark.rule("1.2")
def test_yen_has_no_decimals_and_bahraini_dinar_three(rendered):
    jpy = (rendered / "SO-202610-000002.html").read_text(encoding="utf-8")
    assert cell(jpy, "invoice-total") == "¥9,264"
    assert "¥4,464" in jpy and "¥4,800" in jpy  # line amounts, no decimal part
    bhd = (rendered / "SO-202610-000003.html").read_text(encoding="utf-8")
    assert cell(bhd, "invoice-total") == "BHD13.560"
    assert "BHD11.160" in bhd and "BHD0.500" in bhd
    eur = (rendered / "HO-202610-000004.html").read_text(encoding="utf-8")
    assert unescape(cell(eur, "invoice-total")) == "82,20\xa0€"  # de_DE: decimal comma, symbol after


def test_adjustment_lines_are_shown_with_the_period_they_adjust(rendered):
    html = (rendered / "SO-202610-000001.html").read_text(encoding="utf-8")
    adjustments = re.findall(r'<tr class="adjustment">(.*?)</tr>', html, flags=re.S)
    assert len(adjustments) == 1
    assert "Adjustment" in adjustments[0] and "September 2026" in adjustments[0] and "$0.96" in adjustments[0]
    assert len(re.findall(r'<tr class="line">', html)) == 3
    # idle lines say so
    assert "idle rate" in (rendered / "SO-202610-000003.html").read_text(encoding="utf-8")


def test_a_period_without_invoices_is_an_error_not_an_empty_folder(finance_url, tmp_path, use_database, capsys):
    use_database(finance_url)
    assert cli.main(["invoices", "render", "--period", "2027-01", "--out", str(tmp_path / "none")]) == 2
    assert "no issued invoices for period 2027-01" in capsys.readouterr().err
