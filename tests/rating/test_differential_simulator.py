"""Differential test: the platform's invoices against the simulator's independent reference rater.

Two small simulated months (October and November 2026) go through the real pipeline
(`iaas_billing.jobs.pipeline.run`: landing, the whole `dbt build`, the bill run, reconciliation), as
production would see it:
  1. clock 2026-11-01T01:00Z: everything delivered by then; October closes;
  2. clock 2026-12-01T01:00Z: November closes, carrying October's adjustment lines;
  3. clock 2026-12-04T00:00Z: every late file (the order stream runs 48 h past the range).
Every invoice line at close (truth/invoice_lines_at_close.csv) and every adjustment line issued
(truth/adjustment_lines.csv, those billed onto November) of both tenants must match to the minor unit.
Quantities are compared to 1e-6: an adjustment's quantity here is the difference of the published
6-decimal quantities, the reference's the 6-decimal rounding of the exact difference.

Tax (rules §9): the simulated tax table changes two countries' rates from 1 November, where October
adjustment lines cross the change, so that a November invoice carries the old rate on them and the new
one on its own lines. Net, tax and gross of every invoice (truth/invoices.csv) and every tax group
(truth/invoice_taxes.csv) must match to the minor unit.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from iaas_billing.base import db
from iaas_billing.jobs import pipeline

from .raw_rows import ts

pytest.importorskip("billing_simulator")

CLOSED = ("2026-10-01", "2026-11-01")  # the periods the three runs close
KEY = ("tenant", "account_id", "billing_period", "sku", "charge_type", "rate_kind", "unit_price")


def _truth(path: Path) -> dict[tuple, tuple[Decimal, Decimal, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    out = {}
    for row in rows:
        key = tuple(Decimal(row[k]) if k == "unit_price" else row[k] for k in KEY)
        key += (row.get("adjusted_period") or None,)
        out[key] = (Decimal(row["quantity"]), Decimal(row["amount"]), row["currency"])
    return out


def _issued(url, where: str) -> dict[tuple, tuple[Decimal, Decimal, str]]:
    with db.connect(url) as conn:
        rows = conn.execute(
            "select tenant, account_id, billing_period, sku, charge_type, rate_kind, unit_price, adjusted_period,"
            f" quantity, amount, currency from marts.fct_invoice_lines where {where}").fetchall()
    return {(t, a, p.isoformat(), s, c, k, u.normalize(), adj.isoformat() if adj else None): (q, amt, cur)
            for t, a, p, s, c, k, u, adj, q, amt, cur in rows}


def _normalize(lines: dict) -> dict:
    return {key[:6] + (key[6].normalize(),) + key[7:]: value for key, value in lines.items()}


def _compare(platform: dict, truth: dict) -> list[str]:
    problems = []
    truth = _normalize(truth)
    for key in sorted(set(platform) | set(truth), key=str):
        mine, ref = platform.get(key), truth.get(key)
        if mine is None or ref is None:
            problems.append(f"{key}: platform {mine}, truth {ref}")
        elif mine[1] != ref[1] or mine[2] != ref[2] or abs(mine[0] - ref[0]) > Decimal("0.000001"):
            problems.append(f"{key}: platform {mine}, truth {ref}")
    return problems


@pytest.fixture(scope="module")
def simulated(tmp_path_factory, databases):
    from billing_simulator import command

    out = tmp_path_factory.mktemp("sim")
    parser = __import__("argparse").ArgumentParser()
    command.add_arguments(parser)
    # the scenario of tests/simulator/conftest.py's two_month_sim, whose tests check its truth without a database
    args = parser.parse_args(["--out", str(out), "--accounts", "6", "--resources-per-account", "3",
                              "--seed", "20", "--late-rate", "0.1", "--end", "2026-12-01", "--quiet"])
    assert command.run(args) == 0
    url = databases.create("differential")
    reports = [pipeline.run(out / "inbox", as_of=ts(clock), url=url)
               for clock in ("2026-11-01T01:00:00Z", "2026-12-01T01:00:00Z", "2026-12-04T00:00:00Z")]
    return {"truth": out / "truth", "url": url, "reports": reports}


@pytest.mark.rule("3.1", "3.2", "4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "5.2")
def test_invoice_lines_at_close_match_the_reference_rater(simulated):
    truth = _truth(simulated["truth"] / "invoice_lines_at_close.csv")
    assert {k[2] for k in truth} == set(CLOSED), "the simulation produced no lines of a month"
    platform = _issued(simulated["url"], "adjusted_period is null")
    assert _compare(platform, truth) == []


@pytest.mark.rule("5.4")
def test_adjustment_lines_match_the_reference_rater(simulated):
    truth = {k: v for k, v in _truth(simulated["truth"] / "adjustment_lines.csv").items() if k[2] in CLOSED}
    assert truth, "the simulation produced no adjustment lines onto November (choose another seed)"
    platform = _issued(simulated["url"], "adjusted_period is not null")
    assert _compare(platform, truth) == []


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.rule("9.2", "9.3", "9.4", "9.5")
def test_invoice_net_tax_and_gross_match_the_reference(simulated):
    truth = {(r["tenant"], r["account_id"], r["billing_period"]):
             (r["currency"], Decimal(r["net_amount"]), Decimal(r["tax_amount"]), Decimal(r["gross_amount"]),
              int(r["payment_terms_days"]) if r["tenant"] == "SO" else None)
             for r in _rows(simulated["truth"] / "invoices.csv")}
    assert {k[2] for k in truth if k[0] == "SO"} == set(CLOSED)
    with db.connect(simulated["url"]) as conn:
        rows = conn.execute(
            "select tenant, account_id, billing_period, currency, net_amount, tax_amount, gross_amount,"
            " payment_terms_days, due_date, issued_at, total_amount from marts.fct_invoices").fetchall()
    platform = {(t, a, p.isoformat()): (c, net, tax, gross, terms if t == "SO" else None)
                for t, a, p, c, net, tax, gross, terms, *_ in rows}
    problems = [f"{key}: platform {platform.get(key)}, truth {truth.get(key)}"
                for key in sorted(set(platform) | set(truth)) if platform.get(key) != truth.get(key)]
    assert problems == []
    for t, a, p, _, net, _, _, terms, due, issued, total in rows:  # net is section 5's total; terms from issue
        assert net == total, (a, p)
        if t == "SO":
            assert due == issued.astimezone(UTC).date() + timedelta(days=terms), (a, p)


@pytest.mark.rule("9.2", "9.3", "9.4")
def test_invoice_tax_groups_match_the_reference(simulated):
    truth = {(r["account_id"], r["billing_period"], r["tax_name"], Decimal(r["rate"]).normalize(),
              r["is_reverse_charge"] == "true"): (r["currency"], Decimal(r["taxable_amount"]), Decimal(r["tax_amount"]))
             for r in _rows(simulated["truth"] / "invoice_taxes.csv")}
    per_invoice: dict[tuple, set] = {}
    for account, period, _, rate, reverse in truth:
        per_invoice.setdefault((account, period), set()).add((rate, reverse))
    # not vacuous: a November invoice taxes October's adjustment at the old rate and its own lines at the new
    assert any(len({rate for rate, reverse in groups if not reverse}) > 1 for groups in per_invoice.values())
    assert any(reverse for groups in per_invoice.values() for _, reverse in groups)
    with db.connect(simulated["url"]) as conn:
        rows = conn.execute(
            "select account_id, billing_period, tax_name, rate, is_reverse_charge, currency, taxable_amount,"
            " tax_amount from marts.fct_invoice_taxes").fetchall()
    platform = {(a, p.isoformat(), name, rate.normalize(), reverse): (c, taxable, tax)
                for a, p, name, rate, reverse, c, taxable, tax in rows}
    problems = [f"{key}: platform {platform.get(key)}, truth {truth.get(key)}"
                for key in sorted(set(platform) | set(truth), key=str) if platform.get(key) != truth.get(key)]
    assert problems == []


@pytest.mark.rule("5.5")
def test_each_period_closed_once(simulated):
    closes = [c.billing_period for report in simulated["reports"] for c in report.bill_runs]
    assert closes == [date(2026, 10, 1), date(2026, 11, 1)]


@pytest.mark.rule("2.5", "3.3", "3.4", "3.5")
def test_anomalies_conflicts_held_and_unpriced_match_the_expected_breaks(simulated):
    with (simulated["truth"] / "expected_breaks.csv").open(newline="", encoding="utf-8") as f:
        breaks = [row for row in csv.DictReader(f) if row["recon_level"] == "DATA_QUALITY"]

    def ids(break_type: str, status: str) -> set[str]:
        return {b["event_id"] for b in breaks if b["break_type"] == break_type and b["status"] == status}

    with db.connect(simulated["url"]) as conn:
        anomalies = conn.execute("select event_id, anomaly_type from marts.fct_lifecycle_anomalies").fetchall()
        held = conn.execute("select event_id from marts.fct_held_events").fetchall()
        unpriced = conn.execute("select count(*) from marts.fct_unpriced_usage").fetchone()[0]
    assert {e for e, kind in anomalies if kind != "conflicting_duplicate"} == ids("lifecycle_anomaly", "open")
    assert {e for e, kind in anomalies if kind == "conflicting_duplicate"} == ids("conflicting_duplicate", "open")
    assert {e for (e,) in held} == ids("held_event", "open")
    assert (unpriced == 0) == (not any(b["break_type"] == "unpriced_usage" and b["status"] == "open"
                                       for b in breaks))
