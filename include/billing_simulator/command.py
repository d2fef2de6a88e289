"""`iaas-billing simulate`: write a realistic inbox (DIR/inbox) and its ground truth (DIR/truth)."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

from billing_simulator.simulation import Config, simulate


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from exc


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1: {text}")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from exc
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = Config(out=Path("."))
    parser.add_argument("--out", required=True, type=Path, help="output directory (DIR/inbox, DIR/truth)")
    parser.add_argument("--start", type=_date, default=d.start, help=f"first day, YYYY-MM-DD (default {d.start})")
    parser.add_argument("--end", type=_date, default=d.end,
                        help=f"day after the last, YYYY-MM-DD (default {d.end}); the order stream and the daily "
                             f"feeds run 48 h past it")
    parser.add_argument("--accounts", type=_positive, default=d.accounts, help=f"accounts (default {d.accounts})")
    parser.add_argument("--seed", type=int, default=d.seed, help=f"random seed (default {d.seed})")
    parser.add_argument("--resources-per-account", type=_positive, default=d.resources_per_account,
                        help=f"mean resources per account; the total is accounts x this (default "
                             f"{d.resources_per_account})")
    parser.add_argument("--late-rate", type=_rate, default=d.late_rate,
                        help=f"share of events delivered 1-48 h late (default {d.late_rate})")
    parser.add_argument("--duplicate-rate", type=_rate, default=d.duplicate_rate,
                        help=f"share of events redelivered with the same event_id and content "
                             f"(default {d.duplicate_rate})")
    parser.add_argument("--discrepancy-rate", type=_rate, default=d.discrepancy_rate,
                        help=f"chance per account and kind of an injected L1/L2/L3 discrepancy; 0 injects none "
                             f"(default {d.discrepancy_rate})")
    parser.add_argument("--mess-rate", type=_rate, default=d.mess_rate,
                        help=f"chance per resource / event of malformed lines, invalid transitions and conflicting "
                             f"duplicates, per account of a currency change, an unknown account's events and junk "
                             f"CSV rows; 0 gives none (default {d.mess_rate})")
    parser.add_argument("--missing-tax-rate", metavar="COUNTRY", default=None,
                        help="leave this country (US, DE, ...) out of the tax table: no period with its SO lines "
                             "can be closed, and each is a missing_tax_rate break (default: every country has a rate)")
    parser.add_argument("--jobs", type=_positive, default=min(4, os.cpu_count() or 1),
                        help="worker processes (default: the cores, at most 4); the output is the same for any value")
    parser.add_argument("--force", action="store_true", help="replace DIR/inbox and DIR/truth if they are not empty")
    parser.add_argument("--quiet", action="store_true", help="print nothing but errors")


def _progress_bar():
    if not sys.stdout.isatty():
        return None

    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // total
        sys.stdout.write(f"\r  accounts [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done == total:
            sys.stdout.write("\n")
        sys.stdout.flush()

    return show


def run(args: argparse.Namespace) -> int:
    config = Config(out=args.out, start=args.start, end=args.end, accounts=args.accounts, seed=args.seed,
                    resources_per_account=args.resources_per_account, late_rate=args.late_rate,
                    duplicate_rate=args.duplicate_rate, discrepancy_rate=args.discrepancy_rate,
                    mess_rate=args.mess_rate, missing_tax_rate=args.missing_tax_rate)
    try:
        summary = simulate(config, force=args.force, jobs=args.jobs,
                           progress=None if args.quiet else _progress_bar())
    except (ValueError, FileExistsError) as exc:
        print(f"iaas-billing simulate: {exc}", file=sys.stderr)
        return 2
    if not args.quiet:
        counts = summary.params["counts"]
        print(f"simulated {counts['accounts']} accounts, {summary.resources} resources, {summary.events} events "
              f"in {summary.files} files ({summary.lines} order lines) in {summary.seconds:.1f} s")
        print(f"  inbox: {args.out / 'inbox'}")
        print(f"  truth: {args.out / 'truth'} ({summary.params['truth_counts']['discrepancies']} discrepancies, "
              f"{summary.params['truth_counts']['expected_breaks']} expected breaks)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m billing_simulator", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))
