"""Benchmark: the bill run closing a simulated month (both tenants); target under 2 minutes at 100,000 resources.

    .venv/bin/python bench/bench_billrun.py [--resources 100000] [--no-write] [--keep-database]

On each server (as bench_month.py), set-up (not timed): the simulated October 2026 (as bench_month.py) landed
into database bench_billrun_RESOURCES and `dbt build` (the pipeline's selection) at 2026-11-03T00:00Z, in a fresh process. Then it times
`iaas_billing.jobs.billrun.close_due_periods(2026-11-03T00:00Z)` here: the invoices and lines of October (HO and SO),
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
    from iaas_billing.jobs import billrun

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


def measure(resources: int, per_account: int, keep: bool) -> dict:
    """Set up and time the bill run on the current server."""
    inbox, _ = benchlib.inbox_for(resources, per_account)
    name = f"bench_billrun_{resources}"
    url = benchlib.fresh_database(name)
    try:
        setup = benchlib.timed_run(name, url, inbox, benchlib.MONTH_END, "hour")
        load = [round(x, 2) for x in os.getloadavg()]
        with benchlib.load_meter() as during:
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
        if not keep:
            benchlib.drop_database(name)
    return {"setup": setup["seconds"], "load": load, "during": during, "seconds": seconds, "parts": parts,
            "closes": closes, "sizes": sizes}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    benchlib.scale_arguments(parser)
    args = parser.parse_args()
    from iaas_billing.base import quiet

    quiet.silence()
    runs = []
    for label, _ in benchlib.each_server(keep=args.keep_database):
        run = measure(args.resources, args.resources_per_account, args.keep_database)
        runs.append((label, run))
        print(f"== {label}")
        print(f"resources        {args.resources:,}")
        print(f"set-up           {run['setup']:.1f} s (land and dbt build, not timed)")
        print(f"bill run         {run['seconds']:.1f} s  (target < {TARGET_SECONDS} at 100,000; "
              f"load {benchlib.load_text(run['load'])}; during: {benchlib.during_text(run['during'])})")
        for part, value in run["parts"].items():
            print(f"  {part:<20} {value:7.1f} s")
        for close in run["closes"]:
            print(f"  {close}")
        for label_, value in run["sizes"].items():
            print(f"{label_:<28} {value:,}")
    machine = benchlib.describe(benchlib.machine(), server=False)
    print(f"machine          {machine}")
    if args.no_write:
        return 0
    verdict = ("Target (100,000 resources, under 120 s): " + "; ".join(
        f"{label} {benchlib.verdict(run['seconds'] < TARGET_SECONDS)}" for label, run in runs) + "."
        if args.resources >= 100_000 else "The target applies at 100,000 resources.")
    head = "| | " + " | ".join(label for label, _ in runs) + " |\n|---|" + "---:|" * len(runs)

    def line(name: str, cell) -> str:
        return f"| {name} | " + " | ".join(cell(run) for _, run in runs) + " |"

    parts = list(dict.fromkeys(k for _, run in runs for k in run["parts"]))
    first = runs[0][1]["sizes"]
    same = all(run["sizes"] == first for _, run in runs)
    rows = [*(line(f"{part} (s)", lambda run, p=part: f"{run['parts'].get(p, 0):.1f}") for part in parts),
            line("**close October (s)**", lambda run: f"**{run['seconds']:.1f}**"),
            line("set-up: land and `dbt build` (s, not timed)", lambda run: f"{run['setup']:.0f}"),
            line("load average at the start", lambda run: benchlib.load_text(run["load"])),
            line("machine during the bill run", lambda run: benchlib.during_text(run["during"])),
            *(line(f"{k} (rows)", lambda run, k=k: f"{run['sizes'][k]:,}") for k in first)]
    benchlib.write_section("Bill run", f"""`bench/bench_billrun.py`: `billrun.close_due_periods` closing simulated October 2026,
{args.resources:,} resources, both tenants, after landing and `dbt build` at 2026-11-03T00:00Z (not timed), on
each server in turn, one run each. Machine: {machine}.

{head}
{chr(10).join(rows)}

{"The sizes are the same on every server. " if same else "**The sizes differ between the servers.** "}{verdict}
""")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
