"""Benchmark: simulate 100,000 resources for one month; prints seconds, files, events and peak RSS.

    .venv/bin/python bench/bench_simulator.py [--accounts 2000] [--resources-per-account 50] [--jobs 2] [--keep DIR]

It reports what it measured and asserts nothing (the target is under 2 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

from billing_simulator.simulation import Config, simulate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--resources-per-account", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2: the target is 2 cores)")
    parser.add_argument("--keep", type=Path, help="write here and keep the output (default: a temporary directory)")
    args = parser.parse_args()
    out = args.keep or Path(tempfile.mkdtemp(prefix="bench-simulator-"))
    try:
        started = time.perf_counter()
        summary = simulate(Config(out=out, accounts=args.accounts, resources_per_account=args.resources_per_account,
                                  seed=args.seed), force=True, jobs=args.jobs)
        seconds = time.perf_counter() - started
        size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
        cpu = sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
                  for f in ("ru_utime", "ru_stime"))
        peak_mib = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
                       ) / 1024  # KiB on Linux; the largest process (main or a worker)
        counts = summary.params["truth_counts"]
        print(f"resources      {summary.resources}")
        print(f"accounts       {args.accounts}")
        print(f"seconds        {seconds:.1f}")
        print(f"cpu seconds    {cpu:.1f}  (all processes; {args.jobs} jobs)")
        print(f"files          {summary.files}")
        print(f"events         {summary.events}")
        print(f"order lines    {summary.lines}")
        print(f"daily lines    {counts['daily_lines']}")
        print(f"invoice lines  {counts['invoice_lines_at_close']}")
        print(f"output MiB     {size / 2**20:.0f}")
        print(f"peak RSS MiB   {peak_mib:.0f}")
    finally:
        if args.keep is None:
            shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
