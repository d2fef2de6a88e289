"""The `iaas-billing` command: the same task code the Airflow DAGs call, for local runs, tests and backfills."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from iaas_billing.base import clock
from iaas_billing.base.errors import BillingError
from iaas_billing.cli import commands


def _cmd_run(args: argparse.Namespace) -> int:
    from iaas_billing.base import db, warehouse
    from iaas_billing.jobs import pipeline
    from iaas_billing.reports import summary

    inbox, as_of = Path(args.inbox), args.as_of or datetime.now(UTC)
    if not inbox.is_dir():
        raise BillingError(f"inbox {inbox} is not a directory")
    url = warehouse.require()
    print(f"warehouse {db.where(url)}, clock {as_of.isoformat()}, inbox {inbox}", flush=True)
    report = pipeline.run(inbox, as_of)  # no url: landing connects as BILLING_LOADER_DATABASE_URL
    print(summary.run_summary(report))
    return 0


def _cmd_init(args: argparse.Namespace) -> int:
    from iaas_billing.base import db, warehouse

    url = warehouse.init()
    print(f"warehouse ready at {db.where(url)}")
    return 0


def _cmd_doctor(args: argparse.Namespace) -> int:
    from iaas_billing.cli import doctor

    found = doctor.checks()
    print(doctor.render(found))
    return 0 if all(c.ok for c in found) else 1


def _cmd_warehouse(args: argparse.Namespace) -> int:
    from iaas_billing.base import db

    if os.environ.get("BILLING_DATABASE_URL"):
        raise BillingError("BILLING_DATABASE_URL is set: that server is not ours to start or stop")
    cluster = db.embedded_cluster()
    if args.action == "start":
        url = cluster.ensure_running()
        print(f"embedded PostgreSQL running: {cluster.data} (socket {cluster.socket_dir}); URL {url}")
    elif args.action == "stop":
        print(f"embedded PostgreSQL {'stopped' if cluster.stop() else 'was not running'}: {cluster.data}")
    else:
        state = "running" if cluster.running() else "stopped" if cluster.initialized() else "not created"
        print(f"embedded PostgreSQL {state}: {cluster.data} (socket {cluster.socket_dir})")
    return 0


def _cmd_simulate(args: argparse.Namespace) -> int:
    # The simulator is its own package, which the platform never imports: it runs as its own program.
    return subprocess.run([sys.executable, "-m", "billing_simulator", *args.simulator_args]).returncode


# Subcommands that do not need an existing warehouse (run checks it itself, then says where it writes).
WAREHOUSE_NOT_NEEDED = {_cmd_run, _cmd_init, _cmd_doctor, _cmd_warehouse, _cmd_simulate}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="iaas-billing",
        description="IaaS billing platform: land the inbox, rate, invoice, reconcile. "
        "The database is BILLING_DATABASE_URL, or the embedded PostgreSQL under .local/pg when it is unset; "
        "`iaas-billing init` creates the warehouse.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="process the inbox: land, rate, close due periods, reconcile",
                         description="Process every inbox file delivered by --as-of that has not been processed, "
                         "rebuild the models, close every period whose end plus grace is at or before --as-of, "
                         "and reconcile every complete day. Run twice, the second run changes nothing.")
    run.add_argument("--inbox", required=True, help="the inbox directory")
    run.add_argument("--as-of", type=clock.argument, help="the run's clock, ISO 8601 (default: now, UTC)")
    run.set_defaults(func=_cmd_run)

    init = sub.add_parser("init", help="create the warehouse: database, schemas, roles, tables (idempotent)",
                          description="Create the warehouse: the database when it is missing, then the schemas, "
                          "the roles and the tables; an empty database is filled, an existing warehouse is left "
                          "as it is. Every other subcommand refuses a database that holds no warehouse.")
    init.set_defaults(func=_cmd_init)

    doctor = sub.add_parser("doctor", help="print the warehouse, clock, inbox and versions in use; exit 0 if usable",
                            description="Print the warehouse (URL without its password, server version, the data "
                            "directory when embedded), the clock and inbox `run` would use, the installed Airflow, "
                            "Cosmos, dbt and Great Expectations, and whether Airflow's metadata database answers. "
                            "Exits 0 only when everything is usable.")
    doctor.set_defaults(func=_cmd_doctor)

    pg = sub.add_parser("warehouse", help="start, stop or show the embedded PostgreSQL (.local/pg)",
                        description="The embedded PostgreSQL 18 cluster used when BILLING_DATABASE_URL is unset "
                        "(under .local/pg, or BILLING_PG_DIR). It starts by itself on first use.")
    pg.add_argument("action", choices=["start", "stop", "status"])
    pg.set_defaults(func=_cmd_warehouse)

    sim = sub.add_parser("simulate", help="write a realistic inbox and its ground truth (billing_simulator)",
                         description="Write a simulated inbox (DIR/inbox) and its ground truth (DIR/truth): "
                         "`python -m billing_simulator`, whose arguments (see `iaas-billing simulate --help`) it takes.",
                         add_help=False)
    sim.set_defaults(func=_cmd_simulate)

    for register in commands.REGISTRARS:
        register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from iaas_billing.base import quiet

    quiet.silence()
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["simulate"]:  # every argument, --help included, is the simulator's
        args = argparse.Namespace(func=_cmd_simulate, simulator_args=argv[1:])
    else:
        args = parser.parse_args(argv)
    try:
        if args.func not in WAREHOUSE_NOT_NEEDED and not getattr(args.func, "is_help", False):
            from iaas_billing.base import warehouse

            warehouse.require(upgrade=False)  # never a new warehouse by accident: only `init` creates one
        return args.func(args) or 0
    except BillingError as exc:
        print(f"iaas-billing: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
