"""`make airflow` / `make airflow-stop`: Airflow 3 on this machine, started and stopped as one thing.

The api-server (127.0.0.1 only), scheduler, dag-processor and triggerer, with the LocalExecutor sized to the
machine's cores and Airflow's metadata in the database `airflow` of the embedded warehouse cluster. Each
component runs in a session of its own, and its pid is kept under AIRFLOW_HOME/run; stopping ends every
process of those sessions (the LocalExecutor's workers and the tasks they run included). Airflow is run as
commands, never imported: `include/` does not import Airflow.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

from iaas_billing.base import db, settings
from iaas_billing.base.errors import BillingError
from iaas_billing.cli import processes

COMPONENTS = ("scheduler", "dag-processor", "triggerer", "api-server")
POOL = ("billing_warehouse", "1", "one writer of the warehouse at a time (landing, dbt, bill run, breaks)")
METADATA_DATABASE = "airflow"
ADMIN = "admin"


@dataclass
class LocalAirflow:
    home: Path
    port: int
    inbox: Path
    # The server of Airflow's metadata database (its database `airflow`): the embedded cluster by default.
    metadata_server: URL | None = None
    # The warehouse the tasks use (BILLING_DATABASE_URL); None: as the environment says (the embedded default).
    warehouse_url: URL | None = None
    extra_environment: dict[str, str] | None = None

    @property
    def run_dir(self) -> Path:
        return self.home / "run"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def server(self) -> URL:
        return self.metadata_server or db.embedded_cluster().ensure_running().set(database="postgres")

    def metadata_url(self) -> str:
        return self.server().set(drivername="postgresql+psycopg2", database=METADATA_DATABASE).render_as_string(
            hide_password=False)

    def environment(self) -> dict[str, str]:
        venv_bin = str(Path(sys.executable).parent)
        return {
            **os.environ,
            "PATH": venv_bin + os.pathsep + os.environ.get("PATH", ""),  # the components call `airflow` again
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(settings.PROJECT_ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(settings.PROJECT_ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": str(os.cpu_count() or 2),  # LocalExecutor workers: one per core
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.metadata_url(),
            "AIRFLOW__API__BASE_URL": self.url,
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.url}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.home / "passwords.json"),
            "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
            "DO_NOT_TRACK": "1",
            "GX_ANALYTICS_ENABLED": "false",
            "BILLING_INBOX_DIR": str(self.inbox),
            **({"BILLING_DATABASE_URL": self.warehouse_url.render_as_string(hide_password=False)}
               if self.warehouse_url else {}),
            **(self.extra_environment or {}),
        }

    # -- start -----------------------------------------------------------------------------------------------
    def start(self, *, wait_seconds: float = 240) -> str:
        """Start whatever is not running; return the line that says where the UI is and how to log in."""
        self.home.mkdir(parents=True, exist_ok=True)
        self.run_dir.mkdir(exist_ok=True)
        (self.home / "logs").mkdir(exist_ok=True)
        self._ensure_metadata_database()
        env = self.environment()
        self._airflow(["db", "migrate"], env)
        self._airflow(["pools", "set", *POOL], env)
        password = self._admin_password()
        for name in COMPONENTS:
            if self._alive(name):
                continue
            if name == "api-server" and processes.port_taken(self.port):
                raise BillingError(f"port {self.port} on 127.0.0.1 is taken: choose another with AIRFLOW_PORT")
            log = open(self.home / "logs" / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it
            command = [sys.executable, "-m", "airflow", name]
            if name == "api-server":
                command += ["--host", "127.0.0.1", "--port", str(self.port)]
            proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    cwd=settings.PROJECT_ROOT, start_new_session=True)
            (self.run_dir / f"{name}.pid").write_text(str(proc.pid))
        self._wait_healthy(wait_seconds)
        return (f"Airflow is up at {self.url} (log in as {ADMIN} / {password}); DAGs from "
                f"{settings.PROJECT_ROOT / 'dags'}, inbox {self.inbox}; `make airflow-stop` stops it")

    def _ensure_metadata_database(self) -> None:
        import psycopg

        with psycopg.connect(**db.server_kwargs(self.server()), dbname="postgres", autocommit=True) as conn:
            if not conn.execute("select 1 from pg_database where datname = %s", (METADATA_DATABASE,)).fetchone():
                conn.execute(f"create database {METADATA_DATABASE}")

    def _admin_password(self) -> str:
        path = self.home / "passwords.json"
        if not path.exists():
            path.write_text(json.dumps({ADMIN: secrets.token_urlsafe(12)}))
            path.chmod(0o600)
        return json.loads(path.read_text())[ADMIN]

    def _airflow(self, args: list[str], env: dict[str, str]) -> None:
        done = subprocess.run([sys.executable, "-m", "airflow", *args], env=env, capture_output=True, text=True,
                              cwd=settings.PROJECT_ROOT)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise BillingError(f"airflow {' '.join(args[:2])} failed: {' | '.join(tail)}")

    def health(self) -> dict:
        with urllib.request.urlopen(f"{self.url}/api/v2/monitor/health", timeout=5) as response:
            return json.load(response)

    def _wait_healthy(self, wait_seconds: float) -> None:
        deadline = time.monotonic() + wait_seconds
        last = "no answer"
        while time.monotonic() < deadline:
            dead = [name for name in COMPONENTS if not self._alive(name)]
            if dead:
                raise BillingError(f"airflow {', '.join(dead)} exited: see {self.home / 'logs'}")
            try:
                health = self.health()
                unhealthy = [k for k, v in health.items() if isinstance(v, dict) and v.get("status") != "healthy"]
                if not unhealthy:
                    return
                last = f"not healthy yet: {', '.join(unhealthy)}"
            except OSError as exc:
                last = str(exc)
            time.sleep(1)
        raise BillingError(f"Airflow did not become healthy in {wait_seconds:.0f} s ({last}); logs in "
                           f"{self.home / 'logs'}")

    # -- stop ------------------------------------------------------------------------------------------------
    def stop(self, *, wait_seconds: float = 30) -> list[int]:
        """End every process of the components' sessions (SIGTERM, then SIGKILL); the pids ended."""
        sessions = {}
        for name in COMPONENTS:
            pid = self._pid(name)
            if pid is not None:
                try:
                    sessions[name] = os.getsid(pid)
                except ProcessLookupError:
                    pass
            (self.run_dir / f"{name}.pid").unlink(missing_ok=True)
        return processes.stop_sessions(set(sessions.values()), wait_seconds)

    def running(self) -> list[str]:
        return [name for name in COMPONENTS if self._alive(name)]

    def _pid(self, name: str) -> int | None:
        return processes.read_pid(self.run_dir / f"{name}.pid")

    def _alive(self, name: str) -> bool:
        return processes.alive(self._pid(name))


def from_environment() -> LocalAirflow:
    return LocalAirflow(home=Path(os.environ.get("AIRFLOW_HOME", settings.LOCAL_DIR / "airflow")),
                        port=int(os.environ.get("AIRFLOW_PORT", "8080")),
                        inbox=settings.inbox_dir())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m iaas_billing.cli.local_airflow", description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=["start", "stop", "status"])
    args = parser.parse_args(argv)
    local = from_environment()
    try:
        if args.action == "start":
            print(local.start())
        elif args.action == "stop":
            ended = local.stop()
            print(f"Airflow stopped ({len(ended)} process(es) ended)" if ended else "Airflow was not running")
        else:
            up = local.running()
            print(f"running: {', '.join(up)} at {local.url}" if up else "Airflow is not running")
    except BillingError as exc:
        print(f"airflow: error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
