"""Benchmark: the cost of one more hourly extract at the start and at the end of a month (flat hourly cost).

    .venv/bin/python bench/bench_hourly.py [--resources 100000] [--hours 2] [--no-write] [--keep-database]

On each server (as bench_month.py), the simulated October 2026 is processed in two fresh databases, up to
2026-10-01T03:00Z (3 hours) and up to 2026-10-31T03:00Z (723 hours) — landing and `dbt build` at that clock, not
timed — then each is advanced one hour at a time (`--hours`, default 2; start and end alternately, so that both
see the same load on a shared machine; the median counts), the way the hourly DAGs run: land the extracts
delivered in the hour and `dbt build` at the new clock, in a fresh process. Target: an hour at the end costs
at most 2x an hour at the start, and under 60 s at 100,000 resources. It also shows what each end-of-month
hour re-rated (int_rerating_scopes_detected): the resources in scope, by reason, the late ones (re-rated from
an earlier day than the clock's) and the usage pieces rewritten against all pieces. Writes "Hourly cost" in
docs/benchmarks.md; the databases are dropped.
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime, timedelta

import benchlib

START = datetime(2026, 10, 1, 3, tzinfo=UTC)
END = datetime(2026, 10, 31, 3, tzinfo=UTC)
TARGET_RATIO = 2.0
TARGET_SECONDS = 60

SCOPE = """
with scopes as (
    select resource_id, min(rerate_from_date) as rerate_from_date, min(scope_reasons) as scope_reasons
    from intermediate.int_rerating_scopes_detected
    where run_number = (select max(run_number) from intermediate.int_rerating_scopes_detected)
    group by resource_id
)
select
    (select count(*) from scopes),
    (select count(*) from scopes where scope_reasons like '%%new_events%%'),
    (select count(*) from scopes where rerate_from_date < %(day)s),
    (select count(*) from intermediate.int_usage_spans_priced as p inner join scopes
        on p.resource_id = scopes.resource_id and p.usage_date >= scopes.rerate_from_date),
    (select count(*) from intermediate.int_usage_spans_priced),
    (select count(distinct resource_id) from intermediate.int_resource_intervals_derived)
"""


def scope_of_last_build(url, day) -> dict:
    """What the latest build re-rated."""
    with benchlib.connect(url, autocommit=True) as conn:
        row = conn.execute(SCOPE, {"day": day}).fetchone()
    keys = ("resources in scope", "with new events", "late (from an earlier day)", "pieces rewritten",
            "pieces in all", "resources in all")
    return dict(zip(keys, row, strict=True))


def set_up(label: str, resources: int, per_account: int, clock: datetime) -> tuple[str, object, dict]:
    """A fresh database processed up to `clock` (land and build, not timed)."""
    inbox, _ = benchlib.inbox_for(resources, per_account)
    name = f"bench_hourly_{label}_{resources}"
    url = benchlib.fresh_database(name)
    return name, url, benchlib.timed_run(name, url, inbox, clock, "hour")


def one_hour(name: str, url, resources: int, per_account: int, at: datetime) -> dict:
    """Land and build the hour ending at `at`, timed, with what it re-rated."""
    inbox, _ = benchlib.inbox_for(resources, per_account)
    load = [round(x, 2) for x in os.getloadavg()]
    hour = benchlib.timed_run(name, url, inbox, at, "hour")
    hour.update(clock=at.isoformat(), load=load, scope=scope_of_last_build(url, at.date()))
    return hour


def measure(resources: int, per_account: int, hours: int, keep: bool) -> tuple[dict, dict]:
    """Both set-ups, then the timed hours alternately at the start and at the end (both see the same load)."""
    runs = {}
    try:
        for label, clock in (("start", START), ("end", END)):
            name, url, setup = set_up(label, resources, per_account, clock)
            runs[label] = {"name": name, "url": url, "clock": clock, "setup": setup, "hours": []}
        for n in range(1, hours + 1):
            for run in runs.values():
                run["hours"].append(one_hour(run["name"], run["url"], resources, per_account,
                                             run["clock"] + timedelta(hours=n)))
    finally:
        if not keep:
            for run in runs.values():
                benchlib.drop_database(run["name"])
    return runs["start"], runs["end"]


def row(label: str, hour: dict) -> str:
    steps = hour["steps"]
    return (f"| {label} | {hour['clock'][:16]}Z | {steps.get('land', 0):.1f} | {steps.get('dbt build', 0):.1f} | "
            f"**{hour['seconds']:.1f}** | {benchlib.load_text(hour['load'])} | "
            f"{benchlib.during_text(hour.get('load_during', {}))} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    benchlib.scale_arguments(parser)
    parser.add_argument("--hours", type=int, default=2, help="hours timed at each end (default 2; the median counts)")
    args = parser.parse_args()
    runs = []
    for label, _ in benchlib.each_server(keep=args.keep_database):
        start, end = measure(args.resources, args.resources_per_account, args.hours, args.keep_database)
        mid_start = benchlib.median([h["seconds"] for h in start["hours"]])
        mid_end = benchlib.median([h["seconds"] for h in end["hours"]])
        runs.append({"label": label, "start": start, "end": end, "mid_start": mid_start, "mid_end": mid_end,
                     "ratio": mid_end / mid_start})
        print(f"== {label}")
        print(f"resources          {args.resources:,}")
        print(f"set-up start       {start['setup']['seconds']:.1f} s (to {START:%Y-%m-%dT%H:%M}Z, 3 hours)")
        print(f"set-up end         {end['setup']['seconds']:.1f} s (to {END:%Y-%m-%dT%H:%M}Z, 723 hours)")
        for where, run in (("start", start), ("end", end)):
            for hour in run["hours"]:
                steps = ", ".join(f"{k} {v:.1f} s" for k, v in hour["steps"].items())
                print(f"hour {where:<5} {hour['clock'][:16]}Z  {hour['seconds']:6.1f} s  ({steps}; "
                      f"load {benchlib.load_text(hour['load'])}; during: {benchlib.during_text(hour['load_during'])})")
        print(f"end / start        {runs[-1]['ratio']:.2f}  (medians; target <= {TARGET_RATIO})")
        last = end["hours"][-1]
        for key, value in last["scope"].items():
            print(f"  last hour: {key:<28} {value:,}")
        for node, seconds in last["slowest"]:
            print(f"  slowest dbt node  {seconds:6.1f} s  {node}")
    machine = benchlib.describe(benchlib.machine(), server=False)
    print(f"machine            {machine}")
    if args.no_write:
        return 0
    at_target = args.resources >= 100_000
    head = "| | " + " | ".join(run["label"] for run in runs) + " |\n|---|" + "---:|" * len(runs)

    def line(name: str, cell) -> str:
        return f"| {name} | " + " | ".join(cell(run) for run in runs) + " |"

    summary = [line("set-up to the start, 3 hours (s, not timed)", lambda r: f"{r['start']['setup']['seconds']:.0f}"),
               line("set-up to the end, 723 hours (s, not timed)", lambda r: f"{r['end']['setup']['seconds']:.0f}"),
               line(f"hour at the start, median of {args.hours} (s)", lambda r: f"{r['mid_start']:.1f}"),
               line(f"**hour at the end, median of {args.hours} (s)**", lambda r: f"**{r['mid_end']:.1f}**"),
               line("end / start", lambda r: f"{r['ratio']:.2f}")]
    hours = [f"| {run['label']} | {where} " + row("", h)[3:] for run in runs for where in ("start", "end")
             for h in run[where]["hours"]]
    verdicts = []
    for run in runs:
        if at_target:
            verdicts.append(f"{run['label']}: end / start {run['ratio']:.2f} <= {TARGET_RATIO} "
                            f"{benchlib.verdict(run['ratio'] <= TARGET_RATIO)}, an end-of-month hour under "
                            f"{TARGET_SECONDS} s {benchlib.verdict(run['mid_end'] < TARGET_SECONDS)}")
    verdict = ("Targets (100,000 resources, medians): " + "; ".join(verdicts) + "." if at_target else
               f"Target end / start <= {TARGET_RATIO}; the 60 s target applies at 100,000 resources.")
    scopes = []
    for run in runs:
        last = run["end"]["hours"][-1]
        scope = last["scope"]
        slowest = ", ".join(f"`{n}` {s:.1f} s" for n, s in last["slowest"][:5])
        scopes.append(f"- {run['label']}: {scope['resources in scope']:,} of {scope['resources in all']:,} resources "
                      f"re-rated, {scope['with new events']:,} with new events, "
                      f"{scope['late (from an earlier day)']:,} from an earlier day; usage pieces rewritten "
                      f"{scope['pieces rewritten']:,} of {scope['pieces in all']:,}. Slowest dbt nodes: {slowest}.")
    benchlib.write_section("Hourly cost", f"""`bench/bench_hourly.py`: one more hourly extract (land the hour's files, then
`dbt build` at the new clock, in a fresh process, as the hourly DAGs do) at the start of simulated October 2026
(3 hours processed) and at its end (723 hours processed), {args.resources:,} resources, on each server in turn;
the hours are timed alternately at the start and at the end. Machine: {machine}.

{head}
{chr(10).join(summary)}

| server | | clock after the hour | land (s) | dbt build (s) | hour (s) | load average at the start | machine during the hour |
|---|---|---|---:|---:|---:|---|---|
{chr(10).join(hours)}

{verdict}

What the last end-of-month hour re-rated (`int_rerating_scopes_detected`; every resource billable in the hour is
re-rated from the clock's day, reason `clock`; late events from their own day on, nothing before it):
{chr(10).join(scopes)}
""")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
