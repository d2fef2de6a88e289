"""Benchmark: a simulated month end to end with `iaas-billing run`; target under 5 minutes and 2 GB at 100,000 resources.

    .venv/bin/python bench/bench_month.py [--resources 100000] [--resources-per-account 50] [--no-write]
                                          [--keep-database]

Simulates October 2026 (`python -m iaas_billing.simulator`, the default late events, duplicates and
discrepancies; once per scale into .local/bench/, then reused), creates database bench_month_RESOURCES and
times one `iaas-billing run --as-of 2026-11-03T00:00Z` in a fresh process: it lands every file, builds the
dbt project, closes October (invoices of both tenants) and reconciles. Prints the seconds of each step, the
process's peak memory (RSS), the sizes and the machine, and writes them under "Month end to end" in
docs/benchmarks.md. BENCH_RESOURCES sets the default scale. It asserts nothing; the database is dropped.
"""

from __future__ import annotations

import argparse

import benchlib

TARGET_SECONDS = 300
TARGET_RSS_MIB = 2048


def report(result: dict, machine: str) -> str:
    steps = ", ".join(f"{k} {v:.1f} s" for k, v in result["steps"].items())
    sizes = "\n".join(f"| {k} | {v:,} |" for k, v in result["sizes"].items())
    slowest = ", ".join(f"`{n}` {s:.1f} s" for n, s in result["slowest"][:6])
    at_target = result["resources"] >= 100_000
    seconds_ok = result["seconds"] < TARGET_SECONDS
    rss_ok = result["peak_rss_mib"] < TARGET_RSS_MIB
    verdict = (f"Target (100,000 resources: under {TARGET_SECONDS} s, peak RSS under 2 GB): time "
               f"{benchlib.verdict(seconds_ok)}, memory {benchlib.verdict(rss_ok)}." if at_target else
               f"Target applies at 100,000 resources; this run is at {result['resources']:,}.")
    return f"""`bench/bench_month.py`: `iaas-billing run --inbox … --as-of 2026-11-03T00:00Z` on a fresh database over a
simulated October 2026 of {result['resources']:,} resources ({result['accounts']:,} accounts x 50; the simulator's
default late events, duplicates, mess and discrepancies): land, `dbt build`, close October (both tenants),
reconcile. Machine: {machine}. Load average before / after: {benchlib.load_text(result['load_before'])} /
{benchlib.load_text(result['load_after'])}.

| resources | seconds | CPU seconds (client) | peak RSS (MiB) |
|---:|---:|---:|---:|
| {result['resources']:,} | **{result['seconds']:.1f}** | {result['cpu_seconds']:.1f} | {result['peak_rss_mib']:.0f} |

Steps: {steps}. Slowest dbt nodes of the build: {slowest}.

| size | rows |
|---|---:|
{sizes}

{verdict} Reproduce: `.venv/bin/python bench/bench_month.py --resources {result['resources']}`.
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    benchlib.scale_arguments(parser)
    args = parser.parse_args()
    result = benchlib.month_run(args.resources, args.resources_per_account, keep=args.keep_database)
    machine = benchlib.describe(benchlib.machine())
    print(f"machine          {machine}")
    print(f"resources        {result['resources']:,} ({result['accounts']} accounts x {args.resources_per_account})")
    if result["simulated_seconds"] is not None:
        print(f"simulated in     {result['simulated_seconds']:.1f} s (not part of the figure)")
    print(f"month seconds    {result['seconds']:.1f}  (target < {TARGET_SECONDS} at 100,000)")
    for step, seconds in result["steps"].items():
        print(f"  {step:<14} {seconds:7.1f} s")
    print(f"peak RSS MiB     {result['peak_rss_mib']:.0f}  (target < {TARGET_RSS_MIB})")
    print(f"load average     before {benchlib.load_text(result['load_before'])}, "
          f"after {benchlib.load_text(result['load_after'])}")
    for label, value in result["sizes"].items():
        print(f"{label:<22} {value:,}")
    for node, seconds in result["slowest"]:
        print(f"  slowest dbt node  {seconds:6.1f} s  {node}")
    if not args.no_write:
        benchlib.write_section("Month end to end", report(result, machine))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
