"""Shared helpers of the scale benchmarks: scale flags, simulated inboxes, databases, timed runs, the machine, docs."""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg
from sqlalchemy.engine import URL, make_url

from iaas_billing.base import db
from iaas_billing.base.embedded import Cluster
from iaas_billing.base.errors import BillingError

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
WORK = ROOT / ".local" / "bench"  # simulated inboxes (reused), dbt target dirs, result files
RESULTS = WORK / "results"
MONTH_END = datetime(2026, 11, 3, tzinfo=UTC)  # everything of October 2026 delivered (params.json)
LOCAL_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"  # the machine's server, when one answers
EMBEDDED = WORK / "pg"  # .local/bench/pg/PID: the throwaway embedded cluster of one benchmark process
PER_ACCOUNT = 50


def scale_arguments(parser: argparse.ArgumentParser, default: int | None = None) -> None:
    """--resources (default BENCH_RESOURCES, else 100,000) and --resources-per-account (50)."""
    default = default or int(os.environ.get("BENCH_RESOURCES", "100000"))
    parser.add_argument("--resources", type=int, default=default,
                        help=f"simulated resources (default BENCH_RESOURCES or {default:,}); accounts = this / 50")
    parser.add_argument("--resources-per-account", type=int, default=PER_ACCOUNT)
    parser.add_argument("--no-write", action="store_true", help="print only: leave docs/benchmarks.md alone")
    parser.add_argument("--keep-database", action="store_true", help="keep the bench_* database(s) for inspection")


def accounts_for(resources: int, per_account: int = PER_ACCOUNT) -> int:
    return max(1, resources // per_account)


def targets() -> list[str]:
    """The servers a benchmark runs on, in order: "env" alone when BILLING_DATABASE_URL is set; else "embedded"
    (a throwaway embedded PostgreSQL cluster, the project's default server) and, when a server answers on
    127.0.0.1:5432, "local" (the machine's PostgreSQL) after it."""
    if os.environ.get("BILLING_DATABASE_URL"):
        return ["env"]
    found = ["embedded"]
    try:
        with psycopg.connect(**db.server_kwargs(make_url(LOCAL_SERVER)), dbname="postgres", connect_timeout=3):
            found.append("local")
    except psycopg.Error:
        pass
    return found


@contextmanager
def on_server(target: str, keep: bool = False) -> Iterator[URL]:
    """BILLING_DATABASE_URL names the target's server (its postgres database) inside the with-block, so that
    server_url(), fresh_database() and the timed child processes use it. "embedded": a cluster under
    .local/bench/pg with embedded.py's settings and nothing else, created and started here and destroyed after
    (with keep: left running, for inspection)."""
    saved = os.environ.get("BILLING_DATABASE_URL")
    cluster = None
    if target == "env":
        url = server_url()
    elif target == "local":
        url = make_url(LOCAL_SERVER)
    elif target == "embedded":
        cluster = Cluster(_embedded_root())
        url = cluster.ensure_running().set(database="postgres")
    else:
        raise ValueError(target)
    os.environ["BILLING_DATABASE_URL"] = url.render_as_string(hide_password=False)
    try:
        yield url
    finally:
        if saved is None:
            os.environ.pop("BILLING_DATABASE_URL", None)
        else:
            os.environ["BILLING_DATABASE_URL"] = saved
        if cluster is not None and keep:
            print(f"the embedded cluster is kept, running: {url.render_as_string()}", file=sys.stderr)
        elif cluster is not None:
            cluster.destroy()


def _embedded_root() -> Path:
    """This process's cluster directory, .local/bench/pg/PID; the clusters of benchmark processes no longer
    running (interrupted, or kept) are destroyed first. Two benchmarks may run at once: each has its own."""
    for old in EMBEDDED.glob("*") if EMBEDDED.is_dir() else []:
        if old.name.isdigit() and int(old.name) != os.getpid():
            try:
                os.kill(int(old.name), 0)
            except ProcessLookupError:
                Cluster(old).destroy()
    return EMBEDDED / str(os.getpid())


def each_server(keep: bool = False) -> Iterator[tuple[str, URL]]:
    """(label, server URL) of every target in turn, each one current while the caller's loop body runs."""
    for target in targets():
        with on_server(target, keep) as url:
            yield server_label(target, url), url


@contextmanager
def default_server() -> Iterator[URL]:
    """The first target only (BILLING_DATABASE_URL's server, else a throwaway embedded cluster): the benchmarks
    that are not compared across servers."""
    with on_server(targets()[0]) as url:
        yield url


def server_version(url: URL | None = None) -> str:
    """The server's version ("18.1"), or "?" when it does not answer."""
    try:
        with connect(url or server_url(), autocommit=True) as conn:
            return conn.execute("show server_version").fetchone()[0].split()[0]
    except (psycopg.Error, BillingError):
        return "?"


def server_label(target: str, url: URL) -> str:
    where = {"embedded": "embedded, throwaway cluster", "local": "127.0.0.1:5432"}.get(target, "BILLING_DATABASE_URL")
    return f"PostgreSQL {server_version(url)} ({where})"


def server_url() -> URL:
    """The server of BILLING_DATABASE_URL (set by on_server), pointed at its postgres database."""
    raw = os.environ.get("BILLING_DATABASE_URL")
    if not raw:
        raise BillingError("no benchmark server: run inside benchlib.on_server() or set BILLING_DATABASE_URL")
    return make_url(raw).set(drivername="postgresql+psycopg", database="postgres")


def connect(url: URL, **kwargs):
    """The task code's own connection (iaas_billing.base.db.connect) to url."""
    return db.connect(url, **kwargs)


def fresh_database(name: str) -> URL:
    """Drop and create database `name` (always bench_*) on the server, as `iaas-billing init` does (the only
    entry that creates a warehouse; not timed); returns its URL."""
    from iaas_billing.base import warehouse

    drop_database(name)
    return warehouse.init(server_url().set(database=name))


def drop_database(name: str) -> None:
    assert name.startswith("bench_"), name
    with connect(server_url(), autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')


def inbox_for(resources: int, per_account: int = PER_ACCOUNT) -> tuple[Path, float | None]:
    """The simulated October 2026 inbox of this scale under .local/bench (simulated once, then reused).

    Returns the inbox and the seconds the simulator took (None when reused).
    """
    accounts = accounts_for(resources, per_account)
    out = WORK / f"sim_{accounts}x{per_account}"
    params = out / "truth" / "params.json"
    if params.exists() and (out / "inbox").is_dir():
        return out / "inbox", None
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "billing_simulator", "--out", str(out), "--accounts", str(accounts),
                    "--resources-per-account", str(per_account), "--quiet", "--force"], check=True)
    return out / "inbox", time.perf_counter() - started


def machine(url: URL | None = None) -> dict:
    """cpu, cores, RAM, load average (now), Python and the Postgres server's version."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "?")
    mem = next((int(line.split()[1]) / 2**20 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0.0)
    postgres = server_version(url) if url or os.environ.get("BILLING_DATABASE_URL") else "?"
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gib": round(mem), "load": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(), "postgres": postgres, "date": date.today().isoformat()}


def describe(m: dict, server: bool = True) -> str:
    load = ", ".join(f"{x:.2f}" for x in m["load"])
    return (f"{m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, load average {load} (1/5/15 min), "
            f"Python {m['python']}, " + (f"PostgreSQL {m['postgres']}, " if server else "") + m["date"])


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def write_section(heading: str, body: str) -> None:
    """Replace (or append) the `## heading` section of docs/benchmarks.md; every other section is left alone."""
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    lines = text.rstrip("\n").splitlines()
    title = f"## {heading}"
    new = [title, "", *body.strip("\n").splitlines()]
    start = next((i for i, line in enumerate(lines) if line.strip() == title), None)
    if start is None:
        lines += ["", *new]
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        lines[start:end] = new + ([""] if end < len(lines) else [])
    DOC.write_text("\n".join(lines) + "\n")


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def dbt_dirs(name: str) -> dict[str, str]:
    """DBT_TARGET_PATH / DBT_LOG_PATH of this benchmark's own (run_results.json is read from there)."""
    base = WORK / "dbt" / name
    return {"DBT_TARGET_PATH": str(base / "target"), "DBT_LOG_PATH": str(base / "logs")}


def slowest_nodes(run_results: Path, top: int = 8) -> list[tuple[str, float]]:
    """The `top` slowest nodes of a dbt invocation (run_results.json): (name, seconds)."""
    if not run_results.exists():
        return []
    results = json.loads(run_results.read_text())["results"]
    ranked = sorted(results, key=lambda r: -r["execution_time"])[:top]
    return [(r["unique_id"].split(".", 1)[1].replace("iaas_billing.", ""), r["execution_time"]) for r in ranked]


def timing(seconds: dict[str, float], label: str, function, after=None):
    """function, wrapped to add its wall-clock seconds to seconds[label] at every call (then call after())."""
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            seconds[label] = seconds.get(label, 0.0) + time.perf_counter() - started
            if after:
                after()
    return wrapper


def _cpu_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs so far (/proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


@contextmanager
def load_meter() -> Iterator[dict]:
    """How busy the machine was during the block: the 1-minute load average sampled every 5 s (min, median,
    max) and the cores kept busy on average by every process on the machine (/proc/stat), ours included."""
    import threading

    found: dict = {}
    samples = [os.getloadavg()[0]]
    stop = threading.Event()

    def sample():
        while not stop.wait(5):
            samples.append(os.getloadavg()[0])

    thread = threading.Thread(target=sample, daemon=True)
    busy0, total0 = _cpu_jiffies()
    thread.start()
    try:
        yield found
    finally:
        stop.set()
        thread.join()
        busy1, total1 = _cpu_jiffies()
        samples.append(os.getloadavg()[0])
        cores = os.cpu_count() or 1
        found.update(load_min=round(min(samples), 2), load_median=round(median(samples), 2),
                     load_max=round(max(samples), 2),
                     busy_cores=round(cores * (busy1 - busy0) / max(1, total1 - total0), 2))


def timed_run(name: str, url: URL, inbox: Path, as_of: datetime, mode: str = "run") -> dict:
    """Run `iaas-billing run` (mode "run") or one hourly step (mode "hour": land + dbt build) in a fresh
    process; returns its wall seconds, per-step seconds, peak RSS (MiB) and the build's slowest dbt nodes.
    The command's output goes to .local/bench/dbt/NAME/output-MODE.txt."""
    out = WORK / "dbt" / name / f"result-{mode}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **dbt_dirs(name), "BILLING_DATABASE_URL": url.render_as_string(hide_password=False)}
    env.pop("BILLING_LOADER_DATABASE_URL", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with (out.parent / f"output-{mode}.txt").open("w") as log, load_meter() as load:
        subprocess.run([sys.executable, str(Path(__file__).resolve()), mode, str(inbox), as_of.isoformat(), str(out)],
                       env=env, check=True, cwd=ROOT, stdout=log)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = json.loads(out.read_text())
    result["seconds"] = seconds
    result["load_during"] = load
    result["cpu_seconds"] = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    result["peak_rss_mib"] = result.get("peak_rss_mib") or after.ru_maxrss / 1024
    result["slowest"] = slowest_nodes(Path(result.get("build_run_results", "")))
    return result


def counts(url: URL, queries: dict[str, str]) -> dict[str, int]:
    """Row counts (or any single number) per label."""
    with connect(url, autocommit=True) as conn:
        return {label: conn.execute(sql).fetchone()[0] for label, sql in queries.items()}


MONTH_SIZES = {
    "resources": "select count(distinct resource_id) from intermediate.int_resource_intervals_derived",
    "order events landed": "select count(*) from raw.order_events",
    "usage pieces": "select count(*) from intermediate.int_usage_spans_priced",
    "daily rated rows": "select count(*) from intermediate.int_usage_rated_daily",
    "invoices issued": "select count(*) from billing.invoices",
    "invoice lines issued": "select count(*) from billing.invoice_lines",
    "open breaks": "select count(*) from marts.fct_reconciliation_breaks where status = 'open'",
}


def month_run(resources: int, per_account: int = PER_ACCOUNT, keep: bool = False) -> dict:
    """`iaas-billing run` of the simulated month at its all-delivered clock, on a fresh database of the current
    server; returns the figures (seconds, steps, peak RSS, sizes, load average before, during and after) and
    saves them (month_result_file)."""
    inbox, simulated = inbox_for(resources, per_account)
    name = f"bench_month_{resources}"
    url = fresh_database(name)
    try:
        load_before = [round(x, 2) for x in os.getloadavg()]
        result = timed_run(name, url, inbox, MONTH_END, "run")
        result["load_before"], result["load_after"] = load_before, [round(x, 2) for x in os.getloadavg()]
        result["sizes"] = counts(url, MONTH_SIZES)
    finally:
        if not keep:
            drop_database(name)
    result.update(resources=resources, accounts=accounts_for(resources, per_account), simulated_seconds=simulated,
                  postgres=server_version())
    RESULTS.mkdir(parents=True, exist_ok=True)
    month_result_file(resources).write_text(json.dumps(result, indent=1))
    return result


def month_result_file(resources: int) -> Path:
    """Where month_run saves its figures on the current server: .local/bench/results/month_N_pgMAJOR.json."""
    return RESULTS / f"month_{resources}_pg{server_version().split('.')[0]}.json"


def during_text(load: dict) -> str:
    """The machine's load during a timed run, in a few words."""
    if not load:
        return "?"
    return (f"load {load['load_min']:.1f}–{load['load_max']:.1f} (median {load['load_median']:.1f}), "
            f"{load['busy_cores']:.1f} of {os.cpu_count()} cores busy")


def load_text(values: list[float]) -> str:
    return "/".join(f"{x:.1f}" for x in values)


def _child(mode: str, inbox: str, as_of_text: str, out: str) -> int:
    """Inside the timed process: time the pipeline's steps while `iaas-billing run` (or one hour) runs."""
    from iaas_billing import cli
    from iaas_billing.jobs import pipeline

    steps: dict[str, float] = {}
    target = Path(os.environ["DBT_TARGET_PATH"])
    saved = target.parent / f"run_results-build-{mode}.json"

    def timed(label, function, after=None):
        return timing(steps, label, function, after)

    def keep_run_results():
        if (target / "run_results.json").exists():
            shutil.copy(target / "run_results.json", saved)

    pipeline.landing.land_inbox = timed("land", pipeline.landing.land_inbox)
    pipeline.build = timed("dbt build", pipeline.build, keep_run_results)
    pipeline.billrun.close_due_periods = timed("bill run", pipeline.billrun.close_due_periods)
    pipeline.recon.run_checks = timed("reconcile", pipeline.recon.run_checks)
    as_of = datetime.fromisoformat(as_of_text)
    if mode == "run":
        code = cli.main(["run", "--inbox", inbox, "--as-of", as_of.isoformat()])
    else:
        url = pipeline.warehouse.init(None)
        pipeline.landing.land_inbox(Path(inbox), as_of, url=url)
        result = pipeline.build(url, as_of)
        code = 0 if result.ok else 1
    Path(out).write_text(json.dumps({
        "steps": steps, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "build_run_results": str(saved)}))
    return code


if __name__ == "__main__":
    raise SystemExit(_child(*sys.argv[1:5]))
