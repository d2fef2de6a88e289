"""Fixtures of the explain tests: real landings, real `dbt build`s and real bill runs, shared per module."""

from __future__ import annotations

from fractions import Fraction

import pytest

from iaas_billing.base import db
from tests.conftest import private_work_dirs

# The rating and billing models (lineage and explain views included) and the accounts mart explain reads;
# tests of other teams' models are left out (cautious), so their work in progress cannot fail these tests.
EXPLAIN_SELECTION = [
    "--select",
    "+path:models/intermediate/rating",
    "+path:models/intermediate/billing",
    "+path:models/marts/billing",
    "+path:models/marts/resources",
    "+path:models/marts/core",
    # the interface views explain reads (models/marts/interface); the break explanations' own views
    "+exposure:bill_run", "+exposure:invoice_explain", "+fct_rated_usage_daily_sources", "+dim_currencies",
    "--indirect-selection", "cautious",
]


@pytest.fixture(scope="session", autouse=True)
def private_dbt_target():
    """dbt's target/ and logs/, and the GX file context, of this session's own (concurrent runs cannot clash)."""
    with private_work_dirs("explain-dbt-", gx=True) as tmp:
        yield tmp


def build(url, as_of):
    """A real `dbt build` of the rating, billing and explain models at the clock as_of."""
    from iaas_billing.base import dbt_runner

    return dbt_runner.run_dbt(["build", *EXPLAIN_SELECTION], url=url, as_of=as_of)


def query(url, sql: str, params=None) -> list[dict]:
    with db.connect(url) as conn:
        cur = conn.execute(sql, params or None)
        names = [c.name for c in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def round_half_away(value: Fraction, minor_units: int) -> Fraction:
    """value rounded half away from zero to minor_units decimals, exactly (no float, no Decimal context)."""
    scale = 10 ** minor_units
    scaled = abs(value) * scale
    whole = scaled.numerator // scaled.denominator
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    return Fraction(whole if value >= 0 else -whole, scale)


def reconstruct_from_ledger(url) -> dict[tuple[str, int], dict[str, Fraction]]:
    """Every issued line rebuilt from the ledger tables alone (billing.*), in Python, independently of the
    dbt views: {(invoice_id, line_number): {amount, quantity, issued_amount, issued_quantity, sources}}.

    amount = round_half_away(sum(amount_numerator) / denominator) - the key's lines on earlier invoices;
    quantity = round(sum(quantity_numerator) / denominator, 6) - their quantities.
    """
    lines = query(url, "select l.*, coalesce(l.adjusted_period, l.billing_period) as key_period"
                       " from billing.invoice_lines as l order by billing_period, invoice_id, line_number")
    minor = {r["currency"]: r["minor_units"] for r in query(url, "select currency, minor_units from staging.currencies")}
    sources: dict[tuple[str, int], list[dict]] = {}
    for row in query(url, "select * from billing.invoice_line_sources"):
        sources.setdefault((row["invoice_id"], row["line_number"]), []).append(row)
    billed: dict[tuple, list[dict]] = {}
    out = {}
    for line in lines:
        key = (line["tenant"], line["account_id"], line["key_period"], line["sku"], line["charge_type"],
               line["rate_kind"], Fraction(line["unit_price"]))
        rows = sources.get((line["invoice_id"], line["line_number"]), [])
        denominators = {Fraction(r["denominator"]) for r in rows}
        assert len(denominators) <= 1, (line["invoice_id"], line["line_number"], denominators)
        if rows:
            den = denominators.pop()
            rated = round_half_away(sum(Fraction(r["amount_numerator"]) for r in rows) / den, minor[line["currency"]])
            quantity = round_half_away(sum(Fraction(r["quantity_numerator"]) for r in rows) / den, 6)
        else:
            rated = quantity = Fraction(0)
        earlier = billed.setdefault(key, [])
        out[(line["invoice_id"], line["line_number"])] = {
            "amount": rated - sum((Fraction(e["amount"]) for e in earlier), Fraction(0)),
            "quantity": quantity - sum((Fraction(e["quantity"]) for e in earlier), Fraction(0)),
            "issued_amount": Fraction(line["amount"]),
            "issued_quantity": Fraction(line["quantity"]),
            "sources": len(rows),
            "is_adjustment": line["adjusted_period"] is not None,
        }
        earlier.append(line)
    return out
