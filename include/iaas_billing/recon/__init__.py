"""Reconciliation and revenue assurance: GX suites decide, set-based SQL records every break.

`run_checks(as_of)` is the one entry point (the `iaas-billing run` pipeline, the DAGs):

1. `dbt build` at the clock `as_of` of models/intermediate/reconciliation (the candidate models, which
   line up each pair of systems on its key for every complete day and closed period) and of the break
   models models/marts/interface/recon_* (the candidates that are breaks, with their type: rules §6
   and the tolerances live there);
2. the GX checkpoints (`recon.gx`): one suite per level, one UnexpectedRowsExpectation per break
   type over its break model; GX reports pass/fail and counts the breaks, and rebuilds the Data Docs;
3. the break writer (`recon.register`): copies the same rows, set-based, into the register
   audit.reconciliation_breaks (new breaks open, cleared ones resolved, nothing deleted);
4. `dbt build` of the register's staging view and models/marts/reconciliation:
   fct_reconciliation_breaks and the daily summary.

A check that fails is a result, not an error: run_checks returns a `ReconSummary` either way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL

from iaas_billing.recon import checks as defs

log = logging.getLogger(__name__)

# the candidates and the break models (the exposure recon_checks names the latter)
INTERMEDIATE_SELECTOR = "path:models/intermediate/reconciliation path:models/marts/interface/recon_*"
# What the revenue-assurance DAGs build before their checks: the break models and everything upstream of them, at
# the run's clock (only tests whose parents are all built: "cautious"). dbt replaces a view or a table by renaming
# the old one away and dropping it with CASCADE, which also drops the views built on it that the selection left out
# (fct_rated_usage_daily, a view over int_usage_rated_daily_lines): build_for_checks builds those views again.
# tests/dags/test_scheduler.py caught the lost mart.
UPSTREAM_BUILD = ["build", "--select", "+exposure:recon_checks", "--indirect-selection", "cautious"]
VIEWS_SQL = ("select table_schema, table_name from information_schema.views"
             " where table_schema not in ('pg_catalog', 'information_schema')")
MARTS_SELECTOR = "path:models/staging/audit path:models/marts/reconciliation"


@dataclass
class CheckOutcome:
    level: str
    break_type: str
    success: bool
    gx_count: int | None
    written: int | None
    error: str | None = None


@dataclass
class ReconSummary:
    as_of: datetime
    levels: tuple[str, ...]
    run_id: int | None = None
    checks: list[CheckOutcome] = field(default_factory=list)
    opened: int = 0
    reopened: int = 0
    updated: int = 0
    resolved: int = 0
    open_by_level: dict[str, int] = field(default_factory=dict)
    missing_files: list[str] = field(default_factory=list)  # named by open missing_file breaks
    errors: list[str] = field(default_factory=list)
    docs: Path | None = None

    @property
    def checks_failed(self) -> list[CheckOutcome]:
        return [c for c in self.checks if not c.success]

    @property
    def success(self) -> bool:
        """True when every check ran and found no break."""
        return not self.errors and not self.checks_failed

    @property
    def open_breaks(self) -> int:
        return sum(self.open_by_level.values())

    def as_dict(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(), "run_id": self.run_id, "levels": list(self.levels),
            "success": self.success, "checks": len(self.checks), "checks_failed": len(self.checks_failed),
            "opened": self.opened, "reopened": self.reopened, "updated": self.updated,
            "resolved": self.resolved, "open_by_level": dict(self.open_by_level),
            "missing_files": list(self.missing_files), "errors": list(self.errors),
            "failed": [f"{c.level} {c.break_type}: {c.gx_count}" for c in self.checks_failed],
            "docs": str(self.docs) if self.docs else None,
        }

    def __str__(self) -> str:
        by_level = ", ".join(f"{_short(level)} {n}" for level, n in sorted(self.open_by_level.items()) if n)
        head = (f"reconciliation as of {self.as_of.isoformat()}: {len(self.checks)} checks, "
                f"{len(self.checks_failed)} with breaks; {self.open_breaks} open break(s)"
                + (f" ({by_level})" if by_level else "")
                + f"; this run: {self.opened} new, {self.reopened} reopened, {self.updated} changed, "
                  f"{self.resolved} resolved")
        lines = [head]
        for c in self.checks_failed:
            lines.append(f"    {c.level} {c.break_type}: "
                         + (c.error if c.error else f"{c.gx_count} row(s)"))
        if self.missing_files:
            lines.append("    " + missing_files_line(self.missing_files))
        for error in self.errors:
            lines.append(f"    error: {error}")
        if self.docs is not None:
            lines.append(f"    data docs: {self.docs}")
        return "\n".join(lines)


def missing_files_line(names: list[str], most: int = 10) -> str:
    """The open missing_file breaks in one line (the command's summary, the DAG's alert)."""
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return f"missing files ({len(names)}), the checks that read them wait: {', '.join(names[:most])}{more}"


def _short(level: str) -> str:
    return level.split("_", 1)[0] if level != defs.DQ else "DQ"


def build_for_checks(as_of: datetime, url: URL | None = None, vars: dict | None = None) -> dict:
    """dbt build of the break models and everything upstream at the clock `as_of` (UPSTREAM_BUILD), every view that
    was there before still there after; the build's counts."""
    import json

    from iaas_billing.base import db, dbt_runner

    def views() -> set[tuple[str, str]]:
        with db.connect(url, autocommit=True) as conn:
            return set(conn.execute(VIEWS_SQL).fetchall())

    before = views()
    result = dbt_runner.run_dbt(UPSTREAM_BUILD, url=url, as_of=as_of, vars=vars)
    lost = before - views()
    if lost:
        manifest = json.loads(((result.run_results or dbt_runner.run_results_path()).parent / "manifest.json").read_text())
        models = {(n["schema"], n["alias"] or n["name"]): n["name"] for n in manifest["nodes"].values()
                  if n["resource_type"] == "model"}
        names = sorted(models[v] for v in lost if v in models)  # ours: dbt's models, nothing else
        if names:
            log.info("views dropped with the relations they read, built again: %s", ", ".join(names))
            dbt_runner.run_dbt(["run", "--select", *names], url=url, as_of=as_of, vars=vars)
    return result.counts


def run_checks(as_of: datetime, url: URL | None = None, *, levels: tuple[str, ...] | None = None,
               rebuild_models: bool = True, build_marts: bool = True) -> ReconSummary:
    """Run the reconciliation checks of `levels` (default: all) at the clock `as_of`, as the warehouse's writer."""
    from iaas_billing.base import db, locks, quiet, warehouse

    quiet.silence()
    url = warehouse.require(url, upgrade=False)
    with locks.warehouse_writer(url, "reconciliation"), db.lost_is_transient(url, "reconciliation"):
        return _run_checks(as_of, url, levels, rebuild_models, build_marts)


def _run_checks(as_of: datetime, url: URL, levels: tuple[str, ...] | None, rebuild_models: bool,
                build_marts: bool) -> ReconSummary:
    from iaas_billing.base import db, dbt_runner
    from iaas_billing.recon import gx, register

    levels = tuple(levels or defs.LEVELS)
    defs.checks_for(levels)  # validates the names
    summary = ReconSummary(as_of=as_of, levels=levels)

    if rebuild_models:
        dbt_runner.run_dbt(["build", "--select", INTERMEDIATE_SELECTOR], url=url, as_of=as_of)
    with db.connect(url, autocommit=True, phase="reconciliation") as conn:
        present = {name for (name,) in conn.execute(
            "select table_name from information_schema.tables where table_schema = %s", (defs.MODEL_SCHEMA,))}
        with conn.transaction():
            summary.run_id = register.start_run(conn, as_of, levels)
    runnable = tuple(level for level in levels if defs.LEVEL_DEFS[level].model in present)
    for level in levels:
        if level not in runnable:
            summary.errors.append(f"{level}: model {defs.MODEL_SCHEMA}.{defs.LEVEL_DEFS[level].model} "
                                  "does not exist; level skipped")

    results = gx.run_checkpoints(runnable, url, as_of=as_of) if runnable else []
    summary.docs = gx.docs_index()
    evaluated = [r.check for r in results if r.evaluated]
    with db.connect(url, autocommit=True, phase="reconciliation") as conn:
        with conn.transaction():
            merged = register.merge(conn, summary.run_id, as_of, evaluated)
            for r in results:
                written = merged.found.get((r.check.level, r.check.break_type), 0) if r.evaluated else None
                summary.checks.append(CheckOutcome(r.check.level, r.check.break_type, r.success, r.unexpected_count,
                                                   written, r.error))
                if r.error:
                    summary.errors.append(f"{r.check.level} {r.check.break_type}: GX could not evaluate: {r.error}")
                elif written != r.unexpected_count:
                    summary.errors.append(f"{r.check.level} {r.check.break_type}: GX counted {r.unexpected_count} "
                                          f"but {written} break rows were written (data changed during the run?)")
                if r.evaluated:
                    register.record_check(conn, summary.run_id, r.suite_name, r.check, r.success,
                                          r.unexpected_count, written)
            register.finish_run(conn, summary.run_id, gx_success=all(r.success for r in results),
                                checks_evaluated=len(evaluated), checks_failed=sum(not r.success for r in results),
                                merged=merged)
            summary.missing_files = register.open_missing_files(conn)
    summary.opened, summary.reopened = merged.opened, merged.reopened
    summary.updated, summary.resolved = merged.updated, merged.resolved
    summary.open_by_level = merged.open_by_level

    if build_marts:
        dbt_runner.run_dbt(["build", "--select", MARTS_SELECTOR], url=url, as_of=as_of)
    for error in summary.errors:
        log.warning("reconciliation: %s", error)
    return summary
