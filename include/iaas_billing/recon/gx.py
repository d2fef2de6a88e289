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
- Each checkpoint run is named by its checkpoint and the run's clock (`revenue_assurance_daily
  2026-11-03T00:00Z`); the results and pages of the last `BILLING_GX_DOCS_KEEP_RUNS` runs (default 30) of
  each checkpoint are kept, older ones deleted.
- The site renders offline: the scripts and styles GX's pages load from CDNs are copied from
  `data_docs_assets/` into the site's `static/vendor/` and the pages point at the copies.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
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
KEEP_RUNS_ENV = "BILLING_GX_DOCS_KEEP_RUNS"
DEFAULT_KEEP_RUNS = 30
ASSETS = Path(__file__).with_name("data_docs_assets")
# A <script src> or <link href> to anywhere off the site: pointed at the vendored copy of its file, else dropped.
_REMOTE_TAG = re.compile(r'<script\b[^>]*\bsrc="(https?://[^"]+)"[^>]*>\s*</script>'
                         r'|<link\b[^>]*\bhref="(https?://[^"]+)"[^>]*>')
# the CDN file names that are not the vendored file's own
_ALIASES = {"jquery-3.7.1.min.js": "jquery.min.js",
            "bootstrap-table-filter-control.css": "bootstrap-table-filter-control.min.css",
            "all.min.css": "icons.css"}  # font-awesome: its few icons as characters (data_docs_assets/icons.css)
_GX_IMAGES = re.compile(r'https://great-expectations-web-assets\.[^"/]+/([\w.-]+)(\?[^"]*)?')


def gx_dir() -> Path:
    return Path(os.environ.get("BILLING_GX_DIR", settings.GX_DIR))


def docs_index(root: Path | None = None) -> Path:
    return docs_site(root) / "index.html"


def docs_site(root: Path | None = None) -> Path:
    return (root or gx_dir()) / "gx" / "uncommitted" / "data_docs" / "local_site"


def keep_runs() -> int:
    """How many runs of each checkpoint keep their results and Data Docs pages (at least 1)."""
    return max(1, int(os.environ.get(KEEP_RUNS_ENV, DEFAULT_KEEP_RUNS)))


def run_name(checkpoint: str, as_of: datetime) -> str:
    """A run's name in the Data Docs: its checkpoint and its clock, to the minute in UTC."""
    return f"{checkpoint} {as_of.astimezone(UTC):%Y-%m-%dT%H:%MZ}"


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


def run_checkpoints(levels: tuple[str, ...], url: URL, root: Path | None = None,
                    as_of: datetime | None = None) -> list[CheckResult]:
    """Run the checkpoints covering `levels` at the clock `as_of` (default now); one CheckResult per
    expectation of those levels."""
    from great_expectations.core.run_identifier import RunIdentifier

    quiet.silence()
    root = root or gx_dir()
    as_of = as_of or datetime.now(UTC)
    results: list[CheckResult] = []
    by_key = {(c.level, c.break_type): c for c in defs.CHECKS}
    with _exclusive(root), _connection_env(url):
        context = _context(root)
        for checkpoint in _ensure_objects(context, levels):
            # room for this run first: the index its UpdateDataDocsAction writes then lists the runs kept
            prune_runs(root, keep_runs() - 1, checkpoint.name)
            outcome = checkpoint.run(run_id=RunIdentifier(run_name=run_name(checkpoint.name, as_of),
                                                          run_time=datetime.now(UTC)))
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
        serve_offline(docs_site(root))
    return results


def build_docs(url: URL | None = None, root: Path | None = None) -> Path:
    """Rebuild the Data Docs site from the stored validation results; returns its index page."""
    quiet.silence()
    root = root or gx_dir()
    with _exclusive(root), _connection_env(url or db.database_url(start_local=False)):
        context = _context(root)
        prune_runs(root, keep_runs())
        context.build_data_docs()
        serve_offline(docs_site(root))
    return docs_index(root)


def prune_runs(root: Path, keep: int, checkpoint: str | None = None) -> int:
    """Delete the stored results and Data Docs pages of all but the `keep` latest runs of each checkpoint
    (of `checkpoint` alone if named); returns how many runs went. A run is one run name and run time,
    the checkpoint the run name's first word (`__none__` for runs from before runs were named)."""
    stores = (root / "gx" / "uncommitted" / "validations", docs_site(root) / "validations")
    runs: dict[str, set[tuple[str, str]]] = {}
    for store in stores:
        for run_time_dir in store.glob("*/*/*"):
            if run_time_dir.is_dir():
                name = run_time_dir.parent.name
                runs.setdefault(name.split(" ", 1)[0], set()).add((run_time_dir.name, name))
    gone = 0
    for group, found in runs.items():
        if checkpoint is not None and group != checkpoint:
            continue
        for run_time, name in sorted(found, reverse=True)[keep:]:
            gone += 1
            for store in stores:
                for run_time_dir in store.glob(f"*/{glob_escape(name)}/{glob_escape(run_time)}"):
                    shutil.rmtree(run_time_dir)
                    if not any(run_time_dir.parent.iterdir()):
                        run_time_dir.parent.rmdir()
    return gone


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def serve_offline(site: Path) -> None:
    """Copy the vendored scripts and styles into the site and point every page at them, so that the site
    renders with no network (GX's templates load them from CDNs; docs/reconciliation.md)."""
    if not site.is_dir():
        return
    vendor = site / "static" / "vendor"
    vendor.mkdir(parents=True, exist_ok=True)
    vendored = set()
    for asset in ASSETS.iterdir():
        if asset.suffix in (".js", ".css"):
            shutil.copyfile(asset, vendor / asset.name)
            vendored.add(asset.name)
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if "https://" not in text:
            continue
        static = Path(os.path.relpath(site / "static", page.parent)).as_posix()

        def local(match: re.Match, static: str = static) -> str:
            url = match.group(1) or match.group(2)
            name = url.split("?", 1)[0].rsplit("/", 1)[-1]
            name = _ALIASES.get(name, name)
            if name not in vendored:
                return ""
            if match.group(1):
                return f'<script src="{static}/vendor/{name}"></script>'
            return f'<link rel="stylesheet" href="{static}/vendor/{name}">'

        text = _REMOTE_TAG.sub(local, text)
        text = _GX_IMAGES.sub(lambda m, static=static: f"{static}/images/{m.group(1)}", text)
        page.write_text(text, encoding="utf-8")
