"""Same rows before and after a refactor: an md5 of every relation of the warehouse's result schemas, saved or compared.

    # build a simulated inbox into a fresh database (throwaway embedded cluster) and keep its fingerprint
    python bench/compare_relations.py --sim /tmp/dedupe_sim --save /tmp/before.json
    # after the change: the same inbox, the same clocks, compared with it (exit 1 on any difference)
    python bench/compare_relations.py --sim /tmp/dedupe_sim --against /tmp/before.json
    # or fingerprint an existing warehouse
    python bench/compare_relations.py --url postgresql+psycopg://... --save FILE

--sim DIR is a simulator output (DIR/inbox, DIR/truth/params.json, see `python -m billing_simulator`). The
pipeline (`pipeline.run`: land, dbt build, close due periods, reconcile) runs at each of the --clock readings,
then a what-if scenario re-rates the first closed period with the inbox's last catalogue upload (so the pricing
views have rows). Each relation (table or view) is fingerprinted as its row count, the md5 of its rows' text
ordered by that text, and the md5 of each column alone (the diagnosis when rows differ). The columns of VOLATILE
hold wall-clock instants or ids drawn at run time: they are left out of the row md5 and not compared.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402

from iaas_billing import db  # noqa: E402

SCHEMAS = ("marts", "intermediate", "billing", "audit", "whatif")
# Columns that legitimately differ between two builds of the same inbox at the same clocks: the wall-clock instant
# a row was written (raw's landed_at / superseded_at as passed on, a recon run's start and end, a what-if scenario's
# creation, also shown by rpt_pricing_whatif) and dbt's invocation_id (the re-rating scopes' acknowledgements).
# A bare name matches in every relation.
VOLATILE = frozenset({
    "invocation_id", "landed_at", "superseded_at",
    "audit.recon_runs.started_at", "audit.recon_runs.finished_at", "whatif.scenarios.created_at",
    "marts.rpt_pricing_whatif.scenario_created_at",
})


def volatile(relation: str, column: str) -> bool:
    return column in VOLATILE or f"{relation}.{column}" in VOLATILE


DEFAULT_CLOCKS = ("2026-10-16T00:00:00Z", "2026-11-01T01:00:00Z", "2026-11-03T00:00:00Z")


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def relations(conn) -> list[tuple[str, str]]:
    cur = conn.execute("select table_schema, table_name from information_schema.tables "
                       "where table_schema = any(%s) order by 1, 2", (list(SCHEMAS),))
    return [(s, t) for s, t in cur.fetchall()]


def fingerprint(url: URL) -> dict[str, dict]:
    """{schema.relation: {rows, md5, columns: {name: md5}}} of every relation of SCHEMAS."""
    result: dict[str, dict] = {}
    with db.connect(url, autocommit=True) as conn:
        for schema, name in relations(conn):
            columns = [r[0] for r in conn.execute(
                "select column_name from information_schema.columns where table_schema = %s and table_name = %s "
                "order by ordinal_position", (schema, name)).fetchall()]
            kept = [c for c in columns if not volatile(f"{schema}.{name}", c)]
            rel = f'"{schema}"."{name}"'
            row = "row(" + ", ".join(f'"{c}"' for c in kept) + ")::text" if kept else "''"
            per_column = ", ".join(
                f"md5(coalesce(string_agg(coalesce(\"{c}\"::text, '<null>'), '|' order by \"{c}\"::text), ''))"
                for c in columns)
            count, md5, *column_md5 = conn.execute(
                f"select count(*), md5(coalesce(string_agg({row}, '|' order by {row}), ''))"
                + (f", {per_column}" if per_column else "") + f" from {rel}").fetchone()
            result[f"{schema}.{name}"] = {"rows": count, "md5": md5,
                                          "columns": dict(zip(columns, column_md5, strict=True))}
    return result


def compare(before: dict[str, dict], after: dict[str, dict]) -> list[str]:
    """The differences, one line each (empty: every relation identical, volatile columns aside)."""
    lines = [f"{r}: only before" for r in sorted(before.keys() - after.keys())]
    lines += [f"{r}: only after" for r in sorted(after.keys() - before.keys())]
    for rel in sorted(before.keys() & after.keys()):
        b, a = before[rel], after[rel]
        if b["columns"].keys() != a["columns"].keys():
            lines.append(f"{rel}: columns {list(b['columns'])} -> {list(a['columns'])}")
        elif (b["rows"], b["md5"]) != (a["rows"], a["md5"]):
            differing = [c for c in b["columns"] if not volatile(rel, c) and b["columns"][c] != a["columns"][c]]
            lines.append(f"{rel}: rows {b['rows']} -> {a['rows']}, differing columns {differing}")
    return lines


def build(sim: Path, clocks: list[datetime], url: URL) -> None:
    """The pipeline at each clock, then a what-if scenario on the first closed period."""
    from iaas_billing.jobs import pipeline, whatif

    for as_of in clocks:
        pipeline.run(sim / "inbox", as_of, url=url)
        print(f"  pipeline run at {as_of:%Y-%m-%dT%H:%MZ}", file=sys.stderr)
    params = json.loads((sim / "truth" / "params.json").read_text())
    closed = [p for p in params["periods"] if _instant(p["closes_at"]) <= clocks[-1]]
    catalogs = sorted(u["file"] for u in params.get("catalog_uploads", []))
    if closed and catalogs:
        period = date.fromisoformat(closed[0]["period"] + "-01")
        whatif.run(sim / "inbox" / catalogs[-1], period, "compare_relations", url=url)
        print(f"  what-if scenario on {period:%Y-%m} with {catalogs[-1]}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--sim", type=Path, help="simulator output to build into a fresh database")
    source.add_argument("--url", help="an existing warehouse to fingerprint")
    parser.add_argument("--clock", action="append", help=f"a run's clock, ISO (repeatable; default {DEFAULT_CLOCKS})")
    parser.add_argument("--save", type=Path, help="write the fingerprint (JSON) here")
    parser.add_argument("--against", type=Path, help="compare with a saved fingerprint; exit 1 on a difference")
    args = parser.parse_args(argv)
    if args.sim:
        clocks = sorted(_instant(c) for c in (args.clock or DEFAULT_CLOCKS))
        with tempfile.TemporaryDirectory(prefix="compare-relations-") as tmp, benchlib.default_server():
            os.environ.update(DBT_TARGET_PATH=f"{tmp}/target", DBT_LOG_PATH=f"{tmp}/logs", BILLING_GX_DIR=f"{tmp}/gx")
            url = benchlib.fresh_database("bench_compare_relations")
            try:
                build(args.sim, clocks, url)
                result = fingerprint(url)
            finally:
                benchlib.drop_database("bench_compare_relations")
    else:
        result = fingerprint(make_url(args.url))
    print(f"{len(result)} relations, {sum(r['rows'] for r in result.values()):,} rows", file=sys.stderr)
    if args.save:
        args.save.write_text(json.dumps(result, indent=1, sort_keys=True))
    if args.against:
        differences = compare(json.loads(args.against.read_text()), result)
        print("\n".join(differences) if differences else f"all {len(result)} relations identical "
              f"(volatile columns aside: {', '.join(sorted(VOLATILE))})")
        return 1 if differences else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
