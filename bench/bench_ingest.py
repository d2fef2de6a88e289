"""Benchmark: land a simulated month and compare its rate with `psql \\copy` of the same rows in the same run.

    .venv/bin/python bench/bench_ingest.py [--accounts 1000] [--resources-per-account 50] [--inbox DIR]
                                           [--rounds 1] [--no-write]

1. Simulates a month (`python -m billing_simulator`; an inbox of its own making if the simulator is
   missing), or takes --inbox.
2. Lands it into a throwaway database with iaas_billing.landing.land_inbox (every kind of file: catalogue,
   accounts, hourly orders extracts, control totals, primary billing, finance, fx) and times it.
3. Exports every landed row of every raw table as CSV and times one `psql` session that `\\copy`s them into
   unindexed copies of those tables (no primary key, index, foreign key or check): the rate at which
   Postgres takes the same rows when nobody parses, validates, deduplicates or indexes them. Afterwards, as a
   reference outside the target, it `\\copy`s order_events and primary_billing again into copies that keep the
   raw table's primary key (what the key alone costs).
4. Prints both rates and their ratio (target: landing >= half of \\copy), the CPU seconds each side used
   (the client process and, when the server runs on this host, its server process: a measure that other
   work on a shared machine skews less than elapsed time) and the load average, and writes them under
   "## Ingest" in docs/benchmarks.md (unless --no-write). --rounds N repeats 2-3 on a fresh database
   and keeps each side's best round (the machine may be shared).

The server is BILLING_DATABASE_URL's (else a throwaway embedded cluster: benchlib.default_server); the
benchmark's database is dropped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import benchlib
import psycopg

from iaas_billing.base import db, warehouse
from iaas_billing.landing import land_inbox

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
TABLES = ("catalog_prices", "accounts", "order_events", "order_event_repeats", "orderstream_control",
          "primary_billing", "finance_gl", "fx_rates", "tax_rates", "sales_entities", "quarantined_rows")
FAR = datetime(2100, 1, 1, tzinfo=UTC)
# Tables also \\copied, after the timed run, into a copy that keeps the raw table's primary key (a reference for
# what the key alone costs; the target compares with the unindexed copies, as issue #10 defines it).
KEYED = ("order_events", "primary_billing")


def simulate(out: Path, accounts: int, resources: int) -> tuple[Path, str]:
    cmd = [sys.executable, "-m", "billing_simulator", "--out", str(out), "--accounts", str(accounts),
           "--resources-per-account", str(resources), "--quiet", "--force"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode == 0:
        return out / "inbox", f"simulator: {accounts} accounts x {resources} resources, October 2026"
    print(f"simulator unavailable ({proc.stderr.strip().splitlines()[-1:]}); generating events", file=sys.stderr)
    return generate(out / "inbox", accounts * resources), f"generated: {accounts * resources} resources"


def generate(inbox: Path, resources: int) -> Path:
    """A month of hourly extracts (about 4 events per resource) and daily primary billing, if no simulator."""
    inbox.mkdir(parents=True, exist_ok=True)
    rng = random.Random(1)
    start = datetime(2026, 10, 1, tzinfo=UTC)
    hours: dict[int, list[str]] = {}
    for r in range(resources):
        for seq, kind in enumerate(("CREATE", "MODIFY", "SUSPEND", "RESUME"), start=1):
            hour = rng.randrange(24 * 31)
            at = start + timedelta(hours=hour, seconds=rng.randrange(3600))
            comps = (f', "components": [{{"sku": "cpu.std.vcpu", "quantity": {rng.randint(1, 16)}}}, '
                     f'{{"sku": "mem.std.gb", "quantity": {rng.randint(1, 64)}}}]') if kind in ("CREATE", "MODIFY") else ""
            hours.setdefault(hour, []).append(
                f'{{"event_id": "{uuid.UUID(int=rng.getrandbits(128))}", "event_time": "{at:%Y-%m-%dT%H:%M:%SZ}", '
                f'"seq": {seq}, "account_id": "ACC-{r % 997:05d}", "resource_id": "vm-{r:08d}", '
                f'"resource_type": "vm", "region": "eu-central", "event_type": "{kind}"{comps}}}')
    for hour in range(24 * 31):
        at = start + timedelta(hours=hour)
        (inbox / f"orders_{at:%Y%m%dT%H}.jsonl").write_text("".join(e + "\n" for e in hours.get(hour, [])))
    for day in range(31):
        d = (start + timedelta(days=day)).date()
        rows = [f"{d},ACC-{a:05d},cpu.std.vcpu,EUR,{rng.randint(1, 99999) / 100}" for a in range(997)]
        (inbox / f"primary_billing_{d:%Y%m%d}.csv").write_text("usage_date,account_id,sku,currency,amount\n"
                                                               + "\n".join(rows) + "\n")
    return inbox


def connect(url):
    return psycopg.connect(**db.server_kwargs(url), dbname=url.database, autocommit=True)


def psql_env(url) -> dict[str, str]:
    server = db.server_kwargs(url)  # host or socket directory (the embedded cluster's URL has no host)
    return {**os.environ, "PGHOST": str(server["host"]), "PGPORT": str(server["port"]), "PGUSER": server["user"],
            "PGPASSWORD": server.get("password", ""), "PGDATABASE": url.database}


def server_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) a server process has used so far; None unless the server runs on this host."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_landing(inbox: Path, url) -> tuple[object, float, dict[str, float], dict[str, float | None]]:
    """land_inbox's report, its seconds, the seconds spent per file kind (land.land_file and batch.land_orders,
    timed), and the CPU seconds of this process and of the server processes of its connections."""
    from iaas_billing.landing import batch, land

    per_kind: dict[str, float] = {}
    originals = (land.land_file, batch.land_orders, db.connect)
    backends: list[float | None] = []

    @contextlib.contextmanager
    def measured_connect(*args, **kwargs):
        with originals[2](*args, **kwargs) as conn:
            try:
                yield conn
            finally:
                backends.append(server_cpu(conn.info.backend_pid))

    def timed_file(conn, f, *args, **kwargs):
        started = time.perf_counter()
        try:
            return originals[0](conn, f, *args, **kwargs)
        finally:
            per_kind[f.kind] = per_kind.get(f.kind, 0.0) + time.perf_counter() - started

    def timed_batch(conn, extracts, *args, **kwargs):
        per_kind["orders_batches"] = per_kind.get("orders_batches", 0) + 1
        started = time.perf_counter()
        try:
            return originals[1](conn, extracts, *args, **kwargs)
        finally:
            per_kind["orders"] = per_kind.get("orders", 0.0) + time.perf_counter() - started

    land.land_file, batch.land_orders, db.connect = timed_file, timed_batch, measured_connect
    try:
        started, cpu = time.perf_counter(), time.process_time()
        report = land_inbox(inbox, FAR, url=url)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        server = None if None in backends else sum(backends)
        return report, seconds, per_kind, {"client": cpu, "server": server}
    finally:
        land.land_file, batch.land_orders, db.connect = originals


def one_round(inbox: Path, server, workdir: Path) -> dict:
    url = server.set(database=f"bench_ingest_{uuid.uuid4().hex[:8]}")
    warehouse.init(url)
    try:
        report, land_seconds, per_kind, land_cpu = timed_landing(inbox, url)
        with connect(url) as conn:
            counts = {t: conn.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in TABLES}
            script = ["select pg_backend_pid() as backend \\gset", "\\setenv BENCH_BACKEND :backend"]
            keyed: list[str] = []
            for table in TABLES:
                if not counts[table]:
                    continue
                columns = [r[0] for r in conn.execute(
                    "select column_name from information_schema.columns where table_schema = 'raw' "
                    "and table_name = %s order by ordinal_position", (table,))]
                conn.execute(f"create table public.copy_{table} (like raw.{table})")  # no keys, indexes, checks
                csv_path = workdir / f"{table}.csv"
                with open(csv_path, "wb") as out, conn.cursor().copy(
                        f"copy raw.{table} ({', '.join(columns)}) to stdout (format csv)") as copy:
                    for chunk in copy:
                        out.write(chunk)
                script += [f"\\! echo {table} $(date +%s.%N)",
                           f"\\copy public.copy_{table} ({', '.join(columns)}) from '{csv_path}' csv"]
                if table in KEYED:  # the reference with the raw table's primary key (not part of the target)
                    conn.execute(f"create table public.keyed_{table} (like raw.{table} including indexes)")
                    keyed += [f"\\! echo {table} $(date +%s.%N)",
                              f"\\copy public.keyed_{table} ({', '.join(columns)}) from '{csv_path}' csv"]
        script.append("\\! echo end $(date +%s.%N)")
        script.append("\\! echo cpu $(cat /proc/$BENCH_BACKEND/stat 2>/dev/null | sed 's/.*) //')")
        (workdir / "copy.sql").write_text("\n".join(script) + "\n")
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(workdir / "copy.sql")],
                             env=psql_env(url), check=True, capture_output=True, text=True).stdout
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        psql_cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
        lines = [line.split() for line in out.splitlines() if line.strip()]
        stat = next((line[1:] for line in lines if line[0] == "cpu"), [])
        copy_server_cpu = (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK") if len(stat) > 12 else None
        marks = [line for line in lines if line[0] != "cpu"]
        copy_per_table = {name: float(marks[i + 1][1]) - float(at) for i, (name, at) in enumerate(marks[:-1])}
        keyed_per_table: dict[str, float] = {}
        if keyed:  # after the timed \\copy run, so it does not warm anything for it
            (workdir / "keyed.sql").write_text("\n".join(keyed + ["\\! echo end $(date +%s.%N)"]) + "\n")
            out = subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(workdir / "keyed.sql")],
                                 env=psql_env(url), check=True, capture_output=True, text=True).stdout
            marks = [line.split() for line in out.splitlines() if line.strip()]
            keyed_per_table = {name: float(marks[i + 1][1]) - float(at) for i, (name, at) in enumerate(marks[:-1])}
    finally:
        with psycopg.connect(**db.server_kwargs(server),
                             dbname="postgres", autocommit=True) as admin:
            admin.execute(f'drop database if exists "{url.database}" with (force)')
    events = counts["order_events"] + counts["order_event_repeats"]
    orders_files = sum(1 for p in inbox.iterdir() if p.name.startswith("orders_"))
    return {"files": report.files_landed, "orders_files": orders_files, "rows": sum(counts.values()), "events": events,
            "quarantined": counts["quarantined_rows"], "land_s": land_seconds,
            "orders_s": per_kind.get("orders", 0.0), "orders_batches": int(per_kind.pop("orders_batches", 0)),
            "copy_s": sum(copy_per_table.values()),
            "copy_events_s": copy_per_table.get("order_events", 0.0) + copy_per_table.get("order_event_repeats", 0.0),
            "land_cpu_client_s": land_cpu["client"], "land_cpu_server_s": land_cpu["server"],
            "copy_cpu_client_s": psql_cpu, "copy_cpu_server_s": copy_server_cpu,
            "land_s_per_kind": {k: round(v, 2) for k, v in sorted(per_kind.items())},
            "copy_s_per_table": {k: round(v, 2) for k, v in copy_per_table.items()},
            "keyed_copy_s_per_table": {k: round(v, 2) for k, v in keyed_per_table.items()}}


def parse_seconds(inbox: Path, repeats: int = 3) -> float:
    """CPU seconds (best of repeats) that parsing and validating the orders extracts' lines takes in Python with
    nothing else (parse_orders.parse: the landing's parser, one thread, files already in memory)."""
    from iaas_billing.landing import parse_orders

    datas = [p.read_bytes() for p in sorted(inbox.iterdir()) if p.name.startswith("orders_")]
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        for data in datas:
            for _row in parse_orders.parse(data):
                pass
        best = min(best, time.process_time() - started)
    return best


def verdict(ratio: float) -> str:
    return "met" if ratio >= 0.5 else "**not met**"


def write_doc(text: str) -> None:
    DOC.parent.mkdir(parents=True, exist_ok=True)
    current = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    lines = current.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == "## Ingest"), None)
    if start is None:
        new = current.rstrip("\n") + "\n\n" + text
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        new = "\n".join(lines[:start] + text.rstrip("\n").splitlines() + ([""] + lines[end:] if end < len(lines) else []))
    DOC.write_text(new.rstrip("\n") + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--resources-per-account", type=int, default=50)
    parser.add_argument("--inbox", type=Path, help="land this inbox instead of simulating one")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        if args.inbox:
            inbox, source = args.inbox, f"inbox {args.inbox}"
        else:
            started = time.perf_counter()
            inbox, source = simulate(work / "sim", args.accounts, args.resources_per_account)
            print(f"simulated in {time.perf_counter() - started:.1f} s: {source}")
        server = db.database_url()
        load_start = os.getloadavg()
        rounds = [one_round(inbox, server, work) for _ in range(max(1, args.rounds))]
        parse_s = parse_seconds(inbox)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    r = rounds[0]
    best = {key: min(x[key] for x in rounds) for key in ("land_s", "orders_s", "copy_s", "copy_events_s")}
    land_rate, copy_rate = r["rows"] / best["land_s"], r["rows"] / best["copy_s"]
    event_rate = r["events"] / best["orders_s"] if best["orders_s"] else 0.0
    copy_event_rate = r["events"] / best["copy_events_s"] if best["copy_events_s"] else 0.0
    ratio = land_rate / copy_rate
    event_ratio = event_rate / copy_event_rate if copy_event_rate else 0.0
    cpu, cpu_split = {}, {}  # CPU seconds of each side's best round: client process + its server process(es)
    for side in ("land", "copy"):
        measured = [x for x in rounds if x[f"{side}_cpu_server_s"] is not None]
        lowest = min(measured, key=lambda x: x[f"{side}_cpu_client_s"] + x[f"{side}_cpu_server_s"], default=None)
        cpu[side] = lowest and lowest[f"{side}_cpu_client_s"] + lowest[f"{side}_cpu_server_s"]
        cpu_split[side] = lowest and (lowest[f"{side}_cpu_client_s"], lowest[f"{side}_cpu_server_s"])
    cpu_ratio = cpu["copy"] / cpu["land"] if cpu["land"] and cpu["copy"] else None
    keyed = {t: min((x["keyed_copy_s_per_table"].get(t) for x in rounds if t in x["keyed_copy_s_per_table"]),
                    default=None) for t in KEYED}
    unkeyed = {t: min(x["copy_s_per_table"].get(t, 0.0) for x in rounds) for t in KEYED}
    result = {"source": source, **r, **{k: round(v, 2) for k, v in best.items()},
              "load_average_start": [round(x, 2) for x in load_start], "load_average_end":
              [round(x, 2) for x in os.getloadavg()],
              "land_rows_per_s": round(land_rate), "copy_rows_per_s": round(copy_rate),
              "events_per_s": round(event_rate), "copy_events_per_s": round(copy_event_rate),
              "ratio_all_rows": round(ratio, 2), "ratio_events": round(event_ratio, 2),
              "cpu_s_land": cpu["land"] and round(cpu["land"], 2), "cpu_s_copy": cpu["copy"] and round(cpu["copy"], 2),
              "ratio_all_rows_per_cpu_s": cpu_ratio and round(cpu_ratio, 2), "rounds": len(rounds),
              "keyed_copy_s": keyed, "unkeyed_copy_s": {t: round(v, 2) for t, v in unkeyed.items()},
              "parse_events_cpu_s": round(parse_s, 2)}
    print(json.dumps(result, indent=2))
    print(f"order events: landing {event_rate:,.0f}/s vs psql \\copy {copy_event_rate:,.0f}/s = {event_ratio:.2f}; "
          f"all rows: landing {land_rate:,.0f}/s vs \\copy {copy_rate:,.0f}/s = {ratio:.2f} (target 0.5); "
          f"load average {load_start[0]:.1f} -> {os.getloadavg()[0]:.1f}")
    if not args.no_write:
        per_batch_ms = best["orders_s"] / max(1, r["orders_batches"]) * 1000
        cpu_line = "" if cpu_ratio is None else (
            f"\nCPU seconds for the whole month (client process + its server process, best round; less skewed by the "
            f"other work on the machine than elapsed time): `land_inbox` {cpu['land']:.1f} (Python "
            f"{cpu_split['land'][0]:.1f}, server {cpu_split['land'][1]:.1f}), `psql \\copy` {cpu['copy']:.1f} (psql "
            f"{cpu_split['copy'][0]:.1f}, server {cpu_split['copy'][1]:.1f}): per CPU-second the landing takes "
            f"{cpu_ratio:.2f}x the rows `\\copy` takes.\n")
        kinds = ", ".join(f"{kind} {seconds:.2f}" for kind, seconds in sorted(
            min(rounds, key=lambda x: x["land_s"])["land_s_per_kind"].items(), key=lambda kv: -kv[1]))
        keyed_line = ""
        if keyed["order_events"] and keyed["primary_billing"]:
            keyed_line = (
                f"\nReference, not the target: `\\copy` of the same CSV into copies that keep the raw table's primary "
                f"key (best round): `raw.order_events` {keyed['order_events']:.2f} s (unindexed "
                f"{unkeyed['order_events']:.2f} s), `raw.primary_billing` {keyed['primary_billing']:.2f} s (unindexed "
                f"{unkeyed['primary_billing']:.2f} s): the key alone takes `\\copy` to "
                f"{unkeyed['order_events'] / keyed['order_events']:.2f}x and "
                f"{unkeyed['primary_billing'] / keyed['primary_billing']:.2f}x of its unindexed rate.\n")
        budget = 2 * best["copy_events_s"]
        parse_line = (
            f"\nReference, not the target: parsing and validating the extracts' lines in Python and nothing else "
            f"(`parse_orders.parse`, one thread, files in memory, best of 3) takes {parse_s:.2f} s of CPU, "
            f"{parse_s / budget:.0%} of the {budget:.2f} s that 0.5x of `\\copy` allows for landing the events.\n")
        write_doc(f"""## Ingest

`bench/bench_ingest.py` ({datetime.now(UTC):%Y-%m-%d}, {platform.machine()}, {os.cpu_count()} CPUs shared with
other work, load average {load_start[0]:.1f} at the start and {os.getloadavg()[0]:.1f} at the end; {source};
best of {len(rounds)} round(s), each side's best).

| | rows | seconds | rows/s | vs `\\copy` |
|---|---:|---:|---:|---:|
| order events: `land_inbox` on the {r["orders_files"]} hourly extracts, {r["orders_batches"]} transactions (manifest rows, staging COPY, dedup statement with the quarantine, recount; reading and parsing run ahead on a helper thread and are not in this time) | {r["events"]:,} | {best["orders_s"]:.2f} | {event_rate:,.0f} | {event_ratio:.2f} |
| order events: `psql \\copy` of the same rows as CSV into unindexed tables | {r["events"]:,} | {best["copy_events_s"]:.2f} | {copy_event_rate:,.0f} | 1 |
| whole month, everything included: `land_inbox` on all {r["files"]} files | {r["rows"]:,} | {best["land_s"]:.2f} | {land_rate:,.0f} | {ratio:.2f} |
| whole month: `psql \\copy` of every landed row as CSV into unindexed tables | {r["rows"]:,} | {best["copy_s"]:.2f} | {copy_rate:,.0f} | 1 |
{cpu_line}{keyed_line}{parse_line}
Seconds per kind of file (best round): {kinds}. Rows quarantined: {r["quarantined"]:,}. A transaction of
extracts ({r["events"] / max(1, r["orders_batches"]):.0f} events on average) takes {per_batch_ms:.0f} ms to land.

Target (landing at least 0.5x `\\copy`'s rate): {verdict(event_ratio)} for the order events ({event_ratio:.2f}),
{verdict(ratio)} for the whole month ({ratio:.2f}). Per event the landing pays a staging COPY into a temp table, then
the insert into `raw.order_events` and its primary key (which the unindexed `\\copy` target does not have: see the
first reference above) with a primary-key probe per event for the dedup; per primary billing row, that table's
primary key; and per file of every kind, the parsing and validation in Python (on a helper thread, but on the same
shared CPUs: the second reference above). See [landing.md, Speed](landing.md#speed) for the design and
[History: landing tuning](#history-landing-tuning-2026-11-to-2026-12) below for where the time went and the floor.
""")
    return 0


if __name__ == "__main__":
    with benchlib.default_server():  # BILLING_DATABASE_URL's, else a throwaway embedded cluster
        raise SystemExit(main())
