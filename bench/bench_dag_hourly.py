"""Benchmark: one hourly cycle through the DAGs against the same hour through `iaas-billing run`, side by side.

    .venv/bin/python bench/bench_dag_hourly.py [--resources N] [--clock 2026-10-31T03:00] [--hours 2]
                                               [--variants one_task,cosmos] [--no-write] [--keep-database]
                                               [--write-only]

The simulated October 2026 (BENCH_RESOURCES, else --resources, default 100,000) is processed by `iaas-billing run`
up to --clock (not timed) in one database, which is then copied (CREATE DATABASE ... TEMPLATE) once for the
command and once per DAG variant. Then each hour (--hours) is timed on every copy in turn, in fresh processes:

- command: `iaas-billing run --as-of HOUR` (land, dbt build, close due periods, reconcile);
- a DAG variant: `airflow dags test ingest_inbox HOUR`, then `airflow dags test <transform DAG> -c {"as_of": HOUR}`,
  each task run by Airflow (its task runner, in the CLI's process), the way the user measured it. Variants:
  `one_task` is dags/transform_billing.py (one `dbt build` task, then validate_marts); `cosmos` is
  bench/dag_variants/transform_billing_cosmos.py (transform_billing as it was: Cosmos LOCAL / DBT_RUNNER, one
  task per dbt node).

Airflow runs on its own SQLite metadata DB under .local/bench/airflow-bench_daghour_VARIANT_N (with the `billing_warehouse` pool),
a DAGs folder per variant. Without BILLING_DATABASE_URL the benchmark starts a private embedded cluster under
.local/bench/pg. Targets (issue 15): a DAG hour at most 1.3x the command's, and at most 60 s at 100,000 resources at
the end of the month. Writes "DAG hourly cycle" in docs/benchmarks.md (the row of this scale and clock).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import benchlib

ROOT = benchlib.ROOT
END = datetime(2026, 10, 31, 3, tzinfo=UTC)
TARGET_RATIO = 1.3
TARGET_SECONDS = 60
VARIANTS = {"one_task": ("transform_billing", ROOT / "dags" / "transform_billing.py"),
            "cosmos": ("transform_billing_cosmos", ROOT / "bench" / "dag_variants" / "transform_billing_cosmos.py")}
RESULTS = benchlib.RESULTS / "dag_hourly.json"


def ensure_server() -> None:
    """BILLING_DATABASE_URL as given, else a private embedded cluster's postgres database (started once)."""
    if os.environ.get("BILLING_DATABASE_URL"):
        return
    from iaas_billing.base.embedded import Cluster

    url = Cluster(benchlib.WORK / "pg").ensure_running().set(database="postgres")
    os.environ["BILLING_DATABASE_URL"] = url.render_as_string(hide_password=False)


def airflow_env(variant: str, url, inbox: Path, name: str) -> dict[str, str]:
    """Airflow of its own for this variant: home, DAGs folder (the ingest DAG and the variant's transform DAG)."""
    home = benchlib.WORK / f"airflow-{name}"
    dags = home / "dags"
    dags.mkdir(parents=True, exist_ok=True)
    for link in dags.glob("*.py"):
        link.unlink()
    for source in (ROOT / "dags" / "ingest_inbox.py", VARIANTS[variant][1]):
        (dags / source.name).symlink_to(source)
    env = {**os.environ, **benchlib.dbt_dirs(name), "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
           "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
           "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False", "DO_NOT_TRACK": "1", "GX_ANALYTICS_ENABLED": "false",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "include"), str(ROOT / "plugins")]),
           "BILLING_DATABASE_URL": url.render_as_string(hide_password=False), "BILLING_INBOX_DIR": str(inbox)}
    env.pop("BILLING_LOADER_DATABASE_URL", None)
    if not (home / "airflow.db").exists():
        subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=env, check=True, capture_output=True)
        subprocess.run([sys.executable, "-m", "airflow", "pools", "set", "billing_warehouse", "1",
                        "one warehouse writer at a time"], env=env, check=True, capture_output=True)
    return env


def dags_test(env: dict, dag_id: str, at: datetime, log: Path, conf: dict | None = None) -> dict:
    """`airflow dags test DAG_ID AT` in a fresh process: its wall seconds, state and task durations."""
    command = [sys.executable, "-m", "airflow", "dags", "test", dag_id, at.isoformat()]
    if conf:
        command += ["-c", json.dumps(conf)]
    offset = log.stat().st_size if log.exists() else 0
    started = time.perf_counter()
    with log.open("a") as out:
        subprocess.run(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, check=False)
    seconds = time.perf_counter() - started
    with sqlite3.connect(Path(env["AIRFLOW_HOME"]) / "airflow.db") as meta:
        run_id, state = meta.execute("select run_id, state from dag_run where dag_id = ? order by id desc limit 1",
                                     (dag_id,)).fetchone()
        tasks = meta.execute("select task_id, state, duration from task_instance where dag_id = ? and run_id = ?",
                             (dag_id, run_id)).fetchall()
    failed = sorted(t for t, s, _ in tasks if s != "success")
    work = task_work_seconds(log.read_text()[offset:])
    if state != "success":
        raise SystemExit(f"{dag_id} at {at:%Y-%m-%dT%H:%M}Z: run {state}, tasks not successful: {failed[:5]}; "
                         f"see {log}")
    return {"seconds": seconds, "tasks": len(tasks), "task_seconds": work,
            "slowest": sorted(((t, round(d or 0.0, 1)) for t, _, d in tasks), key=lambda x: -x[1])[:3]}


def task_work_seconds(output: str) -> float:
    """Seconds the tasks ran their own code: from each "Task started" (the task runner, the DAG file parsed, calls
    the execution API) to its "Task instance state updated" (it reports its end), summed over the tasks."""
    from datetime import datetime as dt

    total, begun = 0.0, None
    for line in output.splitlines():
        if "Task started" in line or "Task instance state updated" in line and "new_state=" in line:
            try:
                at = dt.fromisoformat(line.split()[0].replace("Z", "+00:00"))
            except ValueError:
                continue
            if "Task started" in line:
                begun = at
            elif begun is not None:
                total, begun = total + (at - begun).total_seconds(), None
    return total


def dag_hour(env: dict, variant: str, at: datetime, log: Path) -> dict:
    load = [round(x, 2) for x in os.getloadavg()]
    ingest = dags_test(env, "ingest_inbox", at, log)
    transform = dags_test(env, VARIANTS[variant][0], at, log, {"as_of": at.isoformat()})
    return {"clock": at.isoformat(), "load": load, "ingest": ingest, "transform": transform,
            "seconds": ingest["seconds"] + transform["seconds"]}


def command_hour(name: str, url, inbox: Path, at: datetime) -> dict:
    load = [round(x, 2) for x in os.getloadavg()]
    hour = benchlib.timed_run(name, url, inbox, at, "run")
    hour.update(clock=at.isoformat(), load=load)
    return hour


def copy_database(template: str, name: str):
    benchlib.drop_database(name)
    with benchlib.connect(benchlib.server_url(), autocommit=True) as admin:
        admin.execute(f'create database "{name}" template "{template}"')
    return benchlib.server_url().set(database=name)


def measure(resources: int, per_account: int, clock: datetime, hours: int, variants: list[str],
            keep: bool) -> dict:
    from iaas_billing.base import warehouse

    inbox, _ = benchlib.inbox_for(resources, per_account)
    base = f"bench_daghour_base_{resources}"
    url = benchlib.fresh_database(base)
    warehouse.init(url)
    setup = benchlib.timed_run(base, url, inbox, clock, "run")
    sides = {"command": {"name": f"bench_daghour_command_{resources}"}}
    sides.update({v: {"name": f"bench_daghour_{v}_{resources}"} for v in variants})
    try:
        for side in sides.values():
            side["url"] = copy_database(base, side["name"])
            side["hours"] = []
        benchlib.drop_database(base)
        for label in variants:
            sides[label]["env"] = airflow_env(label, sides[label]["url"], inbox, sides[label]["name"])
        for n in range(1, hours + 1):
            at = clock + timedelta(hours=n)
            for label, side in sides.items():
                if label == "command":
                    hour = command_hour(side["name"], side["url"], inbox, at)
                else:
                    log = benchlib.WORK / "dbt" / side["name"] / "airflow-output.txt"
                    log.parent.mkdir(parents=True, exist_ok=True)
                    hour = dag_hour(side["env"], label, at, log)
                side["hours"].append(hour)
                print(f"{label:<9} {at:%Y-%m-%dT%H:%M}Z {hour['seconds']:6.1f} s", flush=True)
    finally:
        if not keep:
            for side in sides.values():
                benchlib.drop_database(side["name"])
    return {"setup_seconds": setup["seconds"], "sides": {k: {"hours": v["hours"]} for k, v in sides.items()}}


def best(side: dict) -> dict:
    return min(side["hours"], key=lambda h: h["seconds"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    benchlib.scale_arguments(parser)
    parser.add_argument("--clock", default=END.isoformat(), help="processed up to this clock first (default "
                        "2026-10-31T03:00Z, the end of the month); the hours after it are timed")
    parser.add_argument("--hours", type=int, default=2, help="hours timed on each side (default 2; the best counts)")
    parser.add_argument("--variants", default="one_task", help="comma-separated: one_task, cosmos")
    parser.add_argument("--write-only", action="store_true",
                        help="rewrite the docs section from the saved results (.local/bench/results/dag_hourly.json)")
    args = parser.parse_args()
    if args.write_only:
        write_doc(json.loads(RESULTS.read_text()))
        return 0
    variants = [v for v in args.variants.split(",") if v]
    clock = datetime.fromisoformat(args.clock).astimezone(UTC)
    ensure_server()
    result = measure(args.resources, args.resources_per_account, clock, args.hours, variants, args.keep_database)
    result.update(resources=args.resources, clock=clock.isoformat(), machine=benchlib.machine())
    sides = result["sides"]
    command = best(sides["command"])["seconds"]
    lines = []
    for label in variants:
        hour = best(sides[label])
        ratio = hour["seconds"] / command
        result.setdefault("ratios", {})[label] = ratio
        lines.append((label, hour, ratio))
        print(f"{label}: best DAG hour {hour['seconds']:.1f} s (ingest {hour['ingest']['seconds']:.1f} s, transform "
              f"{hour['transform']['seconds']:.1f} s, {hour['transform']['tasks']} tasks) vs command {command:.1f} s:"
              f" {ratio:.2f}x")
    benchlib.RESULTS.mkdir(parents=True, exist_ok=True)
    saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}  # re-read: other scales may have finished
    saved[f"{args.resources}@{clock:%Y-%m-%dT%H}"] = result
    RESULTS.write_text(json.dumps(saved, indent=1, default=str))
    if not args.no_write:
        write_doc(saved)
    return 0


def write_doc(saved: dict) -> None:
    """The section: one row per (scale, clock, variant) ever measured (.local/bench/results/dag_hourly.json)."""
    rows = []
    for result in sorted(saved.values(), key=lambda r: (r["resources"], r["clock"])):
        command = best(result["sides"]["command"])
        for label, ratio in result.get("ratios", {}).items():
            hour = best(result["sides"][label])
            ingest, transform = hour["ingest"], hour["transform"]
            overhead = hour["seconds"] - ingest["task_seconds"] - transform["task_seconds"]
            steps = command.get("steps", {})
            target = (f" {benchlib.verdict(ratio <= TARGET_RATIO)} / "
                      f"{benchlib.verdict(hour['seconds'] <= TARGET_SECONDS)}" if result["resources"] >= 100_000
                      else f" {benchlib.verdict(ratio <= TARGET_RATIO)}")
            rows.append(
                f"| {result['resources']:,} | {result['clock'][:13]}Z +1 h | {label} ({transform['tasks']} transform "
                f"tasks) | {command['seconds']:.1f} (land {steps.get('land', 0):.1f}, build "
                f"{steps.get('dbt build', 0):.1f}, reconcile {steps.get('reconcile', 0):.1f}) | {ingest['seconds']:.1f} | "
                f"{transform['seconds']:.1f} | {overhead:.1f} | **{hour['seconds']:.1f}** | **{ratio:.2f}x**{target} | "
                f"{benchlib.load_text(hour['load'])} |")
    machine = benchlib.describe(next(iter(saved.values()))["machine"])
    benchlib.write_section("DAG hourly cycle", f"""`bench/bench_dag_hourly.py` (issue 15): one hourly cycle through the DAGs
(`airflow dags test ingest_inbox HOUR`, then `airflow dags test transform_billing` at that clock: every task run by
Airflow's task runner, in fresh processes) against the same hour through `iaas-billing run` (land, dbt build, close
due periods, reconcile), on two copies of one database processed up to the clock, timed alternately; best of the
hours. "Airflow and start-up" is the DAG hour's wall time minus its tasks' own durations (CLI start-up, DAG
parsing, the DAG run's scheduling loop). Targets: a DAG hour at most {TARGET_RATIO}x the command's; at most
{TARGET_SECONDS} s at 100,000 resources at the end of the month (verdicts: ratio / seconds). Machine: {machine}.

| resources | hour | DAG variant | command (s) | ingest_inbox (s) | transform (s) | Airflow and start-up (s) | DAG hour (s) | DAG / command | load at the start |
|---:|---|---|---|---:|---:|---:|---:|---:|---|
{chr(10).join(rows)}

Options tried (docs/decisions.md "Airflow and dbt: one build task"):
- **Cosmos, one task per dbt node** (`cosmos` above; transform_billing as it was: `ExecutionMode.LOCAL`,
  `InvocationMode.DBT_RUNNER`, 93 tasks): every node pays a task start-up and a dbt invocation (parse, connection,
  `on-run-start`). Reported by a new user on the demo's 40-account inbox mid-October on an idle machine:
  `iaas-billing run` 29 s against `airflow dags test ingest_inbox` 13 s + `transform_billing` 156 s = 169 s (5.8x).
  Also not safe next to the command: its nodes never held the warehouse writer's lock for the whole build.
- **One `dbt build` task** (`one_task`, the DAG now): one invocation of the pipeline's selector under the
  warehouse lock, then VACUUM, then the GX `validate_marts` task. Its transform time is the command's build plus
  the marts checkpoint; the rest of the DAG hour is Airflow's: each `airflow dags test` starts a CLI, parses the
  DAG folder and builds its in-process execution API before the first task (a deployed scheduler, api-server and
  worker pay none of that per run, only the task runner's start and DAG file parse, about a second per task).
- Side by side, a first run at 200 resources (4 accounts), the hour after 2026-10-15T12:00Z, on this machine shared
  with other benchmarks and test suites (load average 11 to 15 on 2 cores, so every figure is several times an
  idle machine's): command 230.8 s (land 0.8, dbt build 122.2, reconcile 90.3); `one_task` 686.2 s, of which the
  tasks' own 365 s (land 7, dbt_build 307, validate_marts 51) and 321 s the two `airflow dags test` start-ups;
  `cosmos` stopped after 18 of its 93 transform tasks in 13.5 min (25 to 45 s per node task, each a dbt
  invocation: on course for about 70 min).
- **Targets, honestly**: this session's machine was shared (load average 4 to 19 while it ran), so one side's hour
  ran under several times the other's load: at 100,000 resources the command's hour (602 s, its dbt build 413 s
  at load 15 to 19) against the DAG's (208 s, dbt_build 156 s as the load fell to 4) says nothing about 1.3x,
  and neither meets 60 s on this machine. What the figures do say: the DAG's tasks do the command's build and a
  6.5 s marts checkpoint, nothing per node; what Airflow adds is the `airflow dags test` start-ups (ingest 19.5 s,
  transform 17.7 s at 100,000 resources, load 4 to 10). On the idle machine of "Hourly cost" (an end-of-month hour's
  land + build 38.6 s) that is about 38.6 + 6.5 + 20 = 65 s through `airflow dags test`: over 60 s by about 5 s,
  all of it the CLI's start-up, which a running scheduler and api-server do not pay per run (their task runner:
  about a second per task). Re-run on an idle machine to replace this estimate.
- Not built (reasoned, not measured): Cosmos `ExecutionMode.WATCHER` (experimental; its producer retry drops
  first-attempt failures, a failed model could turn green); `source_status:fresher+` (every hour moves the clock
  and re-rates every billable resource from the clock's day, so the rating chain is rebuilt anyway; the
  re-rating scopes already confine the work to what changed).
""")


if __name__ == "__main__":
    raise SystemExit(main())
