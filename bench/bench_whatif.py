"""Benchmark: re-rate a simulated month under a proposed price list (`iaas-billing whatif`); target < 2 minutes at 100k.

    .venv/bin/python bench/bench_whatif.py [--accounts 2000] [--resources-per-account 50] [--database NAME]
        [--reuse] [--write-docs]

Set-up (not timed as the what-if): simulate October 2026 (accounts x resources-per-account resources), land it,
`dbt build` at 2026-11-03T00:00Z and close October, in database NAME (default bench_whatif_<resources>, kept
so that --reuse measures again without the set-up). Then it times the what-if of October under a proposed list
(every SO compute and memory price +10 %, storage -5 %): validation, the re-rating stored as a scenario, and the
printed summary; prints the figures and the machine, and with --write-docs writes them under "What-if" in
docs/benchmarks.md. It asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import shutil
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import benchlib
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
AS_OF = datetime(2026, 11, 3, tzinfo=UTC)
PERIOD = date(2026, 10, 1)
SELECTION = ["--select", "+path:models/intermediate/pricing", "+path:models/marts/pricing", "+exposure:bill_run",
             "+exposure:pricing_whatif", "--indirect-selection", "cautious"]
CHANGES = {"compute": Decimal("1.10"), "memory": Decimal("1.10"), "storage": Decimal("0.95")}  # SO prices


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "?")
    mem = next((int(line.split()[1]) // 1024 // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    return f"{cpu}, {os.cpu_count()} cores, {mem} GiB RAM, Python {platform.python_version()}"


def proposed_list(inbox: Path, out: Path) -> int:
    """The initial catalogue's SO rows of the changed categories, repriced; returns the row count."""
    source = sorted(inbox.glob("catalog_*initial*.csv"))[0]
    with source.open(newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["tenant"] == "SO" and r["category"] in CHANGES]
    q = Decimal("0.000001")
    for r in rows:
        factor = CHANGES[r["category"]]
        r["unit_price"] = str((Decimal(r["unit_price"]) * factor).quantize(q))
        r["idle_unit_price"] = str((Decimal(r["idle_unit_price"] or "0") * factor).quantize(q))
    with out.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def set_up(url, accounts: int, per_account: int, work: Path) -> dict[str, float]:
    """Simulate, land, build and close October in the database; returns the seconds of each step."""
    from billing_simulator.simulation import Config, simulate
    from iaas_billing import landing
    from iaas_billing.base import dbt_runner, warehouse
    from iaas_billing.jobs import billrun

    seconds = {}
    started = time.perf_counter()
    simulate(Config(out=work, accounts=accounts, resources_per_account=per_account, start=PERIOD,
                    end=date(2026, 11, 1), discrepancy_rate=0, mess_rate=0), force=True, jobs=os.cpu_count() or 2)
    seconds["simulate"] = time.perf_counter() - started
    started = time.perf_counter()
    warehouse.init(url)
    landing.land_inbox(work / "inbox", AS_OF, url=url)
    seconds["land"] = time.perf_counter() - started
    started = time.perf_counter()
    dbt_runner.run_dbt(["build", *SELECTION], url=url, as_of=AS_OF)
    seconds["dbt build"] = time.perf_counter() - started
    started = time.perf_counter()
    billrun.close_due_periods(AS_OF, url=url, rebuild_if_stale=False)
    seconds["close"] = time.perf_counter() - started
    return seconds


def sizes(url) -> dict[str, int]:
    from iaas_billing.base import db

    queries = {
        "resources": "select count(distinct resource_id) from intermediate.int_resource_intervals_derived",
        "accounts": "select count(*) from marts.dim_accounts",
        "priced pieces (period)": "select count(*) from intermediate.int_usage_spans_priced"
                                  " where billing_period = '2026-10-01'",
        "daily rated rows (period)": "select count(*) from intermediate.int_usage_rated_daily"
                                     " where billing_period = '2026-10-01'",
        "issued lines (period)": "select count(*) from billing.invoice_lines where billing_period = '2026-10-01'",
    }
    with db.connect(url, autocommit=True) as conn:
        return {k: conn.execute(q).fetchone()[0] for k, q in queries.items()}


def write_docs(text: str) -> None:
    """Replace (or add) the "## What-if" section of docs/benchmarks.md, leaving the other sections alone."""
    path = ROOT / "docs" / "benchmarks.md"
    doc = path.read_text() if path.exists() else "# Benchmarks\n"
    start = doc.find("\n## What-if")
    if start == -1:
        doc = doc.rstrip("\n") + "\n\n" + text
    else:
        end = doc.find("\n## ", start + 1)
        doc = doc[:start + 1] + text + ("" if end == -1 else "\n" + doc[end + 1:])
    path.write_text(doc.rstrip("\n") + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--resources-per-account", type=int, default=50)
    parser.add_argument("--database", help="database name (default bench_whatif_<resources>)")
    parser.add_argument("--reuse", action="store_true", help="the database is already set up: only time the what-if")
    parser.add_argument("--write-docs", action="store_true", help='write the figures under "What-if" in '
                                                                    "docs/benchmarks.md")
    args = parser.parse_args()
    from iaas_billing.base import db, quiet
    from iaas_billing.jobs import whatif

    quiet.silence()
    resources = args.accounts * args.resources_per_account
    server = make_url(os.environ["BILLING_DATABASE_URL"])  # set by benchlib.default_server
    url = server.set(database=args.database or f"bench_whatif_{resources}")
    os.environ["BILLING_DATABASE_URL"] = url.render_as_string(hide_password=False)
    work = Path(tempfile.mkdtemp(prefix="bench-whatif-"))
    try:
        setup = {}
        if not args.reuse:
            db.ensure_database(url)
            setup = set_up(url, args.accounts, args.resources_per_account, work)
            inbox = work / "inbox"
        else:
            from billing_simulator.simulation import Config, simulate

            simulate(Config(out=work, accounts=1, resources_per_account=1, start=PERIOD, end=date(2026, 11, 1)),
                     force=True, jobs=1)  # the catalogue is the same for any size
            inbox = work / "inbox"
        proposal = work / "proposed_so_prices.csv"
        proposed = proposed_list(inbox, proposal)
        counts = sizes(url)
        started = time.perf_counter()
        stored = whatif.run(proposal, PERIOD, "bench")
        rerate = time.perf_counter() - started
        started = time.perf_counter()
        summary = whatif.render(whatif.fetch("bench"))
        printed = time.perf_counter() - started
        with db.connect(url, autocommit=True) as conn:
            pg = conn.execute("show server_version").fetchone()[0]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    lines = [
        f"machine                  {machine()}, PostgreSQL {pg}",
        f"simulated resources      {resources} ({args.accounts} accounts x {args.resources_per_account})",
        *(f"{k:<25}{v}" for k, v in counts.items()),
        f"proposed prices          {proposed} (SO compute and memory +10 %, storage -5 %)",
        f"scenario rows stored     {stored.result_rows}",
        f"what-if seconds          {rerate:.1f}  (validate, re-rate and store: {stored.seconds:.1f})",
        f"print seconds            {printed:.1f}",
        *(f"set-up {k:<18}{v:.0f} s" for k, v in setup.items()),
    ]
    print("\n".join(lines))
    print(summary.splitlines()[1])
    if args.write_docs:
        write_docs("## What-if\n\n`bench/bench_whatif.py` (docs/pricing.md): re-rate simulated October 2026 under a "
                   "proposed SO price list with `iaas-billing whatif`; target under 2 minutes for 100,000 "
                   f"resources. Run on {date.today():%Y-%m-%d}:\n\n```\n" + "\n".join(lines) + "\n```\n")
    return 0


if __name__ == "__main__":
    with benchlib.default_server():  # BILLING_DATABASE_URL's, else a throwaway embedded cluster
        raise SystemExit(main())
