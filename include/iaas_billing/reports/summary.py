"""Turns a run's report into the few lines a person wants to read."""

from __future__ import annotations


def run_summary(report) -> str:
    lines = [f"run as of {report.as_of.isoformat()}"]
    if report.landing is not None:
        lnd = report.landing
        not_read = f", {lnd.files_not_read} of them unchanged and not read again" if lnd.files_not_read else ""
        lines.append(f"  landed {lnd.files_landed} file(s) ({lnd.files_skipped} already processed{not_read}): "
                     f"{lnd.rows_loaded} rows loaded, {lnd.rows_quarantined} quarantined")
        for name in lnd.rejected_files:
            lines.append(f"  rejected: {name}")
        for name in lnd.new_versions:
            lines.append(f"  new version of: {name}")
    if report.dbt is not None:
        counts = ", ".join(f"{n} {k}" for k, n in sorted(report.dbt.counts.items()))
        lines.append(f"  dbt build: {counts}")
    for bill_run in report.bill_runs:
        lines.append(f"  {bill_run}")
    if report.recon is not None:
        lines.append(f"  {report.recon}")
    return "\n".join(lines)
