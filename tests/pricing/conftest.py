"""Pricing fixtures: one warehouse that lives through October's close and into November, with real dbt builds.

The timeline (tests/pricing/world.py), shared by the module's tests because each dbt build costs a minute:
  1. October's events land; dbt build at 2026-11-01T00:00Z (October rated through its end); previews taken.
  2. The bill run closes October at 01:00 (no rebuild: the rating already covers October).
  3. What-if scenarios of October are run with the command (tests add more).
  4. November's events land; `dbt build --full-refresh` at 2026-11-10T12:00Z (November open).
"""

from __future__ import annotations

import psycopg
import pytest

from iaas_billing.base import db, dbt_runner
from iaas_billing.jobs import billrun
from iaas_billing.reports import preview
from tests.pricing import world

# The pricing models, the bill run's models and the finance marts, and everything they are built from; other
# models (and tests attached to them that reach outside this selection) are left out, so other teams' work in
# progress cannot fail these tests.
PRICING_SELECTION = [
    "--select",
    "+path:models/intermediate/pricing", "+path:models/marts/pricing", "+path:models/marts/finance",
    # the interface views the bill run, the preview and the what-if read (models/marts/interface)
    "+exposure:bill_run", "+exposure:invoice_preview", "+exposure:pricing_whatif",
    "+fct_fx_rates_latest", "+fct_fx_rates_missing",  # the finance pack's (not its reconciliation section's)
    "--indirect-selection", "cautious",
]


def build(url, as_of, *extra: str) -> dbt_runner.DbtResult:
    """A real `dbt build` (models, data tests, unit tests) of the pricing selection at the clock as_of."""
    return dbt_runner.run_dbt(["build", *PRICING_SELECTION, *extra], url=url, as_of=as_of)


def query(url, sql: str, *params) -> list[tuple]:
    with psycopg.connect(**db.server_kwargs(url), dbname=url.database) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="session")
def october(databases):
    """October rated through its end, previews taken, then closed: {'url', 'previews', 'unbilled_*', 'closes'}."""
    url = databases.create("pricing")
    raw = world.PricingWriter(url)
    raw.accounts(world.ACCOUNTS)
    raw.tax_tables()
    raw.catalog(world.PRICES)
    raw.fx_rates(world.FX)
    raw.events(world.OCTOBER_EVENTS, name="orders_20261031T23.jsonl")
    build(url, world.END_OF_OCTOBER)
    state = {"url": url, "raw": raw}
    state["previews"] = {(account, tenant): preview.fetch(account, tenant, url=url)
                         for account, _, _ in world.ACCOUNTS for tenant in ("SO", "HO")}
    state["unbilled_before_close"] = query(
        url, "select tenant, billing_period, account_id, sku, amount, high_water_at from marts.fct_unbilled_revenue")
    state["closes"] = billrun.close_due_periods(world.OCT_CLOSE, url=url)
    state["unbilled_after_close"] = query(url, "select count(*) from marts.fct_unbilled_revenue")[0][0]
    return state


def run_cli(url, *argv: str) -> tuple[int, str, str]:
    """`iaas-billing ARGV` against the database url: (exit code, stdout, stderr)."""
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from iaas_billing import cli

    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch, redirect_stdout(out), redirect_stderr(err):
        patch.setenv("BILLING_DATABASE_URL", url.render_as_string(hide_password=False))
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


def snapshot(url, tables: tuple[str, ...]) -> dict[str, list[tuple]]:
    """Every row of each table, sorted (to compare before / after)."""
    return {t: sorted(query(url, f"select * from {t}"), key=repr) for t in tables}


PIPELINE_TABLES = ("billing.closed_periods", "billing.invoices", "billing.invoice_lines", "raw.inbox_files",
                   "raw.catalog_prices", "intermediate.int_prices_versioned")
WHATIF_TABLES = ("whatif.scenarios", "whatif.proposed_prices", "whatif.scenario_results")
RPT_SQL = ("select scenario, billing_period, account_id, country, sku, category, currency, revenue_current,"
           " revenue_proposed, cost_current, cost_proposed, revenue_issued, cost_issued from marts.rpt_pricing_whatif"
           " order by scenario, account_id, sku")


def _with_cpu_so(prices: list[tuple], factor: str) -> list[tuple]:
    """The price list with cpu's SO prices (every currency) multiplied by factor, rounded to 6 decimals."""
    from decimal import Decimal

    return [(sku, tenant, cur, str((Decimal(p) * Decimal(factor)).quantize(Decimal("0.000001"))), idle)
            if (sku, tenant) == ("cpu", "SO") else (sku, tenant, cur, p, idle)
            for sku, tenant, cur, p, idle in prices]


BAD_PROPOSAL = "\n".join([
    ",".join(world.HEADER),
    "cpu,Standard vCPU,compute,hourly,vCPU,SO,USD,0.055,0,2026-10-01",     # 2: fine
    "cpu,Standard vCPU,compute,weekly,vCPU,SO,JPY,8.03,0,2026-10-01",      # 3: unknown charge type
    "cpu,Standard vCPU,compute,hourly,vCPU,SO,XYZ,0.02,0,2026-10-01",      # 4: unknown currency
    "disk,SSD block storage,storage,monthly,GB,SO,USD,-0.10,0.10,2026-10-01",  # 5: negative price
    "cpu,Standard vCPU,memory,hourly,vCPU,HO,USD,0.02,0,2026-10-01",       # 6: category differs from the catalogue
    "cpu,Standard vCPU,compute,hourly,vCPU,SO,USD,0.06,0,2026-10-15",      # 7: cpu/SO/USD again
    "cpu,Standard vCPU,compute",                                            # 8: too few fields
]) + "\n"


@pytest.fixture(scope="session")
def scenarios(october, tmp_path_factory):
    """What-if runs of closed October with the command, and snapshots around them."""
    url = october["url"]
    folder = tmp_path_factory.mktemp("proposals")
    files = {
        "unchanged": world.proposal_csv(world.PRICES),
        "cpu10": world.proposal_csv([p for p in _with_cpu_so(world.PRICES, "1.1")]),
        "cpu20": world.proposal_csv([p for p in _with_cpu_so(world.PRICES, "1.2") if p[0] == "cpu"]),
        "bad": BAD_PROPOSAL,
    }
    paths = {}
    for name, text in files.items():
        paths[name] = folder / f"proposed_{name}.csv"
        paths[name].write_text(text, encoding="utf-8")

    def whatif(file: str, name: str, period: str = "2026-10") -> tuple[int, str, str]:
        return run_cli(url, "whatif", "--catalog", str(paths[file]), "--period", period, "--name", name)

    state = {"url": url, "paths": paths, "pipeline_before": snapshot(url, PIPELINE_TABLES)}
    state["unchanged"] = whatif("unchanged", "unchanged")
    state["cpu10"] = whatif("cpu10", "cpu-plus-10")
    state["whatif_before_bad"] = snapshot(url, WHATIF_TABLES)
    state["bad"] = whatif("bad", "cpu-plus-10")
    state["whatif_after_bad"] = snapshot(url, WHATIF_TABLES)
    state["open_period"] = whatif("cpu10", "november", period="2026-11")
    state["trial_first"] = whatif("cpu20", "trial")
    state["trial_first_rows"] = query(url, "select sku, account_id, revenue_proposed from whatif.scenario_results"
                                           " where scenario = 'trial' order by 1, 2")
    state["trial_second"] = whatif("cpu10", "trial")
    state["pipeline_after"] = snapshot(url, PIPELINE_TABLES)
    state["rpt"] = query(url, RPT_SQL)
    state["whatif_final"] = snapshot(url, WHATIF_TABLES)
    return state


@pytest.fixture(scope="session")
def november(october, scenarios):
    """November's events landed and a `dbt build --full-refresh` at 2026-11-10T12:00Z (October closed, November open)."""
    url = october["url"]
    october["raw"].events(world.NOVEMBER_EVENTS, name="orders_20261110T11.jsonl")
    build(url, world.NOV_CLOCK, "--full-refresh")
    return {
        "url": url,
        "rpt": query(url, RPT_SQL),
        "whatif": snapshot(url, WHATIF_TABLES),
        "unbilled": query(url, "select tenant, billing_period, account_id, sku, currency, amount, high_water_at"
                               " from marts.fct_unbilled_revenue"),
        "preview": preview.fetch("ACC-1", "SO", url=url),
        "preview_cli": run_cli(url, "invoices", "preview", "--account", "ACC-1"),
    }
