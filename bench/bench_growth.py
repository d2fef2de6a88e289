"""Benchmark: how the month end to end grows with scale (10,000 and 100,000 resources); target time ratio <= 11.

    .venv/bin/python bench/bench_growth.py [--scales 10000,100000] [--reuse] [--no-write] [--keep-database]

Runs bench_month.py's measurement (`iaas-billing run` of a simulated October 2026 on a fresh database) at each
scale (--scales; the largest defaults to BENCH_RESOURCES or 100,000), or with --reuse takes the figures
bench_month.py saved under .local/bench/results/ when there are some for that scale. Prints the seconds per
scale and step, the ratio of the largest to the smallest and the growth exponent (time ~ resources^b), the
prediction for 1,000,000 resources, writes "Growth" in docs/benchmarks.md and the chart
docs/benchmarks-scale.svg (seconds against resources, both logarithmic).
"""

from __future__ import annotations

import argparse
import json
import math
import os

import benchlib

SVG = benchlib.ROOT / "docs" / "benchmarks-scale.svg"
TARGET_RATIO = 11.0
PREDICT_AT = 1_000_000
STEPS = ("land", "dbt build", "bill run", "reconcile")
COLOURS = {"total": "#1f4e79", "land": "#2e8b57", "dbt build": "#c0504d", "bill run": "#8064a2",
           "reconcile": "#e69f00"}


def exponent(points: list[tuple[int, float]]) -> float:
    """b of time ~ resources^b through the smallest and the largest scale."""
    (n0, t0), (n1, t1) = points[0], points[-1]
    return math.log(t1 / t0) / math.log(n1 / n0) if t0 > 0 and t1 > 0 and n1 != n0 else 1.0


def predict(points: list[tuple[int, float]], at: int) -> float:
    n1, t1 = points[-1]
    return t1 * (at / n1) ** max(exponent(points), 1.0)  # never better than linear


def chart(series: dict[str, list[tuple[int, float]]], predicted: float) -> str:
    """A hand-written SVG: seconds against resources (log-log), measured lines, the 1M prediction dashed."""
    width, height, left, right, top, bottom = 720, 440, 70, 170, 30, 50
    xs = [1_000, 10_000, 100_000, 1_000_000]
    values = [t for pts in series.values() for _, t in pts if t > 0] + [predicted, 300]
    y_lo = 10 ** math.floor(math.log10(max(min(values), 0.1)))
    y_hi = 10 ** math.ceil(math.log10(max(values)))

    def x(n):
        return left + (math.log10(n) - 3) / 3 * (width - left - right)

    def y(t):
        t = max(t, y_lo)
        return top + (math.log10(y_hi) - math.log10(t)) / (math.log10(y_hi) - math.log10(y_lo)) * (
            height - top - bottom)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="18" font-size="14" font-weight="bold">Month end to end: seconds against '
           f'resources (log-log)</text>']
    for n in xs:
        out.append(f'<line x1="{x(n):.1f}" y1="{top}" x2="{x(n):.1f}" y2="{height - bottom}" stroke="#ddd"/>')
        out.append(f'<text x="{x(n):.1f}" y="{height - bottom + 16}" text-anchor="middle">{n:,}</text>')
    decade = y_lo
    while decade <= y_hi:
        out.append(f'<line x1="{left}" y1="{y(decade):.1f}" x2="{width - right}" y2="{y(decade):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y(decade) + 4:.1f}" text-anchor="end">{decade:g} s</text>')
        decade *= 10
    out.append(f'<text x="{(left + width - right) / 2:.0f}" y="{height - 12}" text-anchor="middle">resources'
               f'</text>')
    out.append(f'<line x1="{x(100_000) - 12:.1f}" y1="{y(300):.1f}" x2="{x(100_000) + 12:.1f}" y2="{y(300):.1f}" '
               f'stroke="black" stroke-width="2"/><text x="{x(100_000) + 16:.1f}" y="{y(300) + 4:.1f}">'
               f'target 300 s</text>')
    for i, (name, pts) in enumerate(series.items()):
        colour = COLOURS.get(name, "#555")
        width_px = 3 if name == "total" else 1.5
        path = " ".join(f"{x(n):.1f},{y(t):.1f}" for n, t in pts if t > 0)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="{width_px}"/>')
        for n, t in pts:
            if t > 0:
                out.append(f'<circle cx="{x(n):.1f}" cy="{y(t):.1f}" r="3.5" fill="{colour}"><title>{name}: '
                           f'{t:.1f} s at {n:,}</title></circle>')
        ly = top + 20 + 18 * i
        out.append(f'<line x1="{width - right + 14}" y1="{ly}" x2="{width - right + 34}" y2="{ly}" '
                   f'stroke="{colour}" stroke-width="{width_px}"/>'
                   f'<text x="{width - right + 40}" y="{ly + 4}">{name}</text>')
    n1, t1 = series["total"][-1]
    out.append(f'<line x1="{x(n1):.1f}" y1="{y(t1):.1f}" x2="{x(PREDICT_AT):.1f}" y2="{y(predicted):.1f}" '
               f'stroke="{COLOURS["total"]}" stroke-width="2" stroke-dasharray="6 4"/>')
    out.append(f'<circle cx="{x(PREDICT_AT):.1f}" cy="{y(predicted):.1f}" r="4" fill="white" '
               f'stroke="{COLOURS["total"]}" stroke-width="2"/>')
    out.append(f'<text x="{x(PREDICT_AT) - 8:.1f}" y="{y(predicted) - 10:.1f}" text-anchor="end">'
               f'predicted {predicted / 60:.0f} min</text>')
    ly = top + 20 + 18 * len(series)
    out.append(f'<line x1="{width - right + 14}" y1="{ly}" x2="{width - right + 34}" y2="{ly}" '
               f'stroke="{COLOURS["total"]}" stroke-width="2" stroke-dasharray="6 4"/>'
               f'<text x="{width - right + 40}" y="{ly + 4}">prediction</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    largest = int(os.environ.get("BENCH_RESOURCES", "100000"))
    parser.add_argument("--scales", default=f"{max(1, largest // 10)},{largest}",
                        help="comma-separated resource counts (default: BENCH_RESOURCES / 10 and BENCH_RESOURCES)")
    parser.add_argument("--reuse", action="store_true", help="take bench_month.py's saved figures when present")
    parser.add_argument("--resources-per-account", type=int, default=benchlib.PER_ACCOUNT)
    parser.add_argument("--no-write", action="store_true", help="print only: leave docs/ alone")
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args()
    scales = sorted({int(s) for s in args.scales.split(",")})
    results = []
    for n in scales:
        saved = benchlib.month_result_file(n)
        if args.reuse and saved.exists():
            results.append(json.loads(saved.read_text()))
        else:
            results.append(benchlib.month_run(n, args.resources_per_account, keep=args.keep_database))
        r = results[-1]
        print(f"{n:>9,} resources  {r['seconds']:7.1f} s  ({', '.join(f'{k} {v:.1f}' for k, v in r['steps'].items())};"
              f" peak RSS {r['peak_rss_mib']:.0f} MiB; load {benchlib.load_text(r['load_before'])})")
    totals = [(r["resources"], r["seconds"]) for r in results]
    series = {"total": totals, **{s: [(r["resources"], r["steps"].get(s, 0.0)) for r in results] for s in STEPS}}
    ratio = totals[-1][1] / totals[0][1]
    b = exponent(totals)
    predicted = predict(totals, PREDICT_AT)
    step_predictions = {s: predict(pts, PREDICT_AT) for s, pts in series.items() if s != "total" and pts[0][1] > 0}
    machine = benchlib.describe(benchlib.machine())
    scale_ratio = totals[-1][0] / totals[0][0]
    print(f"machine            {machine}")
    print(f"time ratio         {ratio:.2f} for {scale_ratio:.0f}x the resources (target <= {TARGET_RATIO} for 10x)")
    print(f"growth exponent    {b:.2f} (time ~ resources^b)")
    print(f"predicted 1M       {predicted:.0f} s ({predicted / 60:.0f} min) on this machine")
    if args.no_write:
        return 0
    SVG.write_text(chart(series, predicted))
    rows = "\n".join(f"| {r['resources']:,} | **{r['seconds']:.1f}** | "
                     + " | ".join(f"{r['steps'].get(s, 0):.1f}" for s in STEPS)
                     + f" | {r['peak_rss_mib']:.0f} | {benchlib.load_text(r['load_before'])} |" for r in results)
    parts = ", ".join(f"{s} {t / 60:.0f} min" for s, t in step_predictions.items())
    ok = ratio <= TARGET_RATIO if round(scale_ratio) == 10 else None
    verdict = (f"Target (10x the resources, at most 11x the time): {benchlib.verdict(ok)}." if ok is not None
               else "The target compares 10,000 with 100,000 resources.")
    benchlib.write_section("Growth", f"""`bench/bench_growth.py`: the month end to end (`bench/bench_month.py`'s measurement) at
{', '.join(f'{n:,}' for n in scales)} resources. Machine: {machine}.

| resources | seconds | land | dbt build | bill run | reconcile | peak RSS (MiB) | load average before |
|---:|---:|---:|---:|---:|---:|---:|---|
{rows}

Time ratio **{ratio:.2f}** for {scale_ratio:.0f}x the resources (exponent {b:.2f}: time ~ resources^{b:.2f}).
{verdict} Chart: [benchmarks-scale.svg](benchmarks-scale.svg).

Prediction for 1,000,000 resources on this machine (the growth exponent, never better than linear, from the
largest scale measured): **{predicted / 60:.0f} minutes** for the month end to end ({parts}); see
docs/scaling.md for what runs it beyond one machine.
""")
    return 0


if __name__ == "__main__":
    with benchlib.default_server():  # BILLING_DATABASE_URL's, else a throwaway embedded cluster
        raise SystemExit(main())
