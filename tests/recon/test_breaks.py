"""Every break type from hand-made inbox files: real landing, real dbt build, real GX checkpoints.

One warehouse for the module, three runs of the whole pipeline (land, build, bill run, checks):
1. as of 2026-10-03T02:00 - days 10-01 and 10-02 are complete: L1, L2 and data-quality breaks;
2. as of 2026-11-01T02:00 - later data (a late event, a new version of a primary billing file,
   the missing account) clears some breaks, October is closed and finance's posting gives L3 breaks;
3. the same run again - nothing changes.
The expected figures are computed by hand in tests/recon/scenario.py.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.finance.test_finance_report_browser import FLAGS, chromium
from tests.test_demo import ISOLATED

from . import scenario as sc
from .conftest import ROOT, break_rows, figures, key, norm, rows, run_pipeline, snapshot

RUN1 = datetime(2026, 10, 3, 2, tzinfo=UTC)
RUN2 = datetime(2026, 11, 1, 2, tzinfo=UTC)


def _n(rows_set):
    return {tuple(norm(v) for v in r) for r in rows_set}


@pytest.fixture(scope="module")
def world(databases, gx_root, tmp_path_factory):
    url = databases.create("recon_breaks")
    inbox = tmp_path_factory.mktemp("inbox")
    sc.write(inbox, sc.first_inbox())
    out = {"url": url}
    out["run1"] = run_pipeline(inbox, RUN1, url=url)
    out["breaks1"] = break_rows(url)
    out["summary1"] = rows(url, "select * from marts.fct_reconciliation_daily_summary")
    sc.write(inbox, sc.second_inbox())
    out["run2"] = run_pipeline(inbox, RUN2, url=url)
    out["breaks2"] = break_rows(url)
    out["snapshot2"] = snapshot(url)
    out["run3"] = run_pipeline(inbox, RUN2, url=url)
    out["snapshot3"] = snapshot(url)
    return out


def _level(breaks, level, status=None):
    return [b for b in breaks if b["recon_level"] == level and (status is None or b["status"] == status)]


@pytest.mark.rule("6.2")
def test_l1_breaks_have_hand_computed_figures(world):
    got = {figures(b) for b in _level(world["breaks1"], sc.L1)}
    assert got == _n(sc.RUN1_L1)
    # within one minor unit is no break: EUR 2.80 vs 2.81, BHD 0.196 vs 0.197
    assert not any(b["sku"] == "cpu.std.vcpu" and b["account_id"] in ("ACC-1",) for b in world["breaks1"]
                   if b["recon_level"] == sc.L1 and b["business_date"].isoformat() == "2026-10-01")


@pytest.mark.rule("6.3")
def test_l2_breaks_count_distinct_landed_events(world):
    got = {figures(b) for b in _level(world["breaks1"], sc.L2)}
    assert got == _n(sc.RUN1_L2)
    details = {b["account_id"]: b["detail"] for b in _level(world["breaks1"], sc.L2)
               if b["business_date"].isoformat() == "2026-10-01"}
    assert "MODIFY" in details["ACC-1"] and "MODIFY" in details["ACC-2"]


@pytest.mark.rule("1.1", "6.5")
def test_data_quality_breaks(world):
    dq = _level(world["breaks1"], sc.DQ)
    assert len(dq) == len(sc.RUN1_DQ)
    for _lvl, break_type, day, account, sku, word in sc.RUN1_DQ:
        matches = [b for b in dq if (b["break_type"], norm(b["business_date"]), b["account_id"], b["sku"])
                   == (break_type, day, account, sku) and word in b["detail"]]
        assert len(matches) == 1, (break_type, day, account, word, [b["detail"] for b in dq])
    rejected = next(b for b in dq if b["break_type"] == "rejected_file")
    assert (rejected["expected"], rejected["actual"], rejected["difference"]) == (2, 0, -2)


@pytest.mark.rule("6.1")
def test_first_run_breaks_are_open_and_detected_at_the_clock(world):
    assert world["breaks1"]
    assert {b["status"] for b in world["breaks1"]} == {"open"}
    assert {b["detected_at"] for b in world["breaks1"]} == {RUN1}
    assert all(b["resolved_at"] is None for b in world["breaks1"])


@pytest.mark.rule("6.1")
def test_summary_counts_lines_and_amount_at_risk(world):
    by = {(r["business_date"].isoformat(), r["recon_level"], r["currency"]): r for r in world["summary1"]}
    eur = by[("2026-10-01", sc.L1, "EUR")]  # cpu (within tolerance), mem (missing), stor
    assert (eur["lines_compared"], eur["lines_matched"], eur["open_breaks"]) == (3, 2, 1)
    assert norm(eur["amount_at_risk"]) == norm(sc.D("1.12"))
    bhd = by[("2026-10-01", sc.L1, "BHD")]  # cpu (within tolerance), lb (missing in platform)
    assert (bhd["lines_compared"], bhd["lines_matched"], bhd["open_breaks"]) == (2, 1, 1)
    assert norm(bhd["amount_at_risk"]) == norm(sc.D(5))
    counts = by[("2026-10-01", sc.L2, None)]  # 8 keys: 7 control rows + ACC-1 MODIFY
    assert (counts["lines_compared"], counts["lines_matched"], counts["open_breaks"]) == (8, 6, 2)
    assert counts["amount_at_risk"] is None


@pytest.mark.rule("6.1")
def test_later_data_resolves_breaks_and_keeps_them(world):
    resolved = _level(world["breaks2"], sc.L1, "resolved") + _level(world["breaks2"], sc.L2, "resolved") \
        + _level(world["breaks2"], sc.DQ, "resolved")
    assert sorted(key(b) for b in resolved) == sorted(
        list(sc.RUN2_RESOLVED) + [(sc.DQ, "held_event", "2026-10-01", "ACC-7", None)])
    assert {b["resolved_at"] for b in resolved} == {RUN2}
    assert {b["detected_at"] for b in resolved} == {RUN1}
    # nothing is deleted: every break of run 1 is still there, under the same id
    assert {b["break_id"] for b in world["breaks1"]} <= {b["break_id"] for b in world["breaks2"]}
    still_open = {figures(b) for b in _level(world["breaks2"], sc.L1, "open")}
    assert still_open == _n(r for r in sc.RUN1_L1 if r[2] == "2026-10-01")


@pytest.mark.rule("6.4")
def test_l3_compares_finance_with_the_so_invoice_totals(world):
    got = {figures(b) for b in _level(world["breaks2"], sc.L3)}
    assert got == _n(sc.RUN2_L3)
    assert {b["detected_at"] for b in _level(world["breaks2"], sc.L3)} == {RUN2}


@pytest.mark.rule("2.5", "6.5")
def test_unpriced_usage_appears_once_the_held_events_apply(world):
    unpriced = [b for b in _level(world["breaks2"], sc.DQ, "open") if b["break_type"] == "unpriced_usage"]
    assert len(unpriced) == len(sc.RUN2_NEW_DQ)
    for _lvl, _type, day, account, sku, word in sc.RUN2_NEW_DQ:
        assert any((norm(b["business_date"]), b["account_id"], b["sku"]) == (day, account, sku)
                   and word in b["detail"] for b in unpriced), [b["detail"] for b in unpriced]


def test_missing_fx_rates_of_a_closed_period(world):
    fx = {(norm(b["business_date"]), b["currency"]) for b in _level(world["breaks2"], sc.DQ, "open")
          if b["break_type"] == "missing_fx_rate"}
    assert fx == sc.RUN2_FX
    assert not [b for b in world["breaks1"] if b["break_type"] == "missing_fx_rate"]


@pytest.mark.rule("6.2")
def test_only_complete_days_are_compared(world):
    # vm-4 runs all October, but only 10-01 and 10-02 have a primary billing file and control totals
    days = {r["business_date"].isoformat() for r in rows(world["url"], "select * from marts.fct_reconciliation_daily_summary")
            if r["recon_level"] in (sc.L1, sc.L2)}
    assert days == {"2026-10-01", "2026-10-02"}


def test_rerun_with_same_inputs_and_clock_changes_nothing(world):
    assert world["snapshot3"] == world["snapshot2"]
    assert world["run3"].recon.opened == world["run3"].recon.resolved == world["run3"].recon.updated == 0


def test_gx_counts_agree_with_the_rows_written(world):
    results = rows(world["url"], "select * from audit.recon_check_results")
    assert results
    assert all(r["gx_unexpected_count"] == r["breaks_written"] for r in results)
    assert all(r["gx_success"] == (r["gx_unexpected_count"] == 0) for r in results)
    summary = world["run2"].recon
    assert not summary.errors
    assert "open break" in str(summary)


def test_data_docs_site_is_rebuilt(world, gx_root):
    index = gx_root / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    assert index.exists()
    assert world["run2"].recon.docs == index
    assert (gx_root / "gx" / "expectations" / "recon_l1_primary_vs_secondary.json").exists()


@pytest.mark.rule("6.1")
def test_full_refresh_keeps_every_break(world):
    from iaas_billing.base import dbt_runner

    before = rows(world["url"], "select * from marts.fct_reconciliation_breaks order by break_id")
    dbt_runner.run_dbt(["build", "--full-refresh", "--select", "path:models/marts/reconciliation"],
                       url=world["url"], as_of=RUN2)
    assert rows(world["url"], "select * from marts.fct_reconciliation_breaks order by break_id") == before


def _chromium_offline(page: Path, *extra: str) -> subprocess.CompletedProcess:
    """Headless Chromium on `page` in a network namespace of its own: nothing off the machine answers."""
    return subprocess.run([*ISOLATED, chromium(), *[f for f in FLAGS if f != "--dump-dom"],
                           f"--user-data-dir={page.parent / '.chromium-profile'}", *extra, page.as_uri()],
                          capture_output=True, text=True, timeout=120)


def test_data_docs_render_offline_with_each_run_named(world, gx_root, tmp_path):
    site = gx_root / "gx" / "uncommitted" / "data_docs" / "local_site"
    index = site / "index.html"
    pages = list(site.rglob("*.html"))
    assert len(pages) > 1
    for page in pages:  # nothing off the site: scripts and styles are the vendored copies
        assert not re.search(r'<(script|link)\b[^>]*(src|href)="https?:', page.read_text(encoding="utf-8")), page
    assert (site / "static" / "vendor" / "bootstrap-table.min.js").exists()

    dom = _chromium_offline(index, "--dump-dom")
    # The validations table is drawn by bootstrap-table (and its Run Time filter by bootstrap-datepicker) from
    # data in the page's script: if a script is missing, no row is drawn. The run names are read from the cells
    # of the drawn rows, not from the script's data.
    drawn = re.findall(r'<tr[^>]*data-href="validations/[^"]*"[^>]*>(.*?)</tr>', dom.stdout, re.S)
    assert drawn, f"no validation row drawn offline (exit {dom.returncode}): {dom.stderr[-1500:]}"
    cells = {re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
             for row in drawn for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)}
    for name in ("revenue_assurance_daily 2026-10-03T02:00Z", "revenue_assurance_daily 2026-11-01T02:00Z",
                 "period_reconciliation 2026-11-01T02:00Z"):
        assert name in cells, (name, sorted(cells)[:20])
    assert "__none__" not in cells

    shot = tmp_path / "data-docs-offline.png"
    _chromium_offline(index, f"--screenshot={shot}", "--window-size=1400,900")
    assert shot.exists() and shot.stat().st_size > 10_000
    if os.environ.get("BILLING_DOCS_SCREENSHOTS"):  # refresh docs/data-docs-offline.png
        shutil.copyfile(shot, ROOT / "docs" / "data-docs-offline.png")


def test_data_docs_keep_the_last_runs_of_each_checkpoint(world, gx_root, tmp_path, monkeypatch):
    from iaas_billing.recon import gx

    root = tmp_path / "gx-copy"
    shutil.copytree(gx_root, root)
    monkeypatch.setenv(gx.KEEP_RUNS_ENV, "1")
    index = gx.build_docs(world["url"], root=root)
    daily = {p.name for p in (root / "gx" / "uncommitted" / "validations").glob("*/revenue_assurance_daily *")}
    assert daily == {"revenue_assurance_daily 2026-11-01T02:00Z"}
    pages = {p.parent.parent.name for p in index.parent.glob("validations/*/*/*/*.html")}
    assert "revenue_assurance_daily 2026-10-03T02:00Z" not in pages
    assert "revenue_assurance_daily 2026-11-01T02:00Z" in pages
    html = index.read_text(encoding="utf-8")
    assert "2026-10-03T02:00Z" not in html and "2026-11-01T02:00Z" in html
