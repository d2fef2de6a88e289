"""`make demo`: simulate a month, run the whole pipeline as the clock moves past the close, print what it found."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

from iaas_billing.base import db, quiet, warehouse
from iaas_billing.base.errors import BillingError
from iaas_billing.jobs import pipeline
from iaas_billing.reports import summary

START, END = "2026-10-01", "2026-11-01"
OCTOBER = date(2026, 10, 1)
EXPLAINED_LINES_SHOWN = 30
CLOSE_OCTOBER = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)   # period end + 1 h grace
AFTER_LATE_DATA = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)  # every late extract and feed delivered


def _simulate(out: Path, accounts: int, seed: int) -> None:
    params = out / "truth" / "params.json"
    if params.exists():
        known = json.loads(params.read_text()).get("arguments", {})
        if (known.get("accounts"), known.get("seed"), known.get("start"), known.get("end")) == (
                accounts, seed, START, END):
            print(f"simulated inbox already in {out} (accounts={accounts}, seed={seed})")
            return
    from iaas_billing import cli

    started = time.monotonic()
    rc = cli.main(["simulate", "--out", str(out), "--start", START, "--end", END,
                   "--accounts", str(accounts), "--seed", str(seed), "--force", "--quiet"])
    if rc:
        raise BillingError(f"simulate failed with exit code {rc}")
    print(f"simulated {START} .. {END}: {accounts} accounts in {time.monotonic() - started:.1f}s -> {out}")


def _query(url, sql: str) -> list[tuple]:
    with db.connect(url) as conn:
        return conn.execute(sql).fetchall()


def _print_findings(url, truth: Path) -> None:
    print("\nInvoices issued for 2026-10:")
    for tenant, n, lines in _query(url, """
            select tenant, count(*), sum(line_count) from marts.fct_invoices
            where billing_period = date '2026-10-01' group by tenant order by tenant"""):
        print(f"  {tenant}: {n} invoices, {lines} lines")
    print()
    print(summary.findings(OCTOBER, truth, url))


def _write_outputs(url, out: Path) -> None:
    """The finance pack, the invoice documents, and one issued line explained (as an auditor would ask)."""
    from iaas_billing.recon import gx
    from iaas_billing.reports import explain, finance_report, invoices_render

    pack = finance_report.render(OCTOBER, out / "report", url)
    documents = invoices_render.render(OCTOBER, out / "invoices", url)
    print(f"\nfinance pack: {pack.resolve()}")
    print(f"invoice documents: {len(documents)}, HTML and PDF, in {(out / 'invoices').resolve()} (index.html lists them)")
    if gx.docs_index().exists():
        print(f"reconciliation Data Docs: {gx.docs_index().resolve()}")
    (invoice_id,) = _query(url, """
        select invoice_id from marts.fct_invoices where tenant = 'SO' and billing_period = date '2026-10-01'
        order by line_count desc, invoice_id limit 1""")[0]
    text = explain.render_invoice(explain.fetch_invoice(invoice_id, 1, url)).splitlines()
    print(f"\n$ iaas-billing explain --invoice {invoice_id} --line 1")
    print("\n".join(text[:EXPLAINED_LINES_SHOWN]))
    if len(text) > EXPLAINED_LINES_SHOWN:
        print(f"  ... ({len(text) - EXPLAINED_LINES_SHOWN} more lines)")


def main(argv: list[str] | None = None) -> int:
    quiet.silence()
    parser = argparse.ArgumentParser(prog="python -m iaas_billing.cli.demo", description=__doc__)
    parser.add_argument("--dir", default=".local/demo")
    parser.add_argument("--accounts", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    try:
        out = Path(args.dir)
        _simulate(out, args.accounts, args.seed)
        url = warehouse.init()
        print(f"warehouse: {db.where(url)}")
        for as_of in (CLOSE_OCTOBER, AFTER_LATE_DATA):
            started = time.monotonic()
            report = pipeline.run(out / "inbox", as_of, url=url)
            print(summary.run_summary(report) + f"\n  ({time.monotonic() - started:.1f}s)")
        _print_findings(url, out / "truth")
        _write_outputs(url, out)
    except BillingError as exc:
        print(f"demo: error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
