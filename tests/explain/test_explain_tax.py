"""`iaas-billing explain` of tax lines, and the legal PDF, on a hand-made month through the real pipeline (rules §9).

Catalogue and orders written as inbox files and landed by the real landing; the accounts (seven columns) and
the tax feeds written to raw as landing writes them (their landing is another part of issue 18); real
`dbt build`s and the real bill run:

  catalog_20260101.csv          cpu hourly EUR, SO 0.05 / HO 0.02, from 2026-01-01
  accounts_20260930.csv         ACC-1 DE EUR, no tax_id, terms empty (30 days);
                                ACC-2 DE EUR, tax_id DE811907980, terms 15
  tax_rates_20260901.csv        DE VAT 0.16 reverse charge from 2020-01-01; DE VAT 0.19 reverse charge from 2026-11-01
  sales_entities_20260901.csv   DE Cloud Sales DE GmbH, "Hauptstrasse 1; 10115 Berlin", DE-TAX-4469
  orders_20261001T00.jsonl      e1 CREATE vm-1 (ACC-1) cpu 2; e2 CREATE vm-2 (ACC-1) cpu 1; e3 CREATE vm-3 (ACC-2)
                                cpu 1; all at 2026-10-01 00:00
October closes at 2026-11-01T01:00Z. Then, late:
  orders_20261102T10.jsonl      e4 SHUTDOWN vm-2 at 2026-10-21 00:00
November closes at 2026-12-01T01:00Z, with October's adjustment.

By hand:
  SO-202610-000001 (ACC-1): cpu (744 h x 2 + 744 h) = 2232 x 0.05 = 111.60; VAT 16 % (in force on 2026-10-31):
      111.60 x 0.16 = 17.856 -> 17.86; gross 129.46; due 2026-11-01 + 30 = 2026-12-01
  SO-202610-000002 (ACC-2): 744 x 0.05 = 37.20; reverse charge (DE row says so, ACC-2 has a tax_id): tax 0;
      due 2026-11-01 + 15 = 2026-11-16
  SO-202611-000001 (ACC-1): own cpu 720 h x 2 = 1440 x 0.05 = 72.00 at VAT 19 % (in force on 2026-11-30) = 13.68;
      October's adjustment: vm-2 ran 480 h, not 744: (1488 + 480) x 0.05 = 98.40 - 111.60 = -13.20, at
      October's 16 %: -2.112 -> -2.11 (a negative group); net 58.80, tax 11.57, gross 70.37; due 2026-12-31
  SO-202611-000002 (ACC-2): 720 x 0.05 = 36.00, reverse charge, tax 0; due 2026-12-16
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from iaas_billing import cli, landing
from iaas_billing.base import db
from iaas_billing.jobs import billrun
from iaas_billing.reports import explain_tax

from .conftest import build, query

OCT_CLOSE = datetime(2026, 11, 1, 1, tzinfo=UTC)
NOV_CLOSE = datetime(2026, 12, 1, 1, tzinfo=UTC)


def _event(event_id, when, seq, account, resource, kind, components=None):
    ev = {"event_id": event_id, "event_time": when, "seq": seq, "account_id": account, "resource_id": resource,
          "resource_type": "vm", "region": "eu-central", "event_type": kind}
    if components is not None:
        ev["components"] = [{"sku": sku, "quantity": q} for sku, q in components.items()]
    return json.dumps(ev)


def _write(inbox, name, lines):
    (inbox / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


RAW = {  # file -> (kind, table, columns, rows), as landing writes them
    "accounts_20260930.csv": ("accounts", "accounts", (
        "account_id", "account_name", "country", "currency", "created_at", "tax_id", "payment_terms_days"), [
        ("ACC-1", "Rhein Daten GmbH", "DE", "EUR", "2026-01-01T00:00:00Z", None, None),
        ("ACC-2", "Elbe Cloud AG", "DE", "EUR", "2026-01-01T00:00:00Z", "DE811907980", 15)]),
    "tax_rates_20260901.csv": ("tax_rates", "tax_rates", (
        "snapshot_date", "country", "tax_name", "rate", "reverse_charge", "effective_from"), [
        ("2026-09-01", "DE", "VAT", Decimal("0.16"), True, "2020-01-01"),
        ("2026-09-01", "DE", "VAT", Decimal("0.19"), True, "2026-11-01")]),
    "sales_entities_20260901.csv": ("sales_entities", "sales_entities", (
        "snapshot_date", "country", "legal_name", "address", "tax_registration_id"), [
        ("2026-09-01", "DE", "Cloud Sales DE GmbH", "Hauptstrasse 1; 10115 Berlin", "DE-TAX-4469")]),
}


def _write_raw(url) -> None:
    with db.connect(url) as conn, conn.transaction():
        for name, (kind, table, columns, rows) in RAW.items():
            file_id = conn.execute(
                "insert into raw.inbox_files (file_name, file_kind, sha256, size_bytes, version, rows_read,"
                " rows_loaded, rows_quarantined, status, processed_at) values (%s, %s, encode(sha256(%s::bytea), 'hex'), 100, 1,"
                " %s, %s, 0, 'landed', '2026-10-01T00:00:00Z') returning file_id",
                (name, kind, name, len(rows), len(rows))).fetchone()[0]
            for n, row in enumerate(rows, start=2):
                conn.execute(
                    f"insert into raw.{table} (file_id, line_number, {', '.join(columns)}, raw_record)"
                    f" values (%s, %s, {', '.join(['%s'] * len(columns))}, %s)",
                    (file_id, n, *row, ",".join("" if v is None else str(v) for v in row)))


@pytest.fixture(scope="module")
def month(tmp_path_factory, databases):
    inbox = tmp_path_factory.mktemp("inbox")
    _write(inbox, "catalog_20260101.csv", [
        "sku,product_name,category,charge_type,unit,tenant,currency,unit_price,idle_unit_price,effective_from",
        "cpu,vCPU,compute,hourly,vcpu,SO,EUR,0.05,0,2026-01-01",
        "cpu,vCPU,compute,hourly,vcpu,HO,EUR,0.02,0,2026-01-01"])
    _write(inbox, "orders_20261001T00.jsonl", [
        _event("e1", "2026-10-01T00:00:00Z", 1, "ACC-1", "vm-1", "CREATE", {"cpu": 2}),
        _event("e2", "2026-10-01T00:00:00Z", 1, "ACC-1", "vm-2", "CREATE", {"cpu": 1}),
        _event("e3", "2026-10-01T00:00:00Z", 1, "ACC-2", "vm-3", "CREATE", {"cpu": 1})])
    _write(inbox, "orders_20261102T10.jsonl", [
        _event("e4", "2026-10-21T00:00:00Z", 2, "ACC-1", "vm-2", "SHUTDOWN")])

    url = databases.create("explain_tax")
    _write_raw(url)
    landing.land_inbox(inbox, OCT_CLOSE, url=url)
    build(url, OCT_CLOSE)
    billrun.close_due_periods(OCT_CLOSE, url=url)
    landing.land_inbox(inbox, NOV_CLOSE, url=url)
    build(url, NOV_CLOSE)
    billrun.close_due_periods(NOV_CLOSE, url=url)
    return url


def _explain(url, invoice, capsys, *extra) -> list[str]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BILLING_DATABASE_URL", url.render_as_string(hide_password=False))
        code = cli.main(["explain", "--invoice", invoice, *extra])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out.splitlines()


def test_the_marts_hold_the_hand_computed_taxes(month):
    invoices = {r["invoice_id"]: (r["net_amount"], r["tax_amount"], r["gross_amount"], str(r["due_date"]))
                for r in query(month, "select * from marts.fct_invoices where tenant = 'SO'")}
    assert invoices == {
        "SO-202610-000001": (Decimal("111.60"), Decimal("17.86"), Decimal("129.46"), "2026-12-01"),
        "SO-202610-000002": (Decimal("37.20"), Decimal("0.00"), Decimal("37.20"), "2026-11-16"),
        "SO-202611-000001": (Decimal("58.80"), Decimal("11.57"), Decimal("70.37"), "2026-12-31"),
        "SO-202611-000002": (Decimal("36.00"), Decimal("0.00"), Decimal("36.00"), "2026-12-16"),
    }


def test_two_rates_the_adjustment_at_the_rate_of_the_period_it_adjusts_and_a_negative_group(month, capsys):
    out = _explain(month, "SO-202611-000001", capsys, "--taxes")
    text = "\n".join(out)
    assert "  tax line 1: VAT 19 %: rate 0.19, not reverse charge" in out
    assert re.search(r"line\(s\) \d+: charges of 2026-11 \(the invoice's own period\): the rate of DE in force on"
                     r" 2026-11-30", text), text
    assert "    taxable sum: 72.00 = 72.00 EUR" in out
    assert "    72.00 x 0.19 = 13.68 exactly" in out
    assert "    rounded half away from zero to 2 decimal(s): 13.68 -> tax 13.68 EUR" in out
    assert "  tax line 2: VAT 16 %: rate 0.16, not reverse charge" in out
    assert re.search(r"line\(s\) \d+: charges of 2026-10 \(an adjustment: the rate of the period it adjusts, not of"
                     r" the invoice's\): the rate of DE in force on 2026-10-31", text), text
    assert "    taxable sum: -13.20 = -13.20 EUR" in out
    assert "    -13.20 x 0.16 = -2.112 exactly" in out
    assert "    rounded half away from zero to 2 decimal(s): -2.11 -> tax -2.11 EUR" in out
    assert "  net 58.80 + tax 11.57 = gross 70.37 EUR" in out
    assert "  due 2026-12-31: issued 2026-12-01 (UTC) + 30 days' terms" in out
    assert "!!" not in text


def test_reverse_charge_explained_and_in_the_whole_invoice_explanation(month, capsys):
    out = _explain(month, "SO-202610-000002", capsys)  # the whole explanation: lines, then the tax
    assert "  tax line 1: VAT, reverse charge: rate 0 (the customer, tax ID DE811907980, accounts for the tax)" in out
    assert "    37.20 x 0 = 0 exactly" in out
    assert "  net 37.20 + tax 0.00 = gross 37.20 EUR" in out
    assert "  due 2026-11-16: issued 2026-11-01 (UTC) + 15 days' terms" in out
    october = _explain(month, "SO-202610-000001", capsys, "--taxes")
    assert "    111.60 x 0.16 = 17.856 exactly" in october
    assert "    rounded half away from zero to 2 decimal(s): 17.86 -> tax 17.86 EUR" in october


def test_every_tax_line_follows_from_its_lines(month):
    for invoice in ("SO-202610-000001", "SO-202610-000002", "SO-202611-000001", "SO-202611-000002"):
        expl = explain_tax.fetch_taxes(invoice, url=month)
        assert not expl.uncovered, invoice
        for group in expl.groups:
            assert group.line_sum == group.tax["taxable_amount"], invoice
            rate = 0 if group.tax["is_reverse_charge"] else group.tax["rate"]
            assert explain_tax.round_half_away(group.line_sum * rate, 2) == group.tax["tax_amount"], invoice


def test_the_pdf_of_the_real_marts_has_every_field(month, tmp_path):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BILLING_DATABASE_URL", month.render_as_string(hide_password=False))
        assert cli.main(["invoices", "render", "--period", "2026-11", "--out", str(tmp_path)]) == 0
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "SO-202611-000001.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout.replace("\u00a0", " ").replace("\u202f", " ")
    for field in ["Cloud Sales DE GmbH", "Hauptstrasse 1", "10115 Berlin", "Tax registration: DE-TAX-4469",
                  "Billed to", "Rhein Daten GmbH", "SO-202611-000001", "2026-12-01", "2026-12-31",
                  "Adjusts October 2026", "VAT 19 % on 72,00 €", "13,68 €", "VAT 16 % on -13,20 €", "-2,11 €",
                  "58,80 €", "70,37 €"]:
        assert field in text, (field, text)
    assert "Reverse charge" not in text
    rc = subprocess.run(["pdftotext", str(tmp_path / "SO-202611-000002.pdf"), "-"], check=True, capture_output=True,
                        text=True).stdout
    assert "Customer tax ID: DE811907980" in rc and "Reverse charge: the customer accounts for the VAT" in rc
