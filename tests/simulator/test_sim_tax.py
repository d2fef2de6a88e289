"""The simulated tax: truth/invoices.csv and truth/invoice_taxes.csv are the truth's lines taxed by rules §9,
recomputed here from the inbox's files with decimal arithmetic of its own."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sim_inbox import read_csv, read_inbox

from billing_simulator import command
from billing_simulator.money import MINOR_UNITS


def last_day(period: str) -> date:
    return (date.fromisoformat(period) + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def expected(sim) -> tuple[dict, dict]:
    """(tenant, account, period) -> (currency, net, tax, gross, terms) and (account, period, tax_name, rate,
    reverse) -> (currency, taxable, tax), for the periods of the range."""
    inbox = read_inbox(sim / "inbox")
    params = json.loads((sim / "truth" / "params.json").read_text())
    periods = {p["period"] + "-01" for p in params["periods"]}
    lines = defaultdict(list)
    for r in read_csv(sim / "truth" / "invoice_lines_at_close.csv"):
        lines[(r["tenant"], r["account_id"], r["billing_period"])].append((r, r["billing_period"]))
    for r in read_csv(sim / "truth" / "adjustment_lines.csv"):
        if r["billing_period"] in periods:
            lines[(r["tenant"], r["account_id"], r["billing_period"])].append((r, r["adjusted_period"]))
    invoices, taxes = {}, {}
    for (tenant, account, period), rows in lines.items():
        currency = rows[0][0]["currency"]
        net = sum(Decimal(r["amount"]) for r, _ in rows)
        if tenant == "HO":
            invoices[(tenant, account, period)] = (currency, net, Decimal(0), net, "")
            continue
        groups = defaultdict(Decimal)
        for r, charges in rows:
            day = last_day(charges)
            row = max((t for t in inbox.tax_rows if t.country == inbox.countries[account] and t.effective_from <= day),
                      key=lambda t: t.effective_from)
            reverse = row.reverse_charge and inbox.tax_ids[account] != ""
            groups[(row.tax_name, Decimal(0) if reverse else row.rate, reverse)] += Decimal(r["amount"])
        quantum = Decimal(1).scaleb(-MINOR_UNITS[currency])
        total = Decimal(0)
        for (name, rate, reverse), taxable in groups.items():
            tax = (taxable * rate).quantize(quantum, rounding=ROUND_HALF_UP)  # ties away from zero
            taxes[(account, period, name, rate, reverse)] = (currency, taxable, tax)
            total += tax
        terms = inbox.payment_terms[account]
        invoices[(tenant, account, period)] = (currency, net, total, net + total, str(30 if terms is None else terms))
    return invoices, taxes


def written(sim) -> tuple[dict, dict]:
    invoices = {(r["tenant"], r["account_id"], r["billing_period"]):
                (r["currency"], Decimal(r["net_amount"]), Decimal(r["tax_amount"]), Decimal(r["gross_amount"]),
                 r["payment_terms_days"]) for r in read_csv(sim / "truth" / "invoices.csv")}
    taxes = {(r["account_id"], r["billing_period"], r["tax_name"], Decimal(r["rate"]), r["is_reverse_charge"] == "true"):
             (r["currency"], Decimal(r["taxable_amount"]), Decimal(r["tax_amount"]))
             for r in read_csv(sim / "truth" / "invoice_taxes.csv")}
    return invoices, taxes


@pytest.mark.parametrize("world", ["small_sim", "messy_sim", "two_month_sim"])
def test_invoices_are_the_truth_lines_taxed_by_the_rules(world, request):
    sim = request.getfixturevalue(world)
    want_invoices, want_taxes = expected(sim)
    got_invoices, got_taxes = written(sim)
    assert got_invoices and got_taxes
    assert got_invoices == want_invoices
    assert got_taxes == want_taxes


def test_a_rate_change_inside_the_range_puts_two_rates_on_one_invoice(two_month_sim):
    params = json.loads((two_month_sim / "truth" / "params.json").read_text())
    assert params["tax"]["rate_change_from"] == "2026-11-01" and len(params["tax"]["rate_changes"]) == 2
    rates = read_csv(two_month_sim / "inbox" / "tax_rates_20260924.csv")
    assert {(r["country"], r["rate"]) for r in rates if r["effective_from"] == "2026-11-01"} == \
        set(params["tax"]["rate_changes"].items())
    by_invoice = defaultdict(set)
    for r in read_csv(two_month_sim / "truth" / "invoice_taxes.csv"):
        by_invoice[(r["account_id"], r["billing_period"])].add((r["rate"], r["is_reverse_charge"]))
    two = {key for key, groups in by_invoice.items() if len(groups) > 1}
    assert two and all(period == "2026-11-01" for _, period in two)  # October's adjustment, the old rate
    assert any(reverse == "true" for groups in by_invoice.values() for _, reverse in groups)
    assert any(reverse == "false" for groups in by_invoice.values() for _, reverse in groups)


def test_a_missing_tax_rate_leaves_its_periods_open(missing_rate_sim, two_month_sim):
    rates = read_csv(missing_rate_sim / "inbox" / "tax_rates_20260924.csv")
    assert "AE" not in {r["country"] for r in rates} and len({r["country"] for r in rates}) == 11
    entities = read_csv(missing_rate_sim / "inbox" / "sales_entities_20260924.csv")
    assert "AE" in {e["country"] for e in entities}  # the issuer is there, the rate is not
    breaks = [b for b in read_csv(missing_rate_sim / "truth" / "expected_breaks.csv")
              if b["break_type"] == "missing_tax_rate"]
    assert [(b["recon_level"], b["business_date"], b["status"]) for b in breaks] == [
        ("DATA_QUALITY", "2026-10-01", "open"), ("DATA_QUALITY", "2026-11-01", "open")]
    assert all("AE" in b["detail"] and b["file_name"] == "tax_rates_20260924.csv" for b in breaks)
    # October cannot close, so no invoice of the range is issued; the lines themselves are those of the same world
    assert read_csv(missing_rate_sim / "truth" / "invoices.csv") == []
    assert read_csv(missing_rate_sim / "truth" / "invoice_taxes.csv") == []
    same = "invoice_lines_at_close.csv"
    assert (missing_rate_sim / "truth" / same).read_bytes() == (two_month_sim / "truth" / same).read_bytes()
    others = {b["break_type"] for b in read_csv(two_month_sim / "truth" / "expected_breaks.csv")}
    assert "missing_tax_rate" not in others


def test_an_unknown_country_is_refused(tmp_path, capsys):
    assert command.main(["--out", str(tmp_path), "--missing-tax-rate", "FR", "--quiet"]) == 2
    assert "--missing-tax-rate FR is not one of" in capsys.readouterr().err
