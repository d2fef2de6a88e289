"""`python -m iaas_billing.landing --inbox DIR [--as-of T]`: land the inbox only (the ingest DAG's task, from a shell)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from iaas_billing.base.errors import BillingError


def main(argv: list[str] | None = None) -> int:
    from iaas_billing.base import clock, quiet, settings
    from iaas_billing.landing import land_inbox

    quiet.silence()
    parser = argparse.ArgumentParser(prog="python -m iaas_billing.landing",
                                     description="Land every inbox file delivered by --as-of that is not processed yet "
                                     "(the task of the ingest_inbox DAG). The database is BILLING_DATABASE_URL.")
    parser.add_argument("--inbox", type=Path, default=None, help="the inbox (default: BILLING_INBOX_DIR or .local/demo/inbox)")
    parser.add_argument("--as-of", type=clock.argument, help="the run's clock, ISO 8601 (default: now, UTC)")
    parser.add_argument("--json", action="store_true", help="print the landing report as JSON")
    args = parser.parse_args(argv)
    try:
        report = land_inbox(args.inbox or settings.inbox_dir(), args.as_of)
    except BillingError as exc:
        print(f"iaas-billing landing: error: {exc}", file=sys.stderr)
        return exc.exit_code
    if args.json:
        print(json.dumps(asdict(report), indent=2))
    else:
        not_read = f" ({report.files_not_read} unchanged since read, not read again)" if report.files_not_read else ""
        print(f"landed {report.files_landed} file(s), skipped {report.files_skipped}{not_read}: "
              f"{report.rows_loaded} rows loaded, {report.rows_quarantined} quarantined")
        for line in report.rejected_files:
            print(f"  rejected: {line}")
        for name in report.new_versions:
            print(f"  new version: {name}")
        for name in report.unknown_files:
            print(f"  unknown kind: {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
