"""Benchmark: the bill run closing a simulated month (both tenants); target under 2 minutes at 100,000 resources.

    .venv/bin/python bench/bench_billrun.py [--resources 100000] [--no-write] [--keep-database]

Set-up (not timed): the simulated October 2026 (as bench_month.py) landed into database bench_billrun_RESOURCES
and `dbt build` (the pipeline's selection) at 2026-11-03T00:00Z, in a fresh process. Then it times
`iaas_billing.billrun.close_due_periods(2026-11-03T00:00Z)` here: the invoices and lines of October (HO and SO),
the lineage copy (line x resource) and the check that every line is rebuilt by its lineage, one transaction.
Prints the seconds of each part and the machine, writes "Bill run" in docs/benchmarks.md; drops the database.
"""

from __future__ import annotations

import argparse
import os
import time

import benchlib

TARGET_SECONDS = 120


def timed_close(url) -> tuple[float, dict[str, float], list]:
    """close_due_periods at the month's end, with the seconds of its parts."""
    from iaas_billing import billrun

    parts: dict[str, float] = {}

    def timed(name, function):
        return benchlib.timing(parts, name, function)

    originals = billrun._record_lineage, billrun._check_lineage
    billrun._record_lineage = timed("lineage copy", billrun._record_lineage)
    billrun._check_lineage = timed("lineage check", billrun._check_lineage)
    try:
        started = time.perf_counter()
        closes = billrun.close_due_periods(benchlib.MONTH_END, url=url)
        seconds = time.perf_counter() - started
    finally:
        billrun._record_lineage, billrun._check_lineage = originals
    parts = {"invoices and lines": seconds - sum(parts.values()), **parts}
    return seconds, parts, closes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    benchlib.scale_arguments(parser)
    args = parser.parse_args()
    from iaas_billing import quiet

    quiet.silence()
    inbox, _ = benchlib.inbox_for(args.resources, args.resources_per_account)
    name = f"bench_billrun_{args.resources}"
    url = benchlib.fresh_database(name)
    try:
        setup = benchlib.timed_run(name, url, inbox, benchlib.MONTH_END, "hour")
        load = [round(x, 2) for x in os.getloadavg()]
        seconds, parts, closes = timed_close(url)
        sizes = benchlib.counts(url, {
            "usage pieces of October": "select count(*) from intermediate.int_usage_spans_priced"
                                       " where billing_period = '2026-10-01'",
            "daily rated rows of October": "select count(*) from intermediate.int_usage_rated_daily"
                                           " where billing_period = '2026-10-01'",
            "invoices issued": "select count(*) from billing.invoices",
            "lines issued": "select count(*) from billing.invoice_lines",
            "lineage rows": "select count(*) from billing.invoice_line_sources"})
    finally:
        if not args.keep_database:
            benchlib.drop_database(name)
    machine = benchlib.describe(benchlib.machine())
    print(f"machine          {machine}")
    print(f"resources        {args.resources:,}")
    print(f"set-up           {setup['seconds']:.1f} s (land and dbt build, not timed)")
    print(f"bill run         {seconds:.1f} s  (target < {TARGET_SECONDS} at 100,000; load {benchlib.load_text(load)})")
    for part, value in parts.items():
        print(f"  {part:<20} {value:7.1f} s")
    for close in closes:
        print(f"  {close}")
    for label, value in sizes.items():
        print(f"{label:<28} {value:,}")
    if args.no_write:
        return 0
    verdict = (f"Target (100,000 resources, under {TARGET_SECONDS} s): {benchlib.verdict(seconds < TARGET_SECONDS)}."
               if args.resources >= 100_000 else "The target applies at 100,000 resources.")
    benchlib.write_section("Bill run", f"""`bench/bench_billrun.py`: `billrun.close_due_periods` closing simulated October 2026,
{args.resources:,} resources, both tenants, after landing and `dbt build` at 2026-11-03T00:00Z (set-up
{setup['seconds']:.0f} s, not timed). Machine: {machine}. Load average at the start: {benchlib.load_text(load)}.

| part | seconds |
|---|---:|
{chr(10).join(f"| {part} | {value:.1f} |" for part, value in parts.items())}
| **close October** | **{seconds:.1f}** |

{chr(10).join(f"{label}: {value:,}." for label, value in sizes.items())}

{verdict}
""")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
