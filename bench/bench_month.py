"""Benchmark: a simulated month end to end with `iaas-billing run`; target under 5 minutes and 2 GB at 100,000 resources.

    .venv/bin/python bench/bench_month.py [--resources 100000] [--resources-per-account 50] [--no-write]
                                          [--keep-database]

Simulates October 2026 (`python -m billing_simulator`, the default late events, duplicates and
discrepancies; once per scale into .local/bench/, then reused), and on each server (benchlib.targets: a
throwaway embedded PostgreSQL cluster, then the machine's server on 127.0.0.1:5432 when one answers; only
BILLING_DATABASE_URL's when it is set) creates database bench_month_RESOURCES and times one
`iaas-billing run --as-of 2026-11-03T00:00Z` in a fresh process: it lands every file, builds the dbt project, closes October (invoices of both tenants) and reconciles. Prints the seconds of each step, the
process's peak memory (RSS), the sizes and the machine, and writes them under "Month end to end" in
docs/benchmarks.md. BENCH_RESOURCES sets the default scale. It asserts nothing; the database is dropped.
"""

from __future__ import annotations

import argparse

import benchlib

TARGET_SECONDS = 300
TARGET_RSS_MIB = 2048


def report(runs: list[tuple[str, dict]], machine: str) -> str:
    """The section: one column per server."""
    first = runs[0][1]
    head = "| | " + " | ".join(label for label, _ in runs) + " |\n|---|" + "---:|" * len(runs)

    def line(name: str, cell) -> str:
        return f"| {name} | " + " | ".join(cell(r) for _, r in runs) + " |"

    steps = list(dict.fromkeys(k for _, r in runs for k in r["steps"]))
    rows = [line("**month end to end (s)**", lambda r: f"**{r['seconds']:.1f}**"),
            *(line(f"{step} (s)", lambda r, s=step: f"{r['steps'].get(s, 0):.1f}") for step in steps),
            line("CPU seconds (client)", lambda r: f"{r['cpu_seconds']:.1f}"),
            line("peak RSS (MiB)", lambda r: f"{r['peak_rss_mib']:.0f}"),
            line("load average before / after", lambda r: f"{benchlib.load_text(r['load_before'])} / "
                                                          f"{benchlib.load_text(r['load_after'])}"),
            line("machine during the run", lambda r: benchlib.during_text(r.get("load_during", {})))]
    sizes = [line(label, lambda r, k=label: f"{r['sizes'][k]:,}") for label in first["sizes"]]
    same = all(r["sizes"] == first["sizes"] for _, r in runs)
    slowest = "\n".join(f"- {label}: " + ", ".join(f"`{n}` {s:.1f} s" for n, s in r["slowest"][:6])
                         for label, r in runs)
    verdicts = []
    for label, r in runs:
        if r["resources"] >= 100_000:
            verdicts.append(f"{label}: time {benchlib.verdict(r['seconds'] < TARGET_SECONDS)}, "
                            f"memory {benchlib.verdict(r['peak_rss_mib'] < TARGET_RSS_MIB)}")
    verdict = (f"Target (100,000 resources: under {TARGET_SECONDS} s, peak RSS under 2 GB): {'; '.join(verdicts)}."
               if verdicts else f"Target applies at 100,000 resources; this run is at {first['resources']:,}.")
    return f"""`bench/bench_month.py`: `iaas-billing run --inbox … --as-of 2026-11-03T00:00Z` on a fresh database over a
simulated October 2026 of {first['resources']:,} resources ({first['accounts']:,} accounts x 50; the simulator's
default late events, duplicates, mess and discrepancies): land, `dbt build`, close October (both tenants),
reconcile; on each server in turn, one run each. Machine: {machine}.

{head}
{chr(10).join(rows)}

Slowest dbt nodes of the build:
{slowest}

{head.replace("| |", "| size (rows) |", 1)}
{chr(10).join(sizes)}

{"The sizes are the same on every server. " if same else "**The sizes differ between the servers.** "}{verdict}
Reproduce: `.venv/bin/python bench/bench_month.py --resources {first['resources']}`.
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    benchlib.scale_arguments(parser)
    args = parser.parse_args()
    runs = []
    for label, _ in benchlib.each_server(keep=args.keep_database):
        result = benchlib.month_run(args.resources, args.resources_per_account, keep=args.keep_database)
        runs.append((label, result))
        print(f"== {label}")
        print(f"resources        {result['resources']:,} ({result['accounts']} accounts x {args.resources_per_account})")
        if result["simulated_seconds"] is not None:
            print(f"simulated in     {result['simulated_seconds']:.1f} s (not part of the figure)")
        print(f"month seconds    {result['seconds']:.1f}  (target < {TARGET_SECONDS} at 100,000)")
        for step, seconds in result["steps"].items():
            print(f"  {step:<14} {seconds:7.1f} s")
        print(f"peak RSS MiB     {result['peak_rss_mib']:.0f}  (target < {TARGET_RSS_MIB})")
        print(f"load average     before {benchlib.load_text(result['load_before'])}, "
              f"after {benchlib.load_text(result['load_after'])}; during: {benchlib.during_text(result['load_during'])}")
        for key, value in result["sizes"].items():
            print(f"{key:<22} {value:,}")
        for node, seconds in result["slowest"]:
            print(f"  slowest dbt node  {seconds:6.1f} s  {node}")
    machine = benchlib.describe(benchlib.machine(), server=False)
    print(f"machine          {machine}")
    if not args.no_write:
        benchlib.write_section("Month end to end", report(runs, machine))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
