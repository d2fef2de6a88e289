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
    from iaas_billing import invoices_render

    written = invoices_render.render(args.period, Path(args.out))
    print(f"{len(written)} invoice documents for {args.period:%Y-%m} written to {args.out}")
    return 0


def _cmd_export_focus(args: argparse.Namespace) -> int:
    from iaas_billing import focus_export

    rows = focus_export.export(args.period, args.tenant, Path(args.out))
    print(f"{rows} FOCUS 1.2 rows ({args.tenant}, {args.period:%Y-%m}) written to {args.out}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from iaas_billing import finance_report

    page = finance_report.render(args.period, Path(args.out))
    print(f"finance pack for {args.period:%Y-%m} written to {page}")
    return 0


def _group(subparsers, name: str, help_text: str):
    """The sub-subparsers of a command group (`invoices …`, `export …`), created once and shared."""
    parser = subparsers.choices.get(name)
    if parser is None:
        parser = subparsers.add_parser(name, help=help_text, description=help_text)
        parser.set_defaults(func=lambda args: parser.print_help() or 2)
        parser._group_subparsers = parser.add_subparsers(dest=f"{name}_command", metavar="SUBCOMMAND")
    return parser._group_subparsers


def register_invoices(subparsers) -> None:
    """`invoices render`: one printable HTML document per issued invoice of a period."""
    group = _group(subparsers, "invoices", "issued invoices: render documents")
    render = group.add_parser(
        "render", help="write one HTML document per issued invoice of a period",
        description="Write one printable HTML page per issued invoice (both tenants) of --period into --out, "
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


REGISTRARS = [register_invoices, register_export, register_report]
