"""A simulated October against the simulator's ground truth (truth/expected_breaks.csv).

The pipeline runs as production would see it: at each period's close instant (params.json
`periods[].closes_at`, so the bill run issues what was delivered by then), then once everything has
been delivered (`all_delivered_at`). Open breaks must equal the truth's open rows exactly: recall and
precision 100 % for L1, L2 and L3 (figures included) and for the data-quality rows. Resolved rows
depend on the run cadence (docs/simulator.md) and are not compared. With `--discrepancy-rate 0` no
L1, L2 or L3 break is left open.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from decimal import Decimal

import pytest

from .conftest import break_rows, run_pipeline

pytestmark = pytest.mark.slow

LEVELS = ("L1_PRIMARY_VS_SECONDARY", "L2_ORDERSTREAM_VS_BILLING", "L3_FINANCE_VS_ORDERSTREAM")


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _simulate_and_run(databases, tmp_path_factory, label: str, rate: str):
    from billing_simulator import command

    out = tmp_path_factory.mktemp(label)
    code = command.main(["--out", str(out), "--accounts", "12", "--resources-per-account", "2", "--seed", "11",
                         "--discrepancy-rate", rate, "--jobs", "1", "--quiet"])
    assert code == 0
    params = json.loads((out / "truth" / "params.json").read_text())
    url = databases.create(label)
    clocks = sorted({_instant(p["closes_at"]) for p in params["periods"]} | {_instant(params["all_delivered_at"])})
    for as_of in clocks:
        run_pipeline(out / "inbox", as_of, url)
    with open(out / "truth" / "expected_breaks.csv", encoding="utf-8") as f:
        truth = list(csv.DictReader(f))
    return url, truth


def _num(value) -> Decimal:
    return Decimal(0) if value in (None, "") else Decimal(str(value)).normalize() + 0


def _key(row: dict) -> tuple:
    """What identifies a break of each type, the same way for the truth and for the mart."""
    level, kind = row["recon_level"], row["break_type"]
    day = str(row["business_date"])
    text = {k: ("" if row.get(k) is None else str(row[k])) for k in
            ("account_id", "sku", "event_type", "file_name", "line_number", "event_id")}
    if level in LEVELS:
        return (level, kind, day, text["account_id"], text["sku"], text["event_type"] if level.startswith("L2") else "",
                _num(row["expected"]), _num(row["actual"]))
    if kind == "quarantined_row":
        return (level, kind, day, text["file_name"], text["line_number"])
    if kind == "conflicting_duplicate":
        return (level, kind, text["event_id"], text["file_name"], text["line_number"])
    if kind in ("lifecycle_anomaly", "held_event"):
        return (level, kind, text["event_id"])
    if kind == "unpriced_usage":
        return (level, kind, day, text["account_id"], text["sku"])
    return (level, kind, day, text["account_id"], text["file_name"])


@pytest.fixture(scope="module")
def simulated(databases, gx_root, tmp_path_factory):
    return _simulate_and_run(databases, tmp_path_factory, "recon_sim", "0.05")


@pytest.fixture(scope="module")
def simulated_clean(databases, gx_root, tmp_path_factory):
    return _simulate_and_run(databases, tmp_path_factory, "recon_sim_clean", "0")


def _compare(url, truth, levels):
    expected = {_key(r) for r in truth if r["status"] == "open" and r["recon_level"] in levels}
    got = {_key(b) for b in break_rows(url, "open") if b["recon_level"] in levels}
    return expected, got


@pytest.mark.rule("6.2", "6.3", "6.4")
def test_open_l1_l2_l3_breaks_match_the_truth_exactly(simulated):
    url, truth = simulated
    expected, got = _compare(url, truth, LEVELS)
    assert expected, "the simulation injected no discrepancy"
    assert {k[:2] for k in expected} >= {("L1_PRIMARY_VS_SECONDARY", "amount_mismatch"),
                                         ("L2_ORDERSTREAM_VS_BILLING", "count_shortfall"),
                                         ("L3_FINANCE_VS_ORDERSTREAM", "missing_in_finance")}
    assert sorted(expected - got) == [], "recall"
    assert sorted(got - expected) == [], "precision"


@pytest.mark.rule("6.5")
def test_open_data_quality_breaks_match_the_truth(simulated):
    url, truth = simulated
    expected, got = _compare(url, truth, ("DATA_QUALITY",))
    assert sorted(expected - got) == [], "recall"
    assert sorted(got - expected) == [], "precision"


@pytest.mark.rule("6.1")
def test_no_discrepancy_no_open_break(simulated_clean):
    url, truth = simulated_clean
    assert not [r for r in truth if r["recon_level"] in LEVELS]
    still_open = [b for b in break_rows(url, "open") if b["recon_level"] in LEVELS]
    assert still_open == []
    # what late events showed at the close instant was cleared by the time everything landed
    assert all(b["status"] == "resolved" for b in break_rows(url) if b["recon_level"] in LEVELS)
