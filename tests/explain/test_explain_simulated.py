"""`iaas-billing explain` on a simulated month run through the whole pipeline (`iaas_billing.jobs.pipeline.run`).

As tests/rating/test_differential_simulator.py: October closes at 2026-11-01T01:00Z, the late files land at
2026-11-04T00:00Z, November closes at 2026-12-01T01:00Z with October's adjustment lines. The simulation has
discrepancies and mess enough for breaks of every level. One run, shared by the module.

What is checked against what was computed independently of the explain views:
- every issued line of both tenants, regular and adjustment, rebuilt in Python from the ledger tables alone
  (billing.invoice_line_sources and the earlier lines of its key) equals the issued amount and quantity;
- the lineage written at issue is the rating at issue: November's lines (nothing landed since) have live
  sources equal to the issued ones, and every October key that was adjusted no longer does;
- the printed explanation of a line names every event raw holds for its resources (id, file, line), a price
  upload row of its rate, spans whose seconds x quantity add up to the resource's issued numerator, and the
  exact amount of the ledger;
- a break of each level names the rows on each side that raw holds for its key.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from iaas_billing import cli
from iaas_billing.jobs import pipeline
from iaas_billing.reports import explain

from .conftest import query, reconstruct_from_ledger, round_half_away

pytest.importorskip("billing_simulator")

CLOCKS = ("2026-11-01T01:00:00Z", "2026-11-04T00:00:00Z", "2026-12-01T01:00:00Z")


@pytest.fixture(scope="module")
def simulated(tmp_path_factory, databases):
    from billing_simulator import command

    out = tmp_path_factory.mktemp("sim")
    assert command.main(["--out", str(out), "--accounts", "6", "--resources-per-account", "3", "--seed", "2",
                         "--late-rate", "0.1", "--discrepancy-rate", "0.3", "--mess-rate", "0.05",
                         "--jobs", "1", "--quiet"]) == 0
    url = databases.create("explain_sim")
    reports = [pipeline.run(out / "inbox", as_of=datetime.fromisoformat(c.replace("Z", "+00:00")), url=url)
               for c in CLOCKS]
    return {"url": url, "reports": reports}


def test_every_issued_line_is_rebuilt_exactly_from_its_lineage(simulated):
    url = simulated["url"]
    closes = [c.billing_period.isoformat() for r in simulated["reports"] for c in r.bill_runs]
    assert closes == ["2026-10-01", "2026-11-01"]
    rebuilt = reconstruct_from_ledger(url)
    issued = query(url, "select tenant, adjusted_period is not null as adj, count(*) as n from billing.invoice_lines"
                        " group by 1, 2")
    counts = {(r["tenant"], r["adj"]): r["n"] for r in issued}
    # both tenants, regular and adjustment lines, all rebuilt
    assert min(counts.get((t, a), 0) for t in ("HO", "SO") for a in (False, True)) > 0, counts
    assert len(rebuilt) == sum(counts.values())
    wrong = {k: v for k, v in rebuilt.items()
             if v["amount"] != v["issued_amount"] or v["quantity"] != v["issued_quantity"]}
    assert wrong == {}
    # a regular line always has contributing resources; an adjustment to zero has none
    assert all(v["sources"] > 0 for v in rebuilt.values() if not v["is_adjustment"])
    derived = query(url, "select invoice_id, line_number, is_reconstructed from marts.fct_invoice_line_derivations")
    assert {(r["invoice_id"], r["line_number"]): r["is_reconstructed"] for r in derived} == {k: True for k in rebuilt}


def test_lineage_is_the_rating_at_issue_and_the_live_rating_moves_on(simulated):
    url = simulated["url"]

    def sources(table: str, period: str) -> dict:
        rows = query(url, f"select invoice_id, line_number, resource_id, amount_numerator, quantity_numerator from {table}"
                          " where billing_period = %s", (period,))
        return {(r["invoice_id"], r["line_number"], r["resource_id"]): (r["amount_numerator"], r["quantity_numerator"])
                for r in rows}

    live_nov = sources("intermediate.int_invoice_line_sources_live", "2026-11-01")
    assert live_nov and live_nov == sources("billing.invoice_line_sources join billing.invoice_lines"
                                            " using (invoice_id, line_number)", "2026-11-01")
    adjusted_keys = query(url, """
        select o.invoice_id, o.line_number
        from billing.invoice_lines as o
        join billing.invoice_lines as a
          on a.adjusted_period = o.billing_period and (a.tenant, a.account_id, a.sku, a.charge_type, a.rate_kind,
             a.unit_price) = (o.tenant, o.account_id, o.sku, o.charge_type, o.rate_kind, o.unit_price)
        where o.billing_period = '2026-10-01'""")
    assert adjusted_keys
    live_oct = sources("intermediate.int_invoice_line_sources_live", "2026-10-01")
    issued_oct = sources("billing.invoice_line_sources join billing.invoice_lines using (invoice_id, line_number)",
                         "2026-10-01")
    for key in adjusted_keys:
        line = (key["invoice_id"], key["line_number"])
        assert ({k: v for k, v in live_oct.items() if k[:2] == line}
                != {k: v for k, v in issued_oct.items() if k[:2] == line}), line


def _block(text: str, line_number: int) -> str:
    start = text.index(f"\nline {line_number}: ")
    end = text.find("\n\nline ", start + 1)
    return text[start:] if end < 0 else text[start:end]


def test_the_printed_line_shows_spans_events_files_prices_and_the_exact_amount(simulated):
    url = simulated["url"]
    # the October SO hourly line whose resources have the most landed events
    candidates = query(url, """
        select l.invoice_id, l.line_number, count(e.event_id) as events
        from billing.invoice_lines as l
        join billing.invoice_line_sources as s using (invoice_id, line_number)
        join raw.order_events as e on e.resource_id = s.resource_id
        where l.tenant = 'SO' and l.billing_period = '2026-10-01' and l.charge_type = 'hourly'
          and l.rate_kind = 'standard'
        group by l.invoice_id, l.line_number order by events desc, l.invoice_id, l.line_number limit 1""")
    invoice_id, number = candidates[0]["invoice_id"], candidates[0]["line_number"]
    line = query(url, "select * from billing.invoice_lines where invoice_id = %s and line_number = %s",
                 (invoice_id, number))[0]
    issued = {r["resource_id"]: r for r in query(
        url, "select * from billing.invoice_line_sources where invoice_id = %s and line_number = %s",
        (invoice_id, number))}
    text = explain.render_invoice(explain.fetch_invoice(invoice_id, number, url=url))
    block = _block(text, number)

    # every event raw holds for the line's resources up to the period's end: id, type, file and line
    raw_events = query(url, """
        select e.event_id, e.event_type, f.file_name, e.line_number
        from raw.order_events as e join raw.inbox_files as f using (file_id)
        where e.resource_id = any(%s) and e.event_time < '2026-11-01T00:00:00Z'""", (list(issued),))
    assert raw_events
    for e in raw_events:
        assert re.search(rf"{re.escape(e['event_id'])} {e['event_type']} at \S+ seq \d+ "
                         rf"\({re.escape(e['file_name'])} line {e['line_number']}\)", block), e

    # a price upload row of the line's rate, with its file and line
    prices = query(url, """
        select p.effective_from, f.file_name, p.line_number
        from raw.catalog_prices as p join raw.inbox_files as f using (file_id)
        where p.sku = %s and p.tenant = 'SO' and p.currency = %s and p.unit_price = %s""",
                   (line["sku"], line["currency"], line["unit_price"]))
    assert any(f"from {p['effective_from']}: unit {Decimal(line['unit_price']).normalize():f}" in block
               and f"({p['file_name']} line {p['line_number']})" in block for p in prices), prices

    # spans: seconds x quantity, per resource, add up to what the resource put on the line when issued
    checked = 0
    for resource_id, source in issued.items():
        part = block[block.index(f"    {resource_id}: "):]
        nxt = re.search(r"\n    \S+: quantity ", part[5:])
        part = part[: nxt.start() + 5] if nxt else part
        spans = re.findall(r"- (\S+) -> (\S+)  \w+  (\S+) s x quantity (\S+) = (\S+) ", part)
        assert spans, resource_id
        total = Fraction(0)
        for start, end, seconds, quantity, product in spans:
            t0, t1 = (datetime.fromisoformat(x.replace("Z", "+00:00")) for x in (start, end))
            assert Fraction(Decimal(seconds)) == Fraction((t1 - t0).total_seconds()).limit_denominator(10 ** 6)
            assert Fraction(Decimal(seconds)) * Fraction(Decimal(quantity)) == Fraction(Decimal(product))
            total += Fraction(Decimal(product))
        if "[live rating: unchanged]" in part:
            assert total == Fraction(source["quantity_numerator"]), resource_id
            checked += 1
    assert checked, "no resource of the line kept its issued rating: choose another line"

    # the exact amount before rounding: the ledger's amount_exact, to 28 decimals; then the issued rounding
    printed = re.search(r"exact amount = sum of the resources' numerators / \S+ = \S+ / \S+ = (-?\d+(?:\.\d+)?)", block)
    exact = sum(Fraction(s["amount_numerator"]) for s in issued.values()) / Fraction(
        next(iter(issued.values()))["denominator"])
    assert abs(Fraction(Decimal(printed.group(1))) - exact) < Fraction(1, 10 ** 28)
    assert abs(Fraction(line["amount_exact"]) - exact) < Fraction(1, 10 ** 28)
    minor = query(url, "select minor_units from staging.currencies where currency = %s", (line["currency"],))
    assert round_half_away(exact, minor[0]["minor_units"]) == Fraction(line["amount"])
    assert f"{line['amount']} {line['currency']}  [equals the issued amount]" in block


def test_adjustment_lines_name_billed_before_and_what_changed(simulated):
    url = simulated["url"]
    adjustments = query(url, "select invoice_id, line_number from billing.invoice_lines"
                             " where adjusted_period is not null order by invoice_id, line_number")
    with_causes = 0
    for adj in adjustments:
        expl = explain.fetch_invoice(adj["invoice_id"], adj["line_number"], url=url)
        (le,) = expl.lines
        earlier = query(url, """
            select o.invoice_id, o.line_number, o.amount from billing.invoice_lines as o
            join billing.invoice_lines as a on a.invoice_id = %s and a.line_number = %s
             and coalesce(o.adjusted_period, o.billing_period) = a.adjusted_period and o.billing_period < a.billing_period
             and (a.tenant, a.account_id, a.sku, a.charge_type, a.rate_kind, a.unit_price)
               = (o.tenant, o.account_id, o.sku, o.charge_type, o.rate_kind, o.unit_price)""",
                        (adj["invoice_id"], adj["line_number"]))
        assert sorted((e["invoice_id"], e["line_number"]) for e in le.earlier_lines) == sorted(
            (e["invoice_id"], e["line_number"]) for e in earlier)
        assert le.line["billed_before_amount"] == sum((e["amount"] for e in earlier), Decimal(0))
        assert le.line["rated_amount"] - le.line["billed_before_amount"] == le.line["amount"]
        for cause in le.causes:  # every late input named landed after the key was last billed
            assert cause["processed_at"] > datetime(2026, 11, 1, 1, tzinfo=UTC)
        # late events named are events of resources whose share changed, and raw holds them as named
        for cause in (c for c in le.causes if c["cause_kind"] == "late_event"):
            raw = query(url, "select f.file_name, e.line_number, e.resource_id from raw.order_events as e"
                             " join raw.inbox_files as f using (file_id) where e.event_id = %s", (cause["event_id"],))
            assert (raw[0]["file_name"], raw[0]["line_number"]) == (cause["input_file_name"],
                                                                    cause["input_line_number"])
            changed = {d["resource_id"] for d in le.deltas if d["delta_amount_numerator"] != 0
                       or d["was_on_key"] != d["is_on_key"]}
            assert raw[0]["resource_id"] in changed
        with_causes += bool(le.causes)
    # the simulation's adjustments come from late events (and late accounts / prices): most have a cause named
    assert with_causes >= len(adjustments) // 2 > 0


def _one_break(url, level: str, break_type: str | None = None) -> dict:
    rows = query(url, "select * from marts.fct_reconciliation_breaks where recon_level = %s"
                      " and (%s::text is null or break_type = %s::text) order by status = 'open' desc, break_id limit 1",
                 (level, break_type, break_type))
    if not rows:
        pytest.fail(f"the simulation has no {level} {break_type or ''} break (choose other rates or seed)")
    return rows[0]


def test_l1_break_names_the_primary_row_and_the_platform_resources(simulated):
    url = simulated["url"]
    brk = _one_break(url, "L1_PRIMARY_VS_SECONDARY", "amount_mismatch")
    text = explain.render_break(explain.fetch_break(brk["break_id"], url=url))
    primary = query(url, """
        select f.file_name, p.line_number from raw.primary_billing as p join raw.inbox_files as f using (file_id)
        where p.usage_date = %s and p.account_id = %s and p.sku = %s""",
                    (brk["business_date"], brk["account_id"], brk["sku"]))
    assert primary and all(f"{p['file_name']} line {p['line_number']}:" in text for p in primary)
    # the contributing resources' exact amounts add up, rounded once, to this platform's daily line (expected)
    shares = re.findall(r"\n      (\S+): (\S+) / (\S+) = ", text)
    assert shares
    total = sum(Fraction(Decimal(n)) / Fraction(Decimal(d)) for _, n, d in shares)
    minor = query(url, "select minor_units from staging.currencies where currency = %s", (brk["currency"],))
    assert round_half_away(total, minor[0]["minor_units"]) == Fraction(brk["expected"])


def test_l2_break_names_the_control_row_and_the_landed_events(simulated):
    url = simulated["url"]
    brk = _one_break(url, "L2_ORDERSTREAM_VS_BILLING")
    text = explain.render_break(explain.fetch_break(brk["break_id"], url=url))
    control = query(url, """
        select f.file_name, c.line_number from raw.orderstream_control as c join raw.inbox_files as f using (file_id)
        where c.event_date = %s and c.account_id = %s and c.event_type = %s""",
                    (brk["business_date"], brk["account_id"], brk["event_type"]))
    assert all(f"{c['file_name']} line {c['line_number']}:" in text for c in control)
    events = query(url, """
        select e.event_id, f.file_name, e.line_number from raw.order_events as e join raw.inbox_files as f using (file_id)
        where (e.event_time at time zone 'UTC')::date = %s and e.account_id = %s and e.event_type = %s""",
                   (brk["business_date"], brk["account_id"], brk["event_type"]))
    assert f"{len(events)} distinct event(s) landed" in text
    assert all(f"{e['event_id']} at " in text and f"({e['file_name']} line {e['line_number']})" in text
               for e in events)
    printed = set(re.findall(r"\n      (\S+) at \S+ of ", text))
    assert printed == {e["event_id"] for e in events}


def test_l3_break_names_the_finance_row_and_the_invoice(simulated):
    url = simulated["url"]
    brk = _one_break(url, "L3_FINANCE_VS_ORDERSTREAM")
    text = explain.render_break(explain.fetch_break(brk["break_id"], url=url))
    finance = query(url, """
        select f.file_name, g.line_number from raw.finance_gl as g join raw.inbox_files as f using (file_id)
        where g.period = %s and g.account_id = %s""", (brk["business_date"], brk["account_id"]))
    invoices = query(url, "select invoice_id, total_amount from billing.invoices where tenant = 'SO'"
                          " and billing_period = %s and account_id = %s", (brk["business_date"], brk["account_id"]))
    assert finance or invoices
    assert all(f"{g['file_name']} line {g['line_number']}:" in text for g in finance)
    assert all(f"{i['invoice_id']}: total {Decimal(i['total_amount']).normalize():f}" in text for i in invoices)


def test_data_quality_breaks_name_the_row_event_or_file(simulated):
    url = simulated["url"]
    quarantined = _one_break(url, "DATA_QUALITY", "quarantined_row")
    text = explain.render_break(explain.fetch_break(quarantined["break_id"], url=url))
    row = query(url, "select q.reason, q.raw_record from raw.quarantined_rows as q where q.file_name = %s"
                     " and q.line_number = %s", (quarantined["file_name"], quarantined["line_number"]))
    assert f"line {quarantined['line_number']}: " in text and row[0]["reason"] in text
    assert f"{quarantined['file_name']} version " in text

    anomaly = _one_break(url, "DATA_QUALITY", "lifecycle_anomaly")
    text = explain.render_break(explain.fetch_break(anomaly["break_id"], url=url))
    raw = query(url, "select f.file_name, e.line_number from raw.order_events as e join raw.inbox_files as f"
                     " using (file_id) where e.event_id = %s", (anomaly["event_id"],))
    assert f"first landed from {raw[0]['file_name']} line {raw[0]['line_number']}: not applied:" in text


def test_the_command_explains_a_break_by_id_or_prefix(simulated, use_database, capsys):
    use_database(simulated["url"])
    brk = _one_break(simulated["url"], "L3_FINANCE_VS_ORDERSTREAM")
    assert cli.main(["explain", "--break", brk["break_id"][:12]]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"break {brk['break_id']}: L3_FINANCE_VS_ORDERSTREAM {brk['break_type']}")
    assert cli.main(["explain", "--break", "no-such-break"]) == 2
    assert "break 'no-such-break' is not in marts.fct_reconciliation_breaks" in capsys.readouterr().err
