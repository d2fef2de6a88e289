"""Benchmark: the October close of a simulated month, with the invoice-line lineage (docs/explain.md).

    .venv/bin/python bench/bench_close_lineage.py [--accounts 2000] [--resources-per-account 50] [--keep DIR]
                                                  [--database NAME]

Simulates the month (or reuses --keep DIR if it already holds one), lands everything delivered by
2026-11-01T01:00Z into a fresh database, runs the rating and billing models (`dbt run`, no tests), then
times `billrun.close_due_periods` (October: invoices, lines, lineage and its check in one transaction),
with the lineage copy and the check on their own. Prints what it measured and asserts nothing (the
target: a 100,000-resource month closes in under 2 minutes).
The database is left in place for inspection (dropped and recreated on the next run).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import benchlib
import psycopg
from sqlalchemy.engine import make_url

CLOCK = datetime(2026, 11, 1, 1, tzinfo=UTC)
SELECTION = ["--select", "+path:models/intermediate/billing", "+path:models/marts/billing", "+exposure:bill_run"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--resources-per-account", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="simulate here (or reuse what is here); default a temporary dir")
    parser.add_argument("--database", default="iaas_bench_close_lineage")
    parser.add_argument("--server", help="server URL (default BILLING_DATABASE_URL's, else a throwaway "
                        "embedded cluster)")
    args = parser.parse_args()

    from billing_simulator.simulation import Config, simulate
    from iaas_billing import landing
    from iaas_billing.base import db, dbt_runner, warehouse
    from iaas_billing.jobs import billrun

    out = args.keep or Path(tempfile.mkdtemp(prefix="bench-close-"))
    timings: dict[str, float] = {}
    try:
        if not (out / "inbox").is_dir():
            started = time.perf_counter()
            simulate(Config(out=out, accounts=args.accounts, resources_per_account=args.resources_per_account,
                            seed=args.seed), force=True, jobs=2)
            timings["simulate"] = time.perf_counter() - started
        server = make_url(args.server or os.environ["BILLING_DATABASE_URL"])
        with psycopg.connect(**db.server_kwargs(server), dbname="postgres",
                             autocommit=True) as admin:
            admin.execute(f'drop database if exists "{args.database}" with (force)')
            admin.execute(f'create database "{args.database}"')
        url = warehouse.init(server.set(database=args.database))

        started = time.perf_counter()
        landing.land_inbox(out / "inbox", CLOCK, url=url)
        timings["land"] = time.perf_counter() - started
        started = time.perf_counter()
        dbt_runner.run_dbt(["seed"], url=url, as_of=CLOCK)
        dbt_runner.run_dbt(["run", *SELECTION], url=url, as_of=CLOCK)
        timings["dbt run (rating + billing)"] = time.perf_counter() - started

        with db.connect(url, autocommit=True) as conn:
            pieces = conn.execute("select count(*) from intermediate.int_usage_spans_priced").fetchone()[0]
            resources = conn.execute("select count(distinct resource_id) from intermediate.int_usage_spans_priced"
                                     ).fetchone()[0]
            conn.execute("analyze")

        billrun._record_lineage = benchlib.timing(timings, "  of which the lineage copy", billrun._record_lineage)
        billrun._check_lineage = benchlib.timing(timings, "  of which the check (every line rebuilt)",
                                                  billrun._check_lineage)
        timings["close October (invoices, lines, lineage, check)"] = 0.0  # printed before its parts
        started = time.perf_counter()
        closes = billrun.close_due_periods(CLOCK, url=url, rebuild_if_stale=False)
        timings["close October (invoices, lines, lineage, check)"] = time.perf_counter() - started

        with db.connect(url, autocommit=True) as conn:
            unreconstructed = conn.execute(
                "select count(*) from marts.fct_invoice_line_derivations where not is_reconstructed").fetchone()[0]
            lineage_size = conn.execute(
                "select pg_size_pretty(pg_total_relation_size('billing.invoice_line_sources'))").fetchone()[0]

        print(f"resources rated     {resources}")
        print(f"usage pieces        {pieces}")
        for close in closes:
            print(f"close               {close}")
        print(f"lines not reconstructed from their lineage: {unreconstructed}")
        print(f"billing.invoice_line_sources size: {lineage_size}")
        for name, seconds in timings.items():
            print(f"{name:50s} {seconds:8.1f} s")
    finally:
        if args.keep is None:
            shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    with benchlib.default_server():  # BILLING_DATABASE_URL's, else a throwaway embedded cluster
        raise SystemExit(main())
