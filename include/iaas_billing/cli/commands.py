"""Subcommand groups added to `iaas-billing` (cli.build_parser calls every register(subparsers) in REGISTRARS)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path


def parse_period(text: str) -> date:
    """A billing period given as YYYY-MM, returned as its first day."""
    try:
        year, month = text.split("-")
        return date(int(year), int(month), 1)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a period YYYY-MM: {text!r}") from exc


def _cmd_invoices_render(args: argparse.Namespace) -> int:
    from iaas_billing.reports import invoices_render

    written = invoices_render.render(args.period, Path(args.out))
    print(f"{len(written)} invoice documents (HTML and PDF) for {args.period:%Y-%m} written to {args.out}")
    return 0


def _cmd_export_focus(args: argparse.Namespace) -> int:
    from iaas_billing.reports import focus_export

    rows = focus_export.export(args.period, args.tenant, Path(args.out))
    print(f"{rows} FOCUS 1.2 rows ({args.tenant}, {args.period:%Y-%m}) written to {args.out}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from iaas_billing.reports import finance_report

    page = finance_report.render(args.period, Path(args.out))
    print(f"finance pack for {args.period:%Y-%m} written to {page}")
    return 0


def _group(subparsers, name: str, help_text: str):
    """The sub-subparsers of a command group (`invoices …`, `export …`), created once and shared."""
    parser = subparsers.choices.get(name)
    if parser is None:
        parser = subparsers.add_parser(name, help=help_text, description=help_text)
        def print_help(args) -> int:
            parser.print_help()
            return 2

        print_help.is_help = True  # cli.main asks for no warehouse before printing help
        parser.set_defaults(func=print_help)
        parser._group_subparsers = parser.add_subparsers(dest=f"{name}_command", metavar="SUBCOMMAND")
    return parser._group_subparsers


def register_invoices(subparsers) -> None:
    """`invoices render`: each issued invoice of a period as HTML and PDF."""
    group = _group(subparsers, "invoices", "issued invoices: render documents")
    render = group.add_parser(
        "render", help="write each issued invoice of a period as HTML and PDF",
        description="Write each issued invoice (both tenants) of --period into --out as HTML and as PDF (A4), "
        "with an index.html. Amounts are formatted for the account's currency and country.")
    render.add_argument("--period", required=True, type=parse_period, help="billing period, YYYY-MM")
    render.add_argument("--out", required=True, help="output directory (created if missing)")
    render.set_defaults(func=_cmd_invoices_render)


def register_export(subparsers) -> None:
    """`export focus`: a period's issued charges of one tenant as a FOCUS 1.2 dataset."""
    group = _group(subparsers, "export", "export data sets for other systems")
    focus = group.add_parser(
        "focus", help="write a period's issued charges as a FOCUS 1.2 CostAndUsage dataset",
        description="Write the issued invoice lines of --tenant for --period as a FinOps FOCUS 1.2 CostAndUsage "
        "dataset: CSV, or Parquet when FILE ends in .parquet and pyarrow is installed.")
    focus.add_argument("--period", required=True, type=parse_period, help="billing period, YYYY-MM")
    focus.add_argument("--tenant", default="SO", choices=["SO", "HO"], help="SO (revenue, default) or HO (cost)")
    focus.add_argument("--out", required=True, help="output file (.csv or .parquet)")
    focus.set_defaults(func=_cmd_export_focus)


def register_report(subparsers) -> None:
    """`report`: the finance pack, one self-contained HTML page."""
    report = subparsers.add_parser(
        "report", help="write the finance pack (one self-contained HTML page) for a period",
        description="Write the period's finance pack to DIR/finance_pack_YYYY-MM.html: revenue, cost and margin "
        "by country and category, the month against the previous one, largest accounts, loss makers and "
        "reconciliation status.")
    report.add_argument("--period", required=True, type=parse_period, help="billing period, YYYY-MM")
    report.add_argument("--out", required=True, help="output directory (created if missing)")
    report.set_defaults(func=_cmd_report)


def _cmd_whatif(args: argparse.Namespace) -> int:
    from iaas_billing.jobs import whatif

    stored = whatif.run(Path(args.catalog), args.period, args.name)
    print(f"scenario {stored.scenario!r} {'replaced' if stored.replaced else 'stored'}: {stored.result_rows} account x "
          f"SKU rows for {stored.billing_period:%Y-%m} in marts.rpt_pricing_whatif ({stored.seconds:.1f} s)")
    print(whatif.render(whatif.fetch(stored.scenario, top=args.top)))
    return 0


def _cmd_invoices_preview(args: argparse.Namespace) -> int:
    from iaas_billing.reports import preview

    print(preview.render(preview.fetch(args.account, args.tenant, args.period)))
    return 0


def register_whatif(subparsers) -> None:
    """`whatif`: re-rate a closed period under a proposed price list, stored as a named scenario."""
    whatif = subparsers.add_parser(
        "whatif", help="re-rate a closed period under a proposed price list (nothing issued changes)",
        description="Re-rate the closed --period as if the prices of --catalog (the catalog_*.csv format) had been "
        "in force from its first instant: the (sku, tenant, currency) it lists take its unit_price and "
        "idle_unit_price, everything else keeps the prices that applied. The result is stored as scenario --name "
        "(re-running a name replaces it) in marts.rpt_pricing_whatif, and the change in revenue and margin is "
        "printed by country and category, in each currency and in USD, with the accounts whose bill would rise "
        "the most. A file with errors is rejected whole, every error named, and nothing is stored.")
    whatif.add_argument("--catalog", required=True, help="the proposed price list (catalog_*.csv format)")
    whatif.add_argument("--period", required=True, type=parse_period, help="the closed billing period, YYYY-MM")
    whatif.add_argument("--name", required=True, help="the scenario's name (re-running a name replaces it)")
    whatif.add_argument("--top", type=int, default=10, help="accounts listed per ranking (default 10)")
    whatif.set_defaults(func=_cmd_whatif)


def register_invoices_preview(subparsers) -> None:
    """`invoices preview`: an account's draft invoice to date, as the bill run would issue it now."""
    group = _group(subparsers, "invoices", "issued invoices: render documents")
    preview = group.add_parser(
        "preview", help="print an account's draft invoice to date (not issued)",
        description="Print the draft invoice of --account for every open period (or --period): the lines the "
        "bill run would issue now, adjustments of closed periods included, as of the last build's clock.")
    preview.add_argument("--account", required=True, help="the account id")
    preview.add_argument("--tenant", default="SO", choices=["SO", "HO"], help="SO (the customer's invoice, default) "
                         "or HO (the cost statement)")
    preview.add_argument("--period", type=parse_period, help="an open billing period, YYYY-MM (default: every open one)")
    preview.set_defaults(func=_cmd_invoices_preview)


def _cmd_explain(args: argparse.Namespace) -> int:
    from iaas_billing.base.errors import BillingError
    from iaas_billing.reports import explain

    if args.break_id is not None:
        if args.line is not None or args.taxes:
            raise BillingError("--line and --taxes go with --invoice, not with --break")
        print(explain.render_break(explain.fetch_break(args.break_id)))
    elif args.taxes:
        from iaas_billing.reports import explain_tax

        if args.line is not None:
            raise BillingError("--taxes explains the invoice's tax lines: leave out --line")
        taxes = explain_tax.fetch_taxes(args.invoice)
        if taxes is None:
            raise BillingError(f"{args.invoice} is a head office cost statement: no tax applies")
        print("\n".join(explain_tax.render_taxes(taxes)))
    else:
        print(explain.render_invoice(explain.fetch_invoice(args.invoice, args.line)))
    return 0


def register_explain(subparsers) -> None:
    """`explain`: how an issued invoice's amounts, or a reconciliation break, were computed."""
    explain = subparsers.add_parser(
        "explain", help="show how an issued invoice line, or a reconciliation break, was computed",
        description="--invoice ID [--line N]: for each line, the contributing resources with the exact numerators "
        "written when the line was issued, their spans, the events bounding them (event id, type, time, inbox file "
        "and line), the price versions (effective_from, upload file and line), the exact amount and its rounding; "
        "for an adjustment line, the re-rated amount against what was billed before for the key and the late "
        "events, prices and accounts that changed it. A resource whose live rating no longer matches what was "
        "issued is flagged. For an SO invoice, how each tax line was computed: the lines it covers and which period's "
        "rate they carry, the taxable sum, sum x rate exactly, the rounding, net + tax = gross (--taxes: that only, "
        "from the invoice marts alone). --break ID: the rows on each side of a reconciliation break "
        "(marts.fct_reconciliation_breaks.break_id, or a unique prefix of it).")
    target = explain.add_mutually_exclusive_group(required=True)
    target.add_argument("--invoice", help="an issued invoice id, e.g. SO-202610-000012")
    target.add_argument("--break", dest="break_id", metavar="BREAK_ID", help="a break_id of marts.fct_reconciliation_breaks")
    explain.add_argument("--line", type=int, help="only this line of the invoice")
    explain.add_argument("--taxes", action="store_true", help="only the invoice's tax lines (SO invoices)")
    explain.set_defaults(func=_cmd_explain)


REGISTRARS = [register_invoices, register_export, register_report, register_whatif, register_invoices_preview,
              register_explain]
