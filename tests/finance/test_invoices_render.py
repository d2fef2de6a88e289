"""`iaas-billing invoices render`: one document per issued invoice, totals that parse back, currency formatting."""

from __future__ import annotations

import re
import subprocess
from decimal import Decimal
from html import unescape

import pytest
from babel.numbers import parse_decimal
from PIL import Image

from iaas_billing import cli
from iaas_billing.reports import invoices_render
from iaas_billing.reports.invoices_render import COUNTRY_LOCALES
from tests import tax_tables
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
    assert "Adjustment" in adjustments[0] and "$0.96" in adjustments[0]
    # grouped under the period it adjusts, with that period's tax rate (6 % in September, 7.25 % in October)
    group = re.search(r'<tr class="group"><td[^>]*>Adjusts September 2026</td></tr>\s*<tr class="adjustment">', html)
    assert group, "the adjustment is not under its period's heading"
    assert "Sales tax 6%" in adjustments[0]
    assert len(re.findall(r'<tr class="line">', html)) == 3
    # idle lines say so
    assert "idle rate" in (rendered / "SO-202610-000003.html").read_text(encoding="utf-8")


def test_a_period_without_invoices_is_an_error_not_an_empty_folder(finance_url, tmp_path, use_database, capsys):
    use_database(finance_url)
    assert cli.main(["invoices", "render", "--period", "2027-01", "--out", str(tmp_path / "none")]) == 2
    assert "no issued invoices for period 2027-01" in capsys.readouterr().err


# --- the PDF documents (rules §9): pages that render, and every legal field in the text -------------------------

def pdf_text(pdf) -> str:
    """pdftotext of a PDF, in reading order, with the locales' no-break spaces as plain spaces."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    return re.sub(r"[\u00a0\u202f]", " ", text)


def test_every_html_document_has_its_pdf_and_the_index_links_both(rendered):
    htmls = sorted(p.stem for p in rendered.glob("*-2026*.html"))
    assert sorted(p.stem for p in rendered.glob("*.pdf")) == htmls
    for stem in htmls:
        assert (rendered / f"{stem}.pdf").read_bytes().startswith(b"%PDF-")
    index = (rendered / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{stem}.pdf"' in index and f'href="{stem}.html"' in index for stem in htmls)


@pytest.mark.parametrize("invoice", ["SO-202610-000001", "HO-202610-000001"])
def test_pdftoppm_turns_the_pdf_into_pages_with_content(rendered, tmp_path, invoice):
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(rendered / f"{invoice}.pdf"), str(tmp_path / "page")],
                   check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 1  # a short invoice fits one A4 page
    with Image.open(pages[0]) as image:
        assert image.size == (414, 585)  # A4 at 50 dpi: 210 x 297 mm
        gray = image.convert("L")
        dark = sum(gray.histogram()[:128])
        # text, rules and figures: a few percent of the page is ink, far from blank and far from black
        assert 0.01 < dark / (gray.width * gray.height) < 0.25, dark


def test_so_invoice_pdf_has_issuer_customer_dates_taxes_and_totals(rendered):
    text = pdf_text(rendered / "SO-202610-000001.pdf")
    _, legal_name, address, registration = tax_tables.entity("US")
    expected = [
        "Invoice", legal_name, *address.split("; "), f"Tax registration: {registration}",
        "Billed to", "Acme Cloud Inc", "SO-202610-000001",
        "Issue date", "2026-11-01", "Due date", "2026-12-01",  # issued 2026-11-01 01:00 UTC + 30 days (empty)
        "Net amount", "$100.24",
        "Sales tax 7.25% on $99.28", "$7.20",  # 99.28 x 0.0725 = 7.1978 -> 7.20
        "Sales tax 6% on $0.96", "$0.06",  # the September adjustment at September's rate: 0.0576 -> 0.06
        "Total due, tax included (USD)", "$107.50",
        "Adjusts September 2026", "Page 1 of 1",
    ]
    missing = [field for field in expected if field not in text]
    assert not missing, (missing, text)
    assert "Reverse charge" not in text and "tax ID" not in text  # no tax_id, no reverse charge


def test_customer_tax_id_and_amounts_in_the_local_format(rendered):
    jpy = pdf_text(rendered / "SO-202610-000002.pdf")
    for field in ["Kabushiki Kaisha Sora", "Customer tax ID: T7010001008844", "Cloud Sales JP Ltd",
                  "Due date", "2026-12-16",  # 45 days
                  "Consumption tax 10% on ¥9,264", "¥926", "¥10,190"]:  # 926.4 -> 926, no decimals
        assert field in jpy, (field, jpy)
    bhd = pdf_text(rendered / "SO-202610-000003.pdf")
    for field in ["2026-12-31", "VAT 10% on BHD13.560", "BHD1.356", "BHD14.916"]:  # 60 days; three decimals
        assert field in bhd, (field, bhd)


def test_reverse_charge_invoice_states_it_and_charges_no_tax(rendered):
    text = pdf_text(rendered / "SO-202610-000004.pdf")
    for field in ["Berliner Rechen GmbH", "Customer tax ID: DE129273398", "Cloud Sales DE Ltd", "2026-11-16",
                  "VAT, reverse charge on 53,60 €", "0,00 €",
                  "Reverse charge: the customer accounts for the VAT"]:
        assert field in text, (field, text)
    assert re.search(r"Total due, tax included \(EUR\)\s+53,60 €", text), text
    assert "Reverse charge" not in pdf_text(rendered / "SO-202610-000002.pdf")


def test_ho_statement_is_an_internal_cost_statement_without_tax_or_customer(rendered):
    text = pdf_text(rendered / "HO-202610-000004.pdf")
    for field in ["Cost statement", "INTERNAL", "NOT AN INVOICE", "Head office (internal)", "HO-202610-000004",
                  "Total cost (EUR)", "82,20 €"]:
        assert field in text, (field, text)
    for absent in ["Billed to", "Tax registration", "Due date", "VAT", "reverse charge", "%", "Total due"]:
        assert absent not in text, (absent, text)


def test_a_long_invoice_breaks_across_pages_repeating_the_table_header(tmp_path):
    """No database: a document of 90 lines, laid out by WeasyPrint; every page has the header and its number."""
    line = invoices_render.Line(sku="cpu.std.vcpu", description="Standard vCPU, unit-hours", quantity="1,488",
                                quantity_exact="1,488", unit_price="$0.04", amount="$59.52", adjusted_period=None,
                                tax="Sales tax 7.25%")
    doc = invoices_render.Document(
        invoice_id="SO-202610-000009", tenant="SO", title="Invoice", account_id="ACC-009", account_name="Long Ltd",
        country="US", currency="USD", currency_name="US Dollar", locale="en_US", period="October 2026",
        issued_at="", total="$5,356.80", total_amount=Decimal("5356.80"), lines=[line] * 90,
        issuer_legal_name="Cloud Sales US Ltd", issue_date="2026-11-01", due_date="2026-12-01", net="$5,356.80",
        gross="$5,745.17", tax_total="$388.37")
    pdf = tmp_path / "long.pdf"
    invoices_render.write_pdf(invoices_render.render_document(doc), pdf, tmp_path)
    pages = pdf_text(pdf).split("\f")[:-1]
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        if number > 1:  # the running head names the document; the lines' table repeats its header
            assert "Invoice SO-202610-000009" in page
            assert re.search(r"SKU\s+Description\s+Quantity\s+Unit price\s+Tax\s+Amount", page), page
    assert sum(page.count("Standard vCPU, unit-hours") for page in pages) == 90
