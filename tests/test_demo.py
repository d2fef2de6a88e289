"""`make demo` on a machine with no Postgres: the demo driver with the machine's Postgres hidden from it.

Hidden twice over: the PATH keeps no directory with an `initdb`, `pg_ctl` or `postgres`, and the demo runs in
a network namespace of its own (`unshare --net`), where nothing answers on 127.0.0.1:5432 or anywhere. It
must create the embedded cluster (BILLING_PG_DIR, a temporary directory), create the warehouse, and run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_PROGRAMS = ("initdb", "pg_ctl", "postgres")
# a network namespace of our own: as root directly, else in a user namespace that keeps our uid
UNSHARE = shutil.which("unshare") or "unshare"  # resolved before the PATH is cut
ISOLATED = [UNSHARE, "--net"] if os.geteuid() == 0 else [UNSHARE, "--user", "--map-current-user", "--net"]
PROBE = "import socket\ntry:\n socket.create_connection(('127.0.0.1', 5432), 2)\nexcept OSError:\n print('hidden')"


def _environment(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PG", "BILLING_")) and k not in ("DBT_TARGET_PATH", "DBT_LOG_PATH")}
    path = [d for d in os.environ["PATH"].split(os.pathsep)
            if d and not any(Path(d, program).exists() for program in POSTGRES_PROGRAMS)]
    return {**env, "PATH": os.pathsep.join(path), "BILLING_PG_DIR": str(tmp / "pg"),
            "BILLING_GX_DIR": str(tmp / "gx"), "DBT_TARGET_PATH": str(tmp / "dbt" / "target"),
            "DBT_LOG_PATH": str(tmp / "dbt" / "logs")}


def test_the_demo_runs_where_no_postgres_answers_and_none_is_installed(tmp_path):
    env = _environment(tmp_path)
    assert all(shutil.which(program, path=env["PATH"]) is None for program in POSTGRES_PROGRAMS)
    probe = subprocess.run([*ISOLATED, sys.executable, "-c", PROBE], env=env, capture_output=True, text=True)
    assert probe.returncode == 0 and probe.stdout.strip() == "hidden", probe.stderr

    try:
        done = subprocess.run([*ISOLATED, sys.executable, "-m", "iaas_billing.cli.demo", "--dir", str(tmp_path / "demo"),
                               "--accounts", "3"], env=env, capture_output=True, text=True, timeout=900, cwd=ROOT)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        assert f"warehouse: {tmp_path / 'pg' / 'run'}:5432/iaas_billing" in done.stdout
        assert "closed 2026-10:" in done.stdout
        shown = done.stdout[done.stdout.index("Margin 2026-10"):]
        assert re.search(r"^  total +US\$[\d,.]+ +US\$", shown, re.M), shown[:2000]
        assert "Five largest accounts by revenue in USD" in shown
        # the simulator's injected discrepancies, read from DIR/truth, beside the breaks found
        with open(tmp_path / "demo" / "truth" / "discrepancies.csv", encoding="utf-8") as f:
            injected = sum(1 for _ in f) - 1
        total = re.search(r"^  total +(\d+) +(\d+) +(\d+) +(\d+)$", shown, re.M)
        assert total and int(total.group(1)) == injected, shown[-2000:]
        assert (tmp_path / "pg" / "data" / "PG_VERSION").read_text().strip() == "18"
    finally:
        from iaas_billing.base.embedded import Cluster

        Cluster(tmp_path / "pg").destroy()


def test_largest_accounts_ranked_by_the_usd_figure_shown():
    from decimal import Decimal as D

    from iaas_billing.reports import summary

    accounts = [  # JPY's 100,000 is the biggest number, not the biggest revenue; no rate for BHD: last
        {"account_id": "ACC-JP", "country": "JP", "currency": "JPY", "revenue": D("100000"), "revenue_usd": D("660.00")},
        {"account_id": "ACC-BH", "country": "BH", "currency": "BHD", "revenue": D("5000.000"), "revenue_usd": None},
        {"account_id": "ACC-US", "country": "US", "currency": "USD", "revenue": D("1000"), "revenue_usd": D("1000.00")},
    ]
    lines = summary.largest_accounts(accounts)
    assert [line.split()[0] for line in lines] == ["ACC-US", "ACC-JP", "ACC-BH"]
    assert lines[0].split()[-2:] == ["US$1,000.00", "US$1,000.00"] and lines[1].split()[-1] == "US$660.00"
    assert lines[2].split()[-1] == "n/a"


def test_margin_per_currency_and_in_total():
    from decimal import Decimal as D

    from iaas_billing.reports import summary

    by_currency = [{"currency": "CAD", "revenue": D("200.00"), "cost": D("150.00"), "margin": D("50.00"),
                    "margin_usd": D("36.00"), "is_usd_complete": True}]
    total = {"revenue_usd": D("144.00"), "cost_usd": D("108.00"), "margin_usd": D("36.00"), "margin_pct": D("0.25")}
    _, cad, tot = summary.margin_lines(by_currency, total)
    assert cad.split() == ["CAD", "CA$200.00", "CA$150.00", "CA$50.00", "25.0%", "US$36.00"]  # 50 / 200
    assert tot.split() == ["total", "US$144.00", "US$108.00", "US$36.00", "25.0%", "US$36.00"]


def test_injected_discrepancies_beside_the_breaks_found(tmp_path):
    from iaas_billing.reports import summary

    (tmp_path / "discrepancies.csv").write_text(
        "kind,level,break_type,business_date,account_id,sku,event_type,currency,expected,actual,description\n"
        "a,L1_PRIMARY_VS_SECONDARY,amount_mismatch,2026-10-02,ACC-1,cpu,,USD,1,2,x\n"
        "b,L1_PRIMARY_VS_SECONDARY,amount_mismatch,2026-10-03,ACC-2,cpu,,USD,1,3,x\n"
        "c,L3_FINANCE_VS_ORDERSTREAM,missing_in_finance,2026-10-01,ACC-3,,,,,,x\n", encoding="utf-8")
    injected = summary.read_injected(tmp_path)
    assert injected == {("L1", "amount_mismatch"): 2, ("L3", "missing_in_finance"): 1}
    found = [{"recon_level": "L1_PRIMARY_VS_SECONDARY", "break_type": "amount_mismatch", "open_count": 2,
              "resolved_count": 1},
             {"recon_level": "DATA_QUALITY", "break_type": "unknown_sku", "open_count": 1, "resolved_count": 0}]
    (tmp_path / "expected_breaks.csv").write_text(
        "recon_level,break_type,business_date,account_id,sku,event_type,expected,actual,status,currency,file_name,"
        "line_number,event_id,resource_id,detail\n"
        "L1_PRIMARY_VS_SECONDARY,amount_mismatch,2026-10-02,ACC-1,cpu,,1,2,open,USD,,,,,\n"
        "L1_PRIMARY_VS_SECONDARY,amount_mismatch,2026-10-03,ACC-2,cpu,,1,3,resolved,USD,,,,,\n"
        "DATA_QUALITY,unknown_sku,2026-10-03,ACC-2,gpu,,,,open,,f.csv,7,,,\n", encoding="utf-8")
    expected = summary.read_expected_open(tmp_path)
    assert expected == {("L1", "amount_mismatch"): 1, ("DQ", "unknown_sku"): 1}
    lines = [line.split() for line in summary.discrepancy_lines(injected, found, expected)[1:]]
    assert lines == [["DQ", "unknown_sku", "0", "1", "1", "0"], ["L1", "amount_mismatch", "2", "1", "2", "1"],
                     ["L3", "missing_in_finance", "1", "0", "0", "0"], ["total", "3", "2", "3", "1"]]
    assert summary.read_injected(tmp_path / "nowhere") is None
    assert [line.split()[-4:] for line in summary.discrepancy_lines(None, found)[1:]] == [
        ["-", "-", "1", "0"], ["-", "-", "2", "1"]]  # no truth (a real inbox): no total line
