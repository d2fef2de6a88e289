"""The reference tax (rules §9) on hand-computed invoices: the rate in force, reverse charge, rounding per group."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing_simulator.reference_tax import MissingTaxRate, TaxGroup, invoice, rate_in_force
from billing_simulator.taxes import TaxRow

SEP, OCT, NOV = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)
OLD = date(2020, 1, 1)
ROWS = [
    TaxRow("GB", "VAT", Decimal("0.20"), False, OLD),
    TaxRow("GB", "VAT", Decimal("0.21"), False, NOV),  # in force from the first day of November
    TaxRow("DE", "VAT", Decimal("0.19"), True, OLD),
    TaxRow("JP", "Consumption tax", Decimal("0.10"), False, OLD),
    TaxRow("BH", "VAT", Decimal("0.10"), False, OLD),
    TaxRow("AU", "GST", Decimal("0.10"), False, OLD),
    TaxRow("AU", "GST", Decimal("0.12"), False, date(2026, 10, 16)),  # mid-month
]


def so(country: str, currency: str, lines, tax_id: str = "", terms: int | None = 45, period: date = NOV):
    return invoice("SO", "ACC-1", period, currency, [(Decimal(a), p) for a, p in lines], ROWS, country, tax_id, terms)


def test_jpy_rounds_an_exact_half_away_from_zero_to_the_yen():
    # 15 x 0.10 = 1.5 -> 2; -25 x 0.10 = -2.5 -> -3 (a negative invoice: a credit)
    assert so("JP", "JPY", [("10", NOV), ("5", NOV)]).tax_amount == Decimal("2")
    credit = so("JP", "JPY", [("-25", NOV)])
    assert (credit.net_amount, credit.tax_amount, credit.gross_amount) == (Decimal("-25"), Decimal("-3"),
                                                                            Decimal("-28"))


def test_bhd_rounds_an_exact_half_away_from_zero_to_the_fils():
    # 0.125 x 0.10 = 0.0125 -> 0.013; -0.125 -> -0.013
    assert so("BH", "BHD", [("0.100", NOV), ("0.025", NOV)]).tax_amount == Decimal("0.013")
    assert so("BH", "BHD", [("-0.125", NOV)]).tax_amount == Decimal("-0.013")


def test_tax_is_rounded_once_per_group_not_per_line():
    # three lines of 0.07 at 21 %: per line 0.0147 -> 0.01 (0.03 in all); per group 0.21 x 0.21 = 0.0441 -> 0.04
    inv = so("GB", "GBP", [("0.07", NOV)] * 3)
    assert inv.tax_amount == Decimal("0.04")


def test_an_adjustment_of_the_month_before_the_change_keeps_the_old_rate():
    # November's own lines 100.00 + 50.05 at 21 %: 150.05 x 0.21 = 31.5105 -> 31.51;
    # October's adjustment 10.05 at 20 % (in force on 31 October): 2.01
    inv = so("GB", "GBP", [("100.00", NOV), ("50.05", NOV), ("10.05", OCT)])
    assert inv.groups == (TaxGroup("VAT", Decimal("0.20"), False, Decimal("10.05"), Decimal("2.01")),
                          TaxGroup("VAT", Decimal("0.21"), False, Decimal("150.05"), Decimal("31.51")))
    assert (inv.net_amount, inv.tax_amount, inv.gross_amount) == (Decimal("160.10"), Decimal("33.52"),
                                                                  Decimal("193.62"))


def test_a_negative_group_gives_a_negative_tax():
    # October's adjustment -10.03 at 20 %: -2.006 -> -2.01; November's 40.00 at 21 %: 8.40
    inv = so("GB", "GBP", [("40.00", NOV), ("-10.03", OCT)])
    assert [(g.rate, g.taxable_amount, g.tax_amount) for g in inv.groups] == [
        (Decimal("0.20"), Decimal("-10.03"), Decimal("-2.01")), (Decimal("0.21"), Decimal("40.00"), Decimal("8.40"))]
    assert (inv.net_amount, inv.tax_amount, inv.gross_amount) == (Decimal("29.97"), Decimal("6.39"),
                                                                  Decimal("36.36"))


def test_reverse_charge_only_for_a_customer_with_a_tax_id():
    # 1234.56 x 0.19 = 234.5664 -> 234.57 without a tax_id; with one: rate 0, no tax
    plain = so("DE", "EUR", [("1234.56", NOV)])
    assert plain.groups == (TaxGroup("VAT", Decimal("0.19"), False, Decimal("1234.56"), Decimal("234.57")),)
    reverse = so("DE", "EUR", [("1234.56", NOV)], tax_id="DE123456789")
    assert reverse.groups == (TaxGroup("VAT", Decimal("0"), True, Decimal("1234.56"), Decimal("0.00")),)
    assert (reverse.tax_amount, reverse.gross_amount) == (Decimal("0.00"), Decimal("1234.56"))
    # a tax_id changes nothing where the country's row is not reverse charge: 100 x 0.21 = 21.00
    assert so("GB", "GBP", [("100.00", NOV)], tax_id="GB123456789").tax_amount == Decimal("21.00")


def test_the_rate_is_the_one_in_force_on_the_last_day_of_the_charges_period():
    # a change effective on 16 October applies to all of October (31 October is after it), not to September
    assert rate_in_force(ROWS, "AU", date(2026, 10, 31)).rate == Decimal("0.12")
    assert rate_in_force(ROWS, "AU", date(2026, 10, 15)).rate == Decimal("0.10")
    inv = so("AU", "AUD", [("200.00", OCT), ("-100.00", SEP)], period=OCT)
    # October 200.00 x 0.12 = 24.00; September's adjustment -100.00 x 0.10 = -10.00
    assert [(g.rate, g.tax_amount) for g in inv.groups] == [(Decimal("0.10"), Decimal("-10.00")),
                                                            (Decimal("0.12"), Decimal("24.00"))]
    assert inv.tax_amount == Decimal("14.00")
    # a rate effective from 1 November is not in force for October's lines
    assert so("GB", "GBP", [("100.00", OCT)], period=OCT).tax_amount == Decimal("20.00")


def test_terms_default_to_30_days_and_head_office_statements_carry_no_tax():
    assert so("GB", "GBP", [("1.00", NOV)], terms=None).payment_terms_days == 30
    assert so("GB", "GBP", [("1.00", NOV)], terms=15).payment_terms_days == 15
    ho = invoice("HO", "ACC-1", NOV, "GBP", [(Decimal("80.00"), NOV), (Decimal("5.55"), OCT)], ROWS, "GB", "", 45)
    assert (ho.net_amount, ho.tax_amount, ho.gross_amount, ho.payment_terms_days, ho.groups) == (
        Decimal("85.55"), Decimal("0.00"), Decimal("85.55"), None, ())


def test_a_country_without_a_rate_in_force_cannot_be_taxed():
    with pytest.raises(MissingTaxRate) as info:
        so("SE", "SEK", [("10.00", NOV)])
    assert (info.value.country, info.value.day) == ("SE", date(2026, 11, 30))
    early = [TaxRow("SE", "VAT", Decimal("0.25"), True, date(2026, 12, 1))]  # only from after the period
    with pytest.raises(MissingTaxRate):
        invoice("SO", "ACC-1", NOV, "SEK", [(Decimal("10.00"), NOV)], early, "SE", "", None)
