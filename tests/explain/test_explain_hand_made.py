"""`iaas-billing explain` on a hand-made month: a price change inside October, and a late event adjusting it.

The inbox is written here as files and landed by the real landing (so file names and line numbers are the
landing's own), then a real `dbt build` and the real bill run, as `iaas-billing run` would do:

  catalog_20260101.csv           cpu hourly USD SO 0.05 / HO 0.02 (idle 0); disk monthly SO 0.10 / HO 0.04
                                 (idle = unit price), all from 2026-01-01
  catalog_20261001_change.csv    cpu SO 0.06 / HO 0.03 from 2026-10-16 (the price change)
  accounts_20260930.csv          ACC-1, US, USD
  orders_20261001T00.jsonl       e1 CREATE vm-1 {cpu 2, disk 10} 10-01 00:00; e2 CREATE vm-2 {cpu 1} 10-01 00:30
  orders_20261010T12.jsonl       e3 SUSPEND vm-1 10-10 12:00; e4 RESUME vm-1 10-10 18:00
  orders_20261020T06.jsonl       e5 MODIFY vm-2 {cpu 4} 10-20 06:15
  tax_rates_20260101.csv, sales_entities_20260101.csv   the tax tables (tests/tax_tables.py), so periods close
October closes at 2026-11-01T01:00Z. Then, late:
  orders_20261102T10.jsonl       e6 SHUTDOWN vm-2 10-25 00:00 (delivered 11-02 11:00, after October closed)
November closes at 2026-12-01T01:00Z with October's adjustments.

Hand-computed SO cpu lines of October:
  0.05 (to 10-16): vm-1 (228 h + 126 h) x 2 = 708 unit-hours; vm-2 359.5 h x 1 = 359.5; 1067.5 x 0.05 =
        53.375 exactly -> 53.38 (half away from zero)
  0.06 (from 10-16): vm-1 384 h x 2 = 768; vm-2 102.25 h x 1 + 281.75 h x 4 = 1229.25; 1997.25 x 0.06 =
        119.835 -> 119.84
  after e6: vm-2 102.25 + 113.75 h x 4 = 557.25; 1325.25 x 0.06 = 79.515 -> 79.52: adjustment 79.52 - 119.84 =
        -40.32 (quantity -672)
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

import psycopg
import pytest

from iaas_billing import cli, landing
from iaas_billing.base import db
from iaas_billing.base.errors import BillingError
from iaas_billing.jobs import billrun
from iaas_billing.reports import explain
from tests import tax_tables

from .conftest import build, query, reconstruct_from_ledger

OCT_CLOSE = datetime(2026, 11, 1, 1, tzinfo=UTC)
NOV_CLOSE = datetime(2026, 12, 1, 1, tzinfo=UTC)
CATALOG_HEADER = "sku,product_name,category,charge_type,unit,tenant,currency,unit_price,idle_unit_price,effective_from"


def _event(event_id, when, seq, resource, kind, components=None):
    ev = {"event_id": event_id, "event_time": when, "seq": seq, "account_id": "ACC-1", "resource_id": resource,
          "resource_type": "vm", "region": "eu-central", "event_type": kind}
    if components is not None:
        ev["components"] = [{"sku": sku, "quantity": q} for sku, q in components.items()]
    return json.dumps(ev)


def _write(inbox, name, lines):
    (inbox / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def month(tmp_path_factory, databases):
    inbox = tmp_path_factory.mktemp("inbox")
    _write(inbox, "catalog_20260101.csv", [
        CATALOG_HEADER,
        "cpu,vCPU,compute,hourly,vcpu,SO,USD,0.05,0,2026-01-01",
        "cpu,vCPU,compute,hourly,vcpu,HO,USD,0.02,0,2026-01-01",
        "disk,Disk,storage,monthly,gb,SO,USD,0.10,0.10,2026-01-01",
        "disk,Disk,storage,monthly,gb,HO,USD,0.04,0.04,2026-01-01"])
    _write(inbox, "catalog_20261001_change.csv", [
        CATALOG_HEADER,
        "cpu,vCPU,compute,hourly,vcpu,SO,USD,0.06,0,2026-10-16",
        "cpu,vCPU,compute,hourly,vcpu,HO,USD,0.03,0,2026-10-16"])
    _write(inbox, "accounts_20260930.csv", ["account_id,account_name,country,currency,created_at",
                                            "ACC-1,Acme Ltd,US,USD,2026-01-01"])
    _write(inbox, "orders_20261001T00.jsonl", [
        _event("e1", "2026-10-01T00:00:00Z", 1, "vm-1", "CREATE", {"cpu": 2, "disk": 10}),
        _event("e2", "2026-10-01T00:30:00Z", 1, "vm-2", "CREATE", {"cpu": 1})])
    _write(inbox, "orders_20261010T12.jsonl", [
        _event("e3", "2026-10-10T12:00:00Z", 2, "vm-1", "SUSPEND"),
        _event("e4", "2026-10-10T18:00:00Z", 3, "vm-1", "RESUME")])
    _write(inbox, "orders_20261020T06.jsonl", [
        _event("e5", "2026-10-20T06:15:00Z", 2, "vm-2", "MODIFY", {"cpu": 4})])
    _write(inbox, "orders_20261102T10.jsonl", [
        _event("e6", "2026-10-25T00:00:00Z", 3, "vm-2", "SHUTDOWN")])
    tax_tables.write(inbox)

    url = databases.create("explain_hand")
    state = {"url": url}
    landing.land_inbox(inbox, OCT_CLOSE, url=url)
    build(url, OCT_CLOSE)
    state["oct"] = billrun.close_due_periods(OCT_CLOSE, url=url)
    # October's cpu lines explained right after the close, before any late data
    state["oct_before"] = explain.fetch_invoice("SO-202610-000001", url=url)
    landing.land_inbox(inbox, NOV_CLOSE, url=url)
    build(url, NOV_CLOSE)
    state["nov"] = billrun.close_due_periods(NOV_CLOSE, url=url)
    return state


def _block(text: str, line_number: int) -> str:
    """The printed block of one invoice line: from `line N:` to the next blank line."""
    start = text.index(f"\nline {line_number}: ")
    end = text.find("\n\n", start + 1)
    return text[start:] if end < 0 else text[start:end]


def _line(expl, sku, unit_price=None, adjustment=False):
    found = [le for le in expl.lines if le.line["sku"] == sku and le.line["is_adjustment"] == adjustment
             and (unit_price is None or le.line["unit_price"] == Decimal(unit_price))]
    assert len(found) == 1, [(le.line["sku"], le.line["unit_price"]) for le in expl.lines]
    return found[0]


def test_closes_write_lineage_with_the_lines(month):
    (oct_close,), (nov_close,) = month["oct"], month["nov"]
    # October: SO cpu 0.05 (vm-1, vm-2), cpu 0.06 (vm-1, vm-2), disk standard (vm-1), disk idle (vm-1), same for HO
    assert (oct_close.line_count, oct_close.lineage_source_count) == (8, 12)
    closed = dict((r["billing_period"].isoformat(), r["lineage_source_rows"]) for r in query(
        month["url"], "select billing_period, lineage_source_rows from billing.closed_periods"))
    assert closed == {"2026-10-01": 12, "2026-11-01": nov_close.lineage_source_count}


def test_every_line_is_reconstructed_exactly_from_its_lineage(month):
    rebuilt = reconstruct_from_ledger(month["url"])
    assert len(rebuilt) == 8 + month["nov"][0].line_count
    for key, line in rebuilt.items():
        assert line["amount"] == line["issued_amount"], key
        assert line["quantity"] == line["issued_quantity"], key
    derived = query(month["url"], "select invoice_id, line_number, is_reconstructed, reconstructed_amount"
                                  " from marts.fct_invoice_line_derivations")
    assert {(r["invoice_id"], r["line_number"]): r["is_reconstructed"] for r in derived} == {k: True for k in rebuilt}


def test_a_line_with_a_price_change_shows_its_spans_events_and_prices(month):
    expl = month["oct_before"]
    old, new = _line(expl, "cpu", "0.05"), _line(expl, "cpu", "0.06")
    # hand-computed: 53.375 exactly -> 53.38; 119.835 -> 119.84
    assert (old.line["amount"], old.line["rated_amount_exact"]) == (Decimal("53.38"), Decimal("53.375"))
    assert (new.line["amount"], new.line["rated_amount_exact"]) == (Decimal("119.84"), Decimal("119.835"))
    vm1 = next(r for r in old.resources if r.resource_id == "vm-1")
    assert Fraction(vm1.issued["quantity_numerator"]) / Fraction(vm1.issued["denominator"]) == 708
    spans = [(s["span_from_at"], s["span_to_at"], s["state"], s["starts_at"], s["ends_at"], s["opened_by_event_id"],
              s["closed_by_event_id"], s["price_file_name"]) for s in vm1.spans]
    t = lambda text: datetime.fromisoformat(text).replace(tzinfo=UTC)  # noqa: E731
    assert spans == [
        (t("2026-10-01T00:00"), t("2026-10-10T12:00"), "RUNNING", "event", "event", "e1", "e3", "catalog_20260101.csv"),
        (t("2026-10-10T18:00"), t("2026-10-16T00:00"), "RUNNING", "event", "price_change", "e4", None,
         "catalog_20260101.csv"),
    ]
    vm1_new = next(r for r in new.resources if r.resource_id == "vm-1")
    assert [(s["starts_at"], s["price_file_name"], s["price_line_number"]) for s in vm1_new.spans] == [
        ("price_change", "catalog_20261001_change.csv", 2)]

    text = explain.render_invoice(expl)
    block = _block(text, old.line["line_number"])
    # the exact amount before rounding and the rounding
    assert "192150 / 3600 = 53.375" in block  # (708 + 359.5) x 3600 s x 0.05 = 192150
    assert "half away from zero, to 2 decimal(s): 53.38 USD" in block
    # the spans' bounding events with their file and line, and the price version with its upload and line
    assert "from CREATE e1 at 2026-10-01T00:00:00Z (orders_20261001T00.jsonl line 1)" in block
    assert "to   SUSPEND e3 at 2026-10-10T12:00:00Z (orders_20261010T12.jsonl line 1)" in block
    assert "from RESUME e4 at 2026-10-10T18:00:00Z (orders_20261010T12.jsonl line 2)" in block
    assert "to   a price change" in block
    assert "from CREATE e2 at 2026-10-01T00:30:00Z (orders_20261001T00.jsonl line 2)" in block
    assert "price cpu SO USD from 2026-01-01: unit 0.05, idle 0 (catalog_20260101.csv line 2)" in block
    new_block = _block(text, new.line["line_number"])
    assert "price cpu SO USD from 2026-10-16: unit 0.06, idle 0 (catalog_20261001_change.csv line 2)" in new_block
    assert "from a price change" in new_block
    assert "from MODIFY e5 at 2026-10-20T06:15:00Z (orders_20261020T06.jsonl line 1)" in new_block
    assert "[live rating: unchanged]" in new_block and "now differs" not in new_block


def test_an_adjustment_after_a_late_event_shows_rerated_minus_billed_and_the_late_event(month):
    expl = explain.fetch_invoice("SO-202611-000001", url=month["url"])
    adj = _line(expl, "cpu", "0.06", adjustment=True)
    line = adj.line
    assert (line["rated_amount"], line["billed_before_amount"], line["amount"]) == (
        Decimal("79.52"), Decimal("119.84"), Decimal("-40.32"))
    assert line["quantity"] == Decimal("-672")
    assert [(e["invoice_id"], e["amount"]) for e in adj.earlier_lines] == [("SO-202610-000001", Decimal("119.84"))]
    deltas = {d["resource_id"]: Fraction(d["delta_amount_numerator"]) / Fraction(d["denominator"]) for d in adj.deltas}
    assert deltas == {"vm-1": 0, "vm-2": Fraction("-40.32")}  # 672 unit-hours x 0.06 left vm-2
    assert [(c["cause_kind"], c["event_id"], c["input_file_name"], c["input_line_number"]) for c in adj.causes] == [
        ("late_event", "e6", "orders_20261102T10.jsonl", 1)]

    text = explain.render_invoice(expl)
    block = _block(text, line["line_number"])
    assert "ADJUSTMENT of 2026-10" in block
    assert "billed before for this key: SO-202610-000001 line 2 119.84 = 119.84" in block
    assert "adjustment = 79.52 - 119.84 = -40.32 USD  [equals the issued amount]" in block
    assert ("late event: SHUTDOWN e6 of vm-2 at 2026-10-25T00:00:00Z - orders_20261102T10.jsonl line 1,"
            " processed 2026-12-01T01:00:00Z") in block
    assert "to   SHUTDOWN e6 at 2026-10-25T00:00:00Z (orders_20261102T10.jsonl line 1)" in block


def test_an_issued_line_stays_explained_after_the_rerating_and_says_so(month):
    """October's 0.06 line after e6 re-rated it: the issued lineage is unchanged, vm-2's live rating is flagged."""
    before = _line(month["oct_before"], "cpu", "0.06")
    after_expl = explain.fetch_invoice("SO-202610-000001", url=month["url"])
    after = _line(after_expl, "cpu", "0.06")
    assert {r.resource_id: r.issued for r in after.resources} == {r.resource_id: r.issued for r in before.resources}
    assert after.line["is_reconstructed"] and after.line["amount"] == Decimal("119.84")
    assert {r.resource_id: r.live_matches for r in after.resources} == {"vm-1": True, "vm-2": False}
    text = explain.render_invoice(after_expl)
    block = _block(text, after.line["line_number"])
    adjustment = query(month["url"], "select line_number from billing.invoice_lines where invoice_id = 'SO-202611-000001'"
                                     " and sku = 'cpu' and adjusted_period = '2026-10-01'")
    assert f"adjusted later: SO-202611-000001 line {adjustment[0]['line_number']} (-40.32)" in block
    assert re.search(r"vm-2: .*\[live rating now differs: amount 33\.435 ", block)  # 557.25 x 0.06


def test_the_command_prints_one_line_and_names_bad_input(month, use_database, capsys):
    use_database(month["url"])
    assert cli.main(["explain", "--invoice", "HO-202610-000001", "--line", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("invoice HO-202610-000001: head office (cost), account ACC-1 Acme Ltd (US), period 2026-10")
    assert "line 1: cpu (vCPU), hourly, standard rate 0.02 USD" in out and "\nline 2:" not in out
    assert cli.main(["explain", "--invoice", "SO-202610-999999"]) == 2
    assert "invoice 'SO-202610-999999' is not issued" in capsys.readouterr().err
    assert cli.main(["explain", "--invoice", "SO-202610-000001", "--line", "99"]) == 2
    assert "has no line 99" in capsys.readouterr().err


def test_a_close_whose_lines_its_lineage_cannot_rebuild_issues_nothing(month):
    """The rating's pieces (the lineage's source) made to disagree with its daily sums (the lines' source) by
    0.01 USD on one December key: closing December fails whole, naming the line, and issues nothing."""
    url = month["url"]
    tamper = ("update intermediate.int_usage_spans_priced set amount_numerator = amount_numerator {} 36"
              " where usage_piece_id = (select min(usage_piece_id) from intermediate.int_usage_spans_priced"
              " where billing_period = '2026-12-01' and tenant = 'SO' and sku = 'cpu' and rate_kind = 'standard')")
    with db.connect(url, autocommit=True) as conn:
        assert conn.execute(tamper.format("+")).rowcount == 1
        try:
            with pytest.raises(BillingError, match=r"not closing 2026-12: 1 line\(s\) are not rebuilt by their"
                                                   r" lineage \(SO-202612-000001/1: issued 0\.12, lineage gives 0\.13\)"):
                billrun._close_one(conn, datetime(2026, 12, 1).date(), datetime(2026, 12, 1, 2, tzinfo=UTC))
        finally:
            conn.isolation_level = psycopg.IsolationLevel.READ_COMMITTED
            conn.execute(tamper.format("-"))
    assert query(url, "select count(*) as n from billing.invoices where billing_period = '2026-12-01'")[0]["n"] == 0
    assert query(url, "select count(*) as n from billing.invoice_line_sources where invoice_id like '%-202612-%'"
                 )[0]["n"] == 0
    assert query(url, "select count(*) as n from billing.closed_periods where billing_period = '2026-12-01'"
                 )[0]["n"] == 0
