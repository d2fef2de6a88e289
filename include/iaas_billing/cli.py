"""The `iaas-billing` command: the same task code the Airflow DAGs call, for local runs, tests and backfills."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from iaas_billing.errors import BillingError


def parse_timestamp(text: str) -> datetime:
    """An ISO 8601 instant; a naive one is taken as UTC."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 timestamp: {text!r}") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _cmd_run(args: argparse.Namespace) -> int:
    from iaas_billing import pipeline, summary

    report = pipeline.run(Path(args.inbox), args.as_of or datetime.now(UTC))
    print(summary.run_summary(report))
    return 0


def _cmd_bootstrap(args: argparse.Namespace) -> int:
    from iaas_billing import db, warehouse

    url = warehouse.bootstrap()
    print(f"warehouse ready at {db.where(url)}")
    return 0


def _cmd_simulate(args: argparse.Namespace) -> int:
    from iaas_billing.simulator import command

    return command.run(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="iaas-billing",
        description="IaaS billing platform: land the inbox, rate, invoice, reconcile. "
        "The database is BILLING_DATABASE_URL, or a local Postgres when it is unset.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="process the inbox: land, rate, close due periods, reconcile",
                         description="Process every inbox file delivered by --as-of that has not been processed, "
                         "rebuild the models, close every period whose end plus grace is at or before --as-of, "
                         "and reconcile every complete day. Run twice, the second run changes nothing.")
    run.add_argument("--inbox", required=True, help="the inbox directory")
    run.add_argument("--as-of", type=parse_timestamp, help="the run's clock, ISO 8601 (default: now, UTC)")
    run.set_defaults(func=_cmd_run)

    boot = sub.add_parser("bootstrap", help="create the database, schemas and raw tables (idempotent)")
    boot.set_defaults(func=_cmd_bootstrap)

    sim = sub.add_parser("simulate", help="write a realistic inbox and its ground truth",
                         description="Write a simulated inbox (DIR/inbox) and its ground truth (DIR/truth).")
    try:
        from iaas_billing.simulator import command as sim_command
    except ImportError:  # the simulator is optional for the rest of the command
        sim_command = None
    if sim_command is not None:
        sim_command.add_arguments(sim)
    sim.set_defaults(func=_cmd_simulate)

    for register in _extensions():
        register(sub)
    return parser


def _extensions():
    """Subcommand groups contributed by other modules (invoices, export, report, explain, whatif)."""
    import importlib

    for name in ("iaas_billing.commands",):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        yield from getattr(module, "REGISTRARS", [])


def main(argv: list[str] | None = None) -> int:
    from iaas_billing import quiet

    quiet.silence()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args) or 0
    except BillingError as exc:
        print(f"iaas-billing: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
