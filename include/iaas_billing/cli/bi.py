"""`make bi` / `make bi-stop`: Apache Superset on this machine, with the finance dashboards of bi/dashboards.

Superset lives in a venv of its own (.local/superset-venv, installed from bi/requirements-superset.lock with uv),
never in the project's: it is run as commands, never imported. Its metadata is SQLite under .local/superset (a
copy of a template migrated once per venv, so a new home is ready in a second); the two warehouse connections
(`bi_finance`, `bi_sales_office`: LOGIN members of the reader roles) and the dashboards are imported from the
YAML bundle in bi/dashboards, re-imported only when the bundle or the warehouse changes. The server (gunicorn,
127.0.0.1 only) runs in a session of its own, whose every process `stop` ends.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy.engine import URL

from iaas_billing.base import db, settings
from iaas_billing.base.errors import BillingError
from iaas_billing.cli import processes

BI_DIR = settings.PROJECT_ROOT / "bi"
VENV = settings.LOCAL_DIR / "superset-venv"
LOCK = BI_DIR / "requirements-superset.lock"
CONFIG = BI_DIR / "superset_config.py"
SETUP_SCRIPT = BI_DIR / "superset_setup.py"
BUNDLE = BI_DIR / "dashboards"
ADMIN = "admin"
# database YAML file (bi/dashboards/databases/NAME.yaml) -> the warehouse login it connects as
CONNECTIONS = {"billing_finance": "bi_finance", "billing_sales_office": "bi_sales_office"}


def _template_digest() -> str:
    """What the migrated metadata depends on: Superset's version (its pin in the lock) and the configuration."""
    pin = next(line for line in LOCK.read_text().splitlines() if line.startswith("apache-superset=="))
    return hashlib.sha256(pin.encode() + CONFIG.read_bytes()).hexdigest()[:16]


def _uv() -> str:
    found = Path(sys.executable).parent / "uv"
    return str(found) if found.exists() else (shutil.which("uv") or "")


def ensure_venv(venv: Path = VENV) -> Path:
    """Superset's venv, installed from the lock with uv when missing or when the lock changed; its python."""
    python = venv / "bin" / "python"
    stamp = venv / ".installed"
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == digest:
        return python
    base = shutil.which("python3.11")
    if not base:
        raise BillingError("python3.11 is required for Superset's venv")
    if not _uv():
        raise BillingError("uv is required to install Superset's venv (it is in the project's .venv)")
    print(f"installing Apache Superset into {venv} (from {LOCK.relative_to(settings.PROJECT_ROOT)})", flush=True)
    if not python.exists():
        _run([base, "-m", "venv", str(venv)], "python3.11 -m venv")
    _run([_uv(), "pip", "install", "-q", "-p", str(python), "-r", str(LOCK)], "uv pip install (superset)")
    stamp.write_text(digest)
    return python


def ensure_template(venv: Path = VENV) -> Path:
    """Superset's metadata database migrated (`superset db upgrade`) and initialised (`superset init`) once per
    venv and configuration: each home starts as a copy of it, which saves a minute of migrations per home."""
    ensure_venv(venv)
    template = venv / f"metadata-{_template_digest()}.db"
    if template.exists():
        return template
    with tempfile.TemporaryDirectory(prefix="superset-template-") as tmp:
        env = _superset_env(Path(tmp), venv)
        env["SUPERSET_SECRET_KEY"] = "template-holds-no-secret"
        for args in (["db", "upgrade"], ["init"]):
            _run([str(venv / "bin" / "superset"), *args], f"superset {args[0]}", env=env)
        shutil.copyfile(Path(tmp) / "superset.db", template.with_suffix(".tmp"))
    template.with_suffix(".tmp").rename(template)
    return template


def _superset_env(home: Path, venv: Path = VENV) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    return {**env, "PATH": str(venv / "bin") + os.pathsep + env.get("PATH", ""), "SUPERSET_HOME": str(home),
            "SUPERSET_CONFIG_PATH": str(CONFIG), "FLASK_APP": "superset.app:create_app()",
            "SCARF_ANALYTICS": "false", "DO_NOT_TRACK": "1", "SUPERSET_LOAD_EXAMPLES": "no"}


def _run(command: list[str], what: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=settings.PROJECT_ROOT)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise BillingError(f"{what} failed: {' | '.join(tail)}")
    return done.stdout


def connection_uri(warehouse: URL, login: str) -> str:
    """The warehouse URL (host or socket directory, port, database) as `login`, with psycopg2 (Superset's driver);
    a password comes from BI_<LOGIN>_PASSWORD when the server wants one."""
    url = URL.create("postgresql+psycopg2", username=login, password=os.environ.get(f"{login.upper()}_PASSWORD"),
                     host=warehouse.host, port=warehouse.port, database=warehouse.database,
                     query={"host": warehouse.query["host"]} if "host" in warehouse.query else {})
    return url.render_as_string(hide_password=False)


def bundle(warehouse: URL, folder: Path = BUNDLE) -> bytes:
    """The dashboards bundle as the zip Superset imports, each connection pointed at this warehouse."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path in sorted(folder.rglob("*.yaml")):
            text = path.read_text(encoding="utf-8")
            relative = path.relative_to(folder)
            if relative.parts[0] == "databases":
                config = yaml.safe_load(text)
                config["sqlalchemy_uri"] = connection_uri(warehouse, CONNECTIONS[path.stem])
                text = yaml.safe_dump(config, sort_keys=False)
            archive.writestr(zipfile.ZipInfo(f"bundle/{relative}", (2026, 1, 1, 0, 0, 0)), text)
    return out.getvalue()


@dataclass
class LocalSuperset:
    home: Path
    port: int
    warehouse: URL
    venv: Path = VENV

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.home / "superset.pid"

    def admin_password(self) -> str:
        path = self.home / "admin_password"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(12))
            path.chmod(0o600)
        return path.read_text().strip()

    # -- start -----------------------------------------------------------------------------------------------
    def start(self, *, wait_seconds: float = 180) -> str:
        """Set up what is missing, start the server unless it runs; the line saying where and how to log in."""
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "logs").mkdir(exist_ok=True)
        template = ensure_template(self.venv)
        metadata, migrated = self.home / "superset.db", self.home / "metadata.digest"
        if not metadata.exists():
            shutil.copyfile(template, metadata)
        elif not migrated.exists() or migrated.read_text() != _template_digest():
            # a home made by another Superset version (the lock changed): migrate it in place
            env = _superset_env(self.home, self.venv)
            for args in (["db", "upgrade"], ["init"]):
                _run([str(self.venv / "bin" / "superset"), *args], f"superset {args[0]}", env=env)
        migrated.write_text(_template_digest())
        self.load_dashboards()
        if not self.alive():
            if processes.port_taken(self.port):
                raise BillingError(f"port {self.port} on 127.0.0.1 is taken: choose another with BI_PORT")
            log = open(self.home / "logs" / "superset.log", "ab")  # noqa: SIM115 - the child keeps it
            proc = subprocess.Popen(
                [str(self.venv / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{self.port}", "--workers", "1",
                 "--worker-class", "gthread", "--threads", "8", "--timeout", "120", "superset.app:create_app()"],
                env=_superset_env(self.home, self.venv), stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, cwd=self.home, start_new_session=True)
            self.pid_file.write_text(str(proc.pid))
        self._wait_healthy(wait_seconds)
        return (f"Superset is up at {self.url} (log in as {ADMIN} / {self.admin_password()}); dashboards from "
                f"{BUNDLE.relative_to(settings.PROJECT_ROOT)}, warehouse {db.where(self.warehouse)}; "
                f"`make bi-stop` stops it")

    def load_dashboards(self) -> bool:
        """Import the bundle (connections, datasets, charts, dashboards) and the admin, when either changed."""
        data = bundle(self.warehouse)
        digest = hashlib.sha256(data + self.admin_password().encode()).hexdigest()
        stamp = self.home / "imported.sha256"
        if stamp.exists() and stamp.read_text() == digest:
            return False
        zipped = self.home / "dashboards.zip"
        zipped.write_bytes(data)
        _run([str(self.venv / "bin" / "python"), str(SETUP_SCRIPT), "--bundle", str(zipped), "--admin", ADMIN],
             "importing the dashboards", env={**_superset_env(self.home, self.venv),
                                               "SUPERSET_ADMIN_PASSWORD": self.admin_password()})
        stamp.write_text(digest)
        return True

    def health(self) -> str:
        with urllib.request.urlopen(f"{self.url}/health", timeout=5) as response:
            return response.read().decode()

    def _wait_healthy(self, wait_seconds: float) -> None:
        deadline = time.monotonic() + wait_seconds
        last = "no answer"
        while time.monotonic() < deadline:
            if not self.alive():
                raise BillingError(f"Superset exited: see {self.home / 'logs' / 'superset.log'}")
            try:
                if self.health().strip() == "OK":
                    return
            except OSError as exc:
                last = str(exc)
            time.sleep(0.5)
        raise BillingError(f"Superset did not answer in {wait_seconds:.0f} s ({last}); log in {self.home / 'logs'}")

    # -- stop ------------------------------------------------------------------------------------------------
    def stop(self, *, wait_seconds: float = 30) -> list[int]:
        """End every process of the server's session (SIGTERM, then SIGKILL); the pids ended."""
        pid = self._pid()
        self.pid_file.unlink(missing_ok=True)
        if pid is None:
            return []
        try:
            session = {os.getsid(pid)}
        except ProcessLookupError:
            return []
        return processes.stop_sessions(session, wait_seconds)

    def _pid(self) -> int | None:
        return processes.read_pid(self.pid_file)

    def alive(self) -> bool:
        return processes.alive(self._pid())


def from_environment(*, start_local: bool = True) -> LocalSuperset:
    return LocalSuperset(home=Path(os.environ.get("SUPERSET_HOME", settings.LOCAL_DIR / "superset")),
                         port=int(os.environ.get("BI_PORT", "8088")),
                         warehouse=db.database_url(start_local=start_local))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m iaas_billing.cli.bi", description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=["start", "stop", "status", "venv"])
    args = parser.parse_args(argv)
    try:
        if args.action == "venv":
            print(f"Superset's venv: {ensure_venv().parent.parent}; metadata template {ensure_template().name}")
            return 0
        local = from_environment(start_local=args.action == "start")
        if args.action == "start":
            print(local.start())
        elif args.action == "stop":
            ended = local.stop()
            print(f"Superset stopped ({len(ended)} process(es) ended)" if ended else "Superset was not running")
        else:
            print(f"Superset is running at {local.url}" if local.alive() else "Superset is not running")
    except BillingError as exc:
        print(f"bi: error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
