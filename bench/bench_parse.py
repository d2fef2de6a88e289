"""Benchmark: how long each DAG file takes to parse (Airflow's DagBag figure); target under 1 s per file.

    .venv/bin/python bench/bench_parse.py [--rounds 3] [--no-write]

Each file of dags/ is parsed by DagBag in a fresh interpreter that has imported airflow.sdk, as the
dag-processor has (tests/dags/test_dag_integrity.py does the same and asserts the budget): once to warm
Cosmos' manifest cache, then --rounds times. Prints DagBag's per-file duration (best and worst round) and the
interpreter's wall time, writes "DAG parse time" in docs/benchmarks.md. No database is touched.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import benchlib

BUDGET_S = 1.0
SCRIPT = r"""
import json, sys
import airflow.sdk  # noqa: F401
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
print("JSON" + json.dumps({"errors": len(bag.import_errors), "dags": len(bag.dags),
                           "seconds": [s.duration.total_seconds() for s in bag.dagbag_stats]}))
"""


def parse(path) -> tuple[dict, float]:
    env = {**os.environ, "BILLING_DATABASE_URL": "postgresql://nobody@db.invalid:5432/nowhere"}
    env.setdefault("AIRFLOW_HOME", str(benchlib.ROOT / ".local" / "airflow"))
    env.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    env.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(benchlib.ROOT / "dags"))
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(path)], capture_output=True, text=True, env=env,
                          cwd=benchlib.ROOT, timeout=300)
    wall = time.perf_counter() - started
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("JSON")), None)
    if line is None:
        raise SystemExit(f"parse of {path.name} printed no result:\n{proc.stderr[-2000:]}")
    return json.loads(line[4:]), wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only: leave docs/benchmarks.md alone")
    args = parser.parse_args()
    load = [round(x, 2) for x in os.getloadavg()]
    files = sorted(p for p in (benchlib.ROOT / "dags").glob("*.py") if not p.name.startswith("_"))
    rows = []
    for path in files:
        parse(path)  # warm Cosmos' manifest cache, as a running dag-processor has it
        rounds = [parse(path) for _ in range(max(1, args.rounds))]
        dagbag = [sum(r["seconds"]) for r, _ in rounds]
        walls = [w for _, w in rounds]
        errors = max(r["errors"] for r, _ in rounds)
        rows.append((path.name, min(dagbag), max(dagbag), min(walls), rounds[0][0]["dags"], errors))
        print(f"{path.name:<24} DagBag {min(dagbag):.3f}-{max(dagbag):.3f} s  interpreter {min(walls):.1f} s  "
              f"dags {rounds[0][0]['dags']}  import errors {errors}")
    machine = benchlib.describe({**benchlib.machine(), "load": load})
    worst = max(r[2] for r in rows)
    print(f"machine  {machine}")
    print(f"slowest  {worst:.3f} s (budget {BUDGET_S} s per file)")
    if args.no_write:
        return 0
    table = "\n".join(f"| `dags/{name}` | {lo:.3f} | **{hi:.3f}** | {wall:.1f} | {dags} | {errors} |"
                      for name, lo, hi, wall, dags, errors in rows)
    benchlib.write_section("DAG parse time", f"""`bench/bench_parse.py`: DagBag's per-file parse duration, each file in a fresh
interpreter that has imported `airflow.sdk` (as the dag-processor has), after one warm-up parse, best and worst
of {args.rounds} rounds (tests/dags/test_dag_integrity.py asserts the same budget). Machine: {machine}.

| file | DagBag best (s) | DagBag worst (s) | interpreter wall, best (s) | DAGs | import errors |
|---|---:|---:|---:|---:|---:|
{table}

Target (every file under {BUDGET_S:.0f} s): {benchlib.verdict(worst < BUDGET_S)}. The interpreter's wall time includes
starting Python and importing Airflow, which a running dag-processor has done once.
""")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
