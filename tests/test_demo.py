"""`make demo` on a machine with no Postgres: the demo driver with the machine's Postgres hidden from it.

Hidden twice over: the PATH keeps no directory with an `initdb`, `pg_ctl` or `postgres`, and the demo runs in
a network namespace of its own (`unshare --net`), where nothing answers on 127.0.0.1:5432 or anywhere. It
must create the embedded cluster (BILLING_PG_DIR, a temporary directory), create the warehouse, and run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_PROGRAMS = ("initdb", "pg_ctl", "postgres")
# a network namespace of our own: as root directly, else in a user namespace that keeps our uid
UNSHARE = shutil.which("unshare") or "unshare"  # resolved before the PATH is cut
ISOLATED = [UNSHARE, "--net"] if os.geteuid() == 0 else [UNSHARE, "--user", "--map-current-user", "--net"]
PROBE = "import socket\ntry:\n socket.create_connection(('127.0.0.1', 5432), 2)\nexcept OSError:\n print('hidden')"


def _environment(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PG", "BILLING_")) and k not in ("DBT_TARGET_PATH", "DBT_LOG_PATH")}
    path = [d for d in os.environ["PATH"].split(os.pathsep)
            if d and not any(Path(d, program).exists() for program in POSTGRES_PROGRAMS)]
    return {**env, "PATH": os.pathsep.join(path), "BILLING_PG_DIR": str(tmp / "pg"),
            "BILLING_GX_DIR": str(tmp / "gx"), "DBT_TARGET_PATH": str(tmp / "dbt" / "target"),
            "DBT_LOG_PATH": str(tmp / "dbt" / "logs")}


def test_the_demo_runs_where_no_postgres_answers_and_none_is_installed(tmp_path):
    env = _environment(tmp_path)
    assert all(shutil.which(program, path=env["PATH"]) is None for program in POSTGRES_PROGRAMS)
    probe = subprocess.run([*ISOLATED, sys.executable, "-c", PROBE], env=env, capture_output=True, text=True)
    assert probe.returncode == 0 and probe.stdout.strip() == "hidden", probe.stderr

    try:
        done = subprocess.run([*ISOLATED, sys.executable, "-m", "iaas_billing.cli.demo", "--dir", str(tmp_path / "demo"),
                               "--accounts", "3"], env=env, capture_output=True, text=True, timeout=900, cwd=ROOT)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        assert f"warehouse: {tmp_path / 'pg' / 'run'}:5432/iaas_billing" in done.stdout
        assert "closed 2026-10:" in done.stdout
        assert (tmp_path / "pg" / "data" / "PG_VERSION").read_text().strip() == "18"
    finally:
        from iaas_billing.base.embedded import Cluster

        Cluster(tmp_path / "pg").destroy()
