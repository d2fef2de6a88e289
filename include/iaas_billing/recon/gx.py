"""Great Expectations 1.x objects of the reconciliation, built in code on a file context.

- Context: a file context under `BILLING_GX_DIR` (default `.local/gx`, git-ignored); the Data Docs
  site is `<dir>/gx/uncommitted/data_docs/local_site/index.html`.
- Data source `warehouse` (Postgres). Its connection string is stored as `${BILLING_GX_CONNECTION_STRING}`
  and filled from the environment at run time, so no password is ever written to disk.
- One table asset per break model (dbt models/marts/interface, schema `marts`: `recon_l1_breaks` …),
  each with a whole-table batch definition.
- One suite per level (`recon_l1_primary_vs_secondary`, `recon_l2_orderstream_vs_billing`,
  `recon_l3_finance_vs_orderstream`, `recon_data_quality`): one `UnexpectedRowsExpectation` per
  break type (the model's rows of that type: none expected), its level and break type in the
  expectation's `meta`. What is a break is the model's; the suites only name the types.
- One validation definition per suite; two checkpoints: `revenue_assurance_daily` (L1, L2, data
  quality) and `period_reconciliation` (L3), each with an `UpdateDataDocsAction`.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

from iaas_billing.base import db, quiet, settings
from iaas_billing.base.environment import overridden
from iaas_billing.recon import checks as defs

DATASOURCE = "warehouse"
BATCH_DEFINITION = "whole_table"
CONNECTION_ENV = "BILLING_GX_CONNECTION_STRING"
CHECKPOINTS = {
    "revenue_assurance_daily": (defs.L1, defs.L2, defs.DQ),
    "period_reconciliation": (defs.L3,),
}


def gx_dir() -> Path:
    return Path(os.environ.get("BILLING_GX_DIR", settings.GX_DIR))


def docs_index(root: Path | None = None) -> Path:
    return (root or gx_dir()) / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"


@dataclass
class CheckResult:
    check: defs.Check
    suite_name: str
    success: bool
    unexpected_count: int | None  # None when the expectation could not be evaluated
    error: str | None = None

    @property
    def evaluated(self) -> bool:
        return self.error is None and self.unexpected_count is not None


def _connection_env(url: URL):
    return overridden({CONNECTION_ENV: db.sqlalchemy_url(url)})


@contextmanager
def _exclusive(root: Path):
    """One process at a time in a file context: GX rewrites its suites and checkpoints on every run, and a
    second process saving them meanwhile makes the first fail with CheckpointRelatedResourcesFreshnessError
    (two runs at once, or two warehouses sharing the default directory)."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".context.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _context(root: Path):
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    root.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(root))
    progress = context.variables.progress_bars
    if isinstance(progress, dict):
        progress = ProgressBarsConfig(**progress)
    if progress is None or progress.globally or progress.metric_calculations:
        context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        context.variables.save()
    return context


def suite_for(level: str):
    """The GX suite of one level, built from the check definitions."""
    import great_expectations as gx

    level_def = defs.LEVEL_DEFS[level]
    expectations = [
        gx.expectations.UnexpectedRowsExpectation(
            unexpected_rows_query=check.query,
            description=f"{check.break_type}: {check.description} Every row returned is a break.",
            meta={"recon_level": check.level, "break_type": check.break_type},
        )
        for check in defs.checks_for([level])
    ]
    suite = gx.ExpectationSuite(name=level_def.suite_name, expectations=expectations,
                                meta={"recon_level": level, "model": f"{defs.MODEL_SCHEMA}.{level_def.model}"})
    return suite


def _ensure_objects(context, levels: tuple[str, ...]) -> list:
    """Create or update the data source, and the assets, suites, validation definitions and
    checkpoints of `levels`; returns the checkpoints to run. A checkpoint covers the levels of its
    group that are asked for (`revenue_assurance_daily` alone when only some of L1, L2, DQ are
    asked for is named after them, e.g. `revenue_assurance_daily__l2_dq`)."""
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction

    source = context.data_sources.add_or_update_postgres(name=DATASOURCE,
                                                         connection_string="${" + CONNECTION_ENV + "}")
    definitions = {}
    for level in levels:
        level_def = defs.LEVEL_DEFS[level]
        try:
            asset = source.get_asset(level_def.model)
        except LookupError:
            asset = source.add_table_asset(name=level_def.model, table_name=level_def.model,
                                           schema_name=defs.MODEL_SCHEMA)
        try:
            batch = asset.get_batch_definition(BATCH_DEFINITION)
        except (KeyError, LookupError, ValueError):
            batch = asset.add_batch_definition_whole_table(BATCH_DEFINITION)
        suite = context.suites.add_or_update(suite_for(level))
        definitions[level] = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=level_def.suite_name, data=batch, suite=suite))
    checkpoints = []
    for name, group in CHECKPOINTS.items():
        wanted = [level for level in group if level in levels]
        if not wanted:
            continue
        if len(wanted) < len(group):
            name += "__" + "_".join(_tag(level) for level in wanted)
        checkpoints.append(context.checkpoints.add_or_update(gx.Checkpoint(
            name=name,
            validation_definitions=[definitions[level] for level in wanted],
            actions=[UpdateDataDocsAction(name="update_data_docs")],
            result_format={"result_format": "SUMMARY"},
        )))
    return checkpoints


def _tag(level: str) -> str:
    return "dq" if level == defs.DQ else level.split("_", 1)[0].lower()


def run_checkpoints(levels: tuple[str, ...], url: URL, root: Path | None = None) -> list[CheckResult]:
    """Run the checkpoints covering `levels`; one CheckResult per expectation of those levels."""
    quiet.silence()
    root = root or gx_dir()
    results: list[CheckResult] = []
    by_key = {(c.level, c.break_type): c for c in defs.CHECKS}
    with _exclusive(root), _connection_env(url):
        context = _context(root)
        for checkpoint in _ensure_objects(context, levels):
            outcome = checkpoint.run()
            for suite_result in outcome.run_results.values():
                for res in suite_result.results:
                    meta = res.expectation_config.meta or {}
                    check = by_key[(meta["recon_level"], meta["break_type"])]
                    info = res.exception_info or {}
                    raised = info.get("raised_exception") if isinstance(info, dict) else False
                    if raised:
                        message = str(info.get("exception_message") or "expectation raised").splitlines()[0]
                        results.append(CheckResult(check, suite_result.suite_name, False, None, message))
                        continue
                    observed = (res.result or {}).get("observed_value")
                    results.append(CheckResult(check, suite_result.suite_name, bool(res.success),
                                               int(observed) if observed is not None else None,
                                               None if observed is not None else "no observed value"))
    return results


def build_docs(url: URL | None = None, root: Path | None = None) -> Path:
    """Rebuild the Data Docs site from the stored validation results; returns its index page."""
    quiet.silence()
    root = root or gx_dir()
    with _exclusive(root), _connection_env(url or db.database_url(start_local=False)):
        context = _context(root)
        context.build_data_docs()
    return docs_index(root)
