"""`iaas-billing whatif`: re-rate a closed period under a proposed price list, keep it as a scenario, print the change.

The rules live in dbt (models/intermediate/pricing, models/marts/pricing; docs/pricing.md). This module
validates the proposed file with the landing's catalogue checks, then, in one transaction, stores the
proposed rows in schema `whatif` and copies the scenario's figures from the dbt view
`marts.fct_pricing_whatif_account_skus` (models/marts/interface, exposure `pricing_whatif`) into `whatif.scenario_results`; it never writes raw,
billing, or any dbt relation. A rejected file stores nothing.
"""

from __future__ import annotations

import hashlib
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy.engine import URL

from iaas_billing.base import db, locks
from iaas_billing.base.errors import BillingError

MAX_NAME = 100
# The views the command reads (in marts); rebuilt with their upstream what-if views by `dbt run` when a partial
# build has dropped them (cascade). A view is dropped with what it is built on, so these standing means the
# what-if views below them stand too.
WHATIF_MARTS = ("fct_pricing_whatif_account_skus", "rpt_pricing_whatif", "rpt_pricing_whatif_by_dimension",
                "rpt_pricing_whatif_usd", "rpt_pricing_whatif_accounts")
WHATIF_MODELS = ("stg_whatif__scenarios", "stg_whatif__proposed_prices", "stg_whatif__scenario_results",
                 "int_pricing_proposed_prices", "int_pricing_charges_rerated", "int_pricing_lines_proposed",
                 "int_pricing_whatif_account_skus", *WHATIF_MARTS)
RESULT_COLUMNS = ("scenario", "billing_period", "account_id", "country", "sku", "category", "currency",
                  "revenue_current", "revenue_proposed", "cost_current", "cost_proposed", "revenue_issued",
                  "cost_issued", "line_count_current", "line_count_proposed")
PROPOSED_COLUMNS = ("scenario", "line_number", "sku", "product_name", "category", "charge_type", "unit", "tenant",
                    "currency", "unit_price", "idle_unit_price", "effective_from")


class ProposalRejected(BillingError):
    """A proposed price list with errors: nothing of it is stored; every error is named."""

    def __init__(self, file: str, errors: list[str]) -> None:
        self.errors = [f"{file}: {e}" for e in errors]
        count = len(errors)
        super().__init__(f"proposed price list {file} rejected, nothing stored: {count} error"
                         f"{'s' if count != 1 else ''}\n  " + "\n  ".join(self.errors))


@dataclass(frozen=True)
class ScenarioRun:
    """What one `whatif` run stored."""

    scenario: str
    billing_period: date
    catalog_file: str
    proposed_rows: int
    result_rows: int
    replaced: bool
    seconds: float


def check_name(name: str) -> str:
    """A scenario name: 1 to 100 printable characters, not only blanks."""
    if not name or not name.strip():
        raise BillingError("--name must not be empty")
    if len(name) > MAX_NAME:
        raise BillingError(f"--name is {len(name)} characters long; at most {MAX_NAME}")
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise BillingError(f"--name {name!r} contains control characters")
    return name


def _one_price_per_combination(rows: list[tuple[int, tuple, str]]) -> list:
    """Rows that repeat a (sku, tenant, currency): a proposal prices each once, for the whole period."""
    from iaas_billing.landing.records import Quarantined

    first: dict[tuple, int] = {}
    problems = []
    for line, values, raw in rows:
        key = (values[0], values[5], values[6])
        if key in first:
            problems.append(Quarantined(
                line, "repeated_combination",
                f"(sku, tenant, currency) = ({', '.join(key)}) is already proposed at line {first[key]}: a what-if "
                f"takes one price per (sku, tenant, currency), in force for the whole period", raw))
        else:
            first[key] = line
    return problems


def validate(conn, file: str, data: bytes) -> list[tuple[int, tuple, str]]:
    """The proposed rows (line, typed values, raw) of a valid file; raises ProposalRejected naming every error.

    The checks are a catalogue upload's (iaas_billing.landing: header, fields, duplicate keys, SKU attributes
    against this file and the accepted uploads), plus one price per (sku, tenant, currency).
    """
    from iaas_billing.landing import catalog

    check = catalog.validate(conn, data, extra_checks=_one_price_per_combination)
    if not check.ok:
        raise ProposalRejected(file, check.errors)
    return check.valid


def _exists(conn, relation: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null", (relation,)).fetchone()[0]


def ensure_models(conn, url: URL) -> None:
    """Build the what-if views with `dbt run` if they are missing (never built, or dropped by a partial build)."""
    if all(_exists(conn, f"marts.{m}") for m in WHATIF_MARTS):
        return
    if not _exists(conn, "marts.fct_rated_usage_daily"):
        raise BillingError("the rating models are not built yet: run `iaas-billing run` first")
    from iaas_billing.base import dbt_runner

    dbt_runner.run_dbt(["run", "--select", *WHATIF_MODELS], url=url)


def _check_period(conn, period: date) -> None:
    closed = conn.execute("select 1 from billing.closed_periods where billing_period = %s", (period,)).fetchone()
    if not closed:
        raise BillingError(f"period {period:%Y-%m} is not closed: a what-if re-rates a closed period "
                           f"(`iaas-billing invoices preview` shows an open period's draft)")


def store(conn, name: str, period: date, file: str, sha256: str, rows: list[tuple[int, tuple, str]]) -> tuple[int, bool]:
    """Replace scenario `name` in one transaction: its row, proposed prices and figures; (result rows, replaced).

    conn must be in autocommit mode, so that the block below is the transaction (not a savepoint).
    """
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(%s)", (locks.WHATIF,))
        replaced = conn.execute("delete from whatif.scenarios where scenario = %s", (name,)).rowcount > 0
        conn.execute("insert into whatif.scenarios (scenario, billing_period, catalog_file, catalog_sha256,"
                     " proposed_row_count, created_at) values (%s, %s, %s, %s, %s, %s)",
                     (name, period, file, sha256, len(rows), datetime.now(UTC)))
        with conn.cursor().copy(f"copy whatif.proposed_prices ({', '.join(PROPOSED_COLUMNS)}) from stdin") as copy:
            for line, values, _ in rows:
                copy.write_row((name, line, *values))
        conn.execute("analyze whatif.proposed_prices")  # fresh statistics, so the price join is planned as one
        columns = ", ".join(RESULT_COLUMNS)
        count = conn.execute(
            f"insert into whatif.scenario_results ({columns}) select {columns}"
            " from marts.fct_pricing_whatif_account_skus where scenario = %s and billing_period = %s",
            (name, period)).rowcount
    return count, replaced


def run(catalog_file: Path, period: date, name: str, url: URL | None = None) -> ScenarioRun:
    """Validate the proposed list, then store scenario `name` re-rating `period` (replacing a scenario of that name)."""
    from iaas_billing.base import warehouse

    started = time.perf_counter()
    name = check_name(name)
    try:
        data = Path(catalog_file).read_bytes()
    except OSError as exc:
        raise BillingError(f"cannot read the proposed price list {catalog_file}: {exc.strerror or exc}") from exc
    url = warehouse.require(url)
    file = Path(catalog_file).name
    with db.connect(url, autocommit=True) as conn:
        rows = validate(conn, file, data)
        _check_period(conn, period)
        ensure_models(conn, url)
        count, replaced = store(conn, name, period, file, hashlib.sha256(data).hexdigest(), rows)
    return ScenarioRun(name, period, file, len(rows), count, replaced, time.perf_counter() - started)


# --- printing -------------------------------------------------------------------------------------------------

def _rows(conn, query: str, params) -> list[dict]:
    cur = conn.execute(query, params)
    return [dict(zip([c.name for c in cur.description], r, strict=True)) for r in cur.fetchall()]


def amount(value: Decimal | None) -> str:
    """An amount as stored (its currency's minor units), with thousands separators; n/a when unknown."""
    return "n/a" if value is None else f"{value:,}"


def usd(value: Decimal | None) -> str:
    return "n/a" if value is None else f"{value:,.2f}"


def signed(value: Decimal | None, money=amount) -> str:
    return "n/a" if value is None else ("+" if value > 0 else "") + money(value)


def pct(value: Decimal | None) -> str:
    return "n/a" if value is None else f"{value * 100:+.1f}%"


def _table(header: list[str], rows: list[list[str]], left: int = 2) -> list[str]:
    """Fixed-width columns: the first `left` aligned left, the rest right."""
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]

    def fmt(cells: list[str]) -> str:
        return "  ".join(str(c).ljust(w) if i < left else str(c).rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()
    return ["  " + fmt(header), *("  " + fmt(r) for r in rows)]


def fetch(name: str, url: URL | None = None, top: int = 10) -> dict:
    """A stored scenario's roll-ups from the pricing marts (by country, category, total; top rising accounts)."""
    with db.connect(url, autocommit=True) as conn:
        scenario = _rows(conn, "select * from whatif.scenarios where scenario = %s", (name,))
        if not scenario:
            raise BillingError(f"no what-if scenario named {name!r}")
        params = {"s": name, "p": scenario[0]["billing_period"], "top": top}
        where = "where scenario = %(s)s and billing_period = %(p)s"
        return {
            "scenario": scenario[0],
            "by_dimension": _rows(conn, f"select * from marts.rpt_pricing_whatif_by_dimension {where}"
                                        " order by dimension, dimension_value, currency", params),
            "usd": _rows(conn, f"select * from marts.rpt_pricing_whatif_usd {where}"
                               " order by dimension, dimension_value", params),
            "accounts": _rows(conn, f"select * from marts.rpt_pricing_whatif_accounts {where} and bill_change > 0"
                                    " and rise_rank <= %(top)s order by rise_rank", params),
            "accounts_pct": _rows(conn, f"select * from marts.rpt_pricing_whatif_accounts {where}"
                                        " and bill_change > 0 and rise_pct_rank <= %(top)s order by rise_pct_rank",
                                  params),
        }


def _changed(r: dict) -> bool:
    return r["revenue_change"] != 0 or r["margin_change"] != 0


def _dimension_lines(data: dict, dimension: str, title: str, changed_only: bool) -> list[str]:
    """One line per (value, currency) (only those that change when changed_only), and per value its USD total."""
    usd_by_value = {r["dimension_value"]: r for r in data["usd"] if r["dimension"] == dimension}
    rows = []
    for r in (r for r in data["by_dimension"] if r["dimension"] == dimension):
        if changed_only and not _changed(r):
            continue
        rows.append([r["dimension_value"], r["currency"], amount(r["revenue_current"]), amount(r["revenue_proposed"]),
                     signed(r["revenue_change"]), pct(r["revenue_change_pct"]), amount(r["margin_current"]),
                     amount(r["margin_proposed"]), signed(r["margin_change"]), signed(r["revenue_change_usd"], usd),
                     signed(r["margin_change_usd"], usd)])
    if changed_only:  # a value spanning currencies: all of them consolidated in USD
        for value, u in sorted(usd_by_value.items()):
            rows.append([value, "all, USD", usd(u["revenue_current_usd"]), usd(u["revenue_proposed_usd"]),
                         signed(u["revenue_change_usd"], usd), pct(u["revenue_change_pct"]),
                         usd(u["margin_current_usd"]), usd(u["margin_proposed_usd"]),
                         signed(u["margin_change_usd"], usd), signed(u["revenue_change_usd"], usd),
                         signed(u["margin_change_usd"], usd)])
    rows.sort(key=lambda r: (r[0], r[1].startswith("all"), r[1]))
    header = [dimension, "currency", "revenue now", "proposed", "change", "%", "margin now", "proposed", "change",
              "revenue chg USD", "margin chg USD"]
    return [title, *_table(header, rows)] if rows else [title, "  (nothing)"]


def _account_lines(rows: list[dict], title: str) -> list[str]:
    if not rows:
        return [title, "  no account's bill would rise"]
    table = [[str(i), r["account_id"], r["country"] or "", r["currency"], amount(r["bill_current"]),
              amount(r["bill_proposed"]), signed(r["bill_change"]), pct(r["bill_change_pct"]),
              signed(r["bill_change_usd"], usd)] for i, r in enumerate(rows, start=1)]
    return [title, *_table(["#", "account", "country", "currency", "bill now", "proposed", "change", "%",
                            "change USD"], table, left=4)]


def render(data: dict) -> str:
    """The change in revenue and margin by country and category, in each currency and USD, and the top rises."""
    s = data["scenario"]
    total = next((r for r in data["usd"] if r["dimension"] == "total"), None)
    lines = [f"what-if {s['scenario']!r}: {s['billing_period']:%Y-%m} re-rated with {s['catalog_file']} "
             f"({s['proposed_row_count']} proposed prices); nothing issued changed"]
    if total is None:
        lines.append("  no charges in that period")
        return "\n".join(lines)
    if total["is_usd_complete"]:
        lines.append(f"total, USD: revenue {usd(total['revenue_current_usd'])} -> {usd(total['revenue_proposed_usd'])} "
                     f"({signed(total['revenue_change_usd'], usd)}, {pct(total['revenue_change_pct'])}); margin "
                     f"{usd(total['margin_current_usd'])} -> {usd(total['margin_proposed_usd'])} "
                     f"({signed(total['margin_change_usd'], usd)})")
    else:
        lines.append(f"total, USD: n/a (no rate to USD for {total['missing_fx_currencies']} in "
                     f"{s['billing_period']:%Y-%m}); see each currency below")
    lines += ["", *_dimension_lines(data, "country", "by country (in its currency; the change also in USD):", False)]
    lines += ["", *_dimension_lines(data, "category", "by category (each currency where it changes; every category "
                                    "in USD across currencies):", True)]
    lines += ["", *_account_lines(data["accounts"], "accounts whose bill would rise the most (by USD amount):")]
    lines += ["", *_account_lines(data["accounts_pct"], "accounts whose bill would rise the most (by %):")]
    return "\n".join(lines)
