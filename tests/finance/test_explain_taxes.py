"""`iaas-billing explain --invoice ID --taxes` on the hand-made world's marts (tests/finance/world.py, LINE_TAX, TAXES)."""

from __future__ import annotations

import pytest

from iaas_billing import cli


def explain_taxes(url, invoice: str, capsys) -> str:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BILLING_DATABASE_URL", url.render_as_string(hide_password=False))
        code = cli.main(["explain", "--invoice", invoice, "--taxes"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_two_rates_on_one_invoice_the_adjustment_at_its_own_periods_rate(finance_url, capsys):
    out = explain_taxes(finance_url, "SO-202610-000001", capsys)
    expected = [
        "tax (rules §9): one tax line per rate, each rounded once, half away from zero, to 2 decimal(s)"
        " (USD's minor units)",
        "  tax line 1: Sales tax 7.25 %: rate 0.0725, not reverse charge",
        "    covers 3 line(s):",
        "      line(s) 1, 2, 3: charges of 2026-10 (the invoice's own period): the rate of US in force on 2026-10-31",
        "    taxable sum: 59.52 + 29.76 + 10.00 = 99.28 USD",
        "    99.28 x 0.0725 = 7.1978 exactly",
        "    rounded half away from zero to 2 decimal(s): 7.20 -> tax 7.20 USD",
        "  tax line 2: Sales tax 6 %: rate 0.06, not reverse charge",
        "      line(s) 4: charges of 2026-09 (an adjustment: the rate of the period it adjusts, not of the invoice's):"
        " the rate of US in force on 2026-09-30",
        "    taxable sum: 0.96 = 0.96 USD",
        "    0.96 x 0.06 = 0.0576 exactly",
        "    rounded half away from zero to 2 decimal(s): 0.06 -> tax 0.06 USD",
        "  net 100.24 + tax 7.26 = gross 107.50 USD",
        "  due 2026-12-01: issued 2026-11-01 (UTC) + 30 days' terms",
    ]
    missing = [line for line in expected if line not in out.splitlines()]
    assert not missing, (missing, out)
    assert "!!" not in out


def test_yen_bahraini_dinar_and_reverse_charge(finance_url, capsys):
    jpy = explain_taxes(finance_url, "SO-202610-000002", capsys).splitlines()
    assert "    9264 x 0.1 = 926.4 exactly" in jpy
    assert "    rounded half away from zero to 0 decimal(s): 926 -> tax 926 JPY" in jpy
    assert "  net 9264 + tax 926 = gross 10190 JPY" in jpy
    bhd = explain_taxes(finance_url, "SO-202610-000003", capsys).splitlines()
    assert "    13.560 x 0.1 = 1.356 exactly" in bhd and "  net 13.560 + tax 1.356 = gross 14.916 BHD" in bhd
    eur = explain_taxes(finance_url, "SO-202610-000004", capsys)
    assert "  tax line 1: VAT, reverse charge: rate 0 (the customer, tax ID DE129273398, accounts for the tax)" in eur
    assert "    53.60 x 0 = 0 exactly" in eur and "  net 53.60 + tax 0.00 = gross 53.60 EUR" in eur


def test_a_cost_statement_has_no_tax_to_explain(finance_url, capsys):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BILLING_DATABASE_URL", finance_url.render_as_string(hide_password=False))
        assert cli.main(["explain", "--invoice", "HO-202610-000001", "--taxes"]) == 2
    assert "head office cost statement: no tax applies" in capsys.readouterr().err
