"""A server older than PostgreSQL 15 is refused in one line, before anything is created or changed.

No old server is installed: a proxy on 127.0.0.1 passes the wire protocol through to the session's cluster and
rewrites the `server_version` the server reports at start-up (the ParameterStatus message libpq reads it from).
"""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from iaas_billing.base import db
from tests.conftest import _admin, server_url

ROOT = Path(__file__).resolve().parents[2]


class VersionFakingProxy:
    """127.0.0.1:<port> -> the test cluster, with the start-up ParameterStatus server_version replaced."""

    def __init__(self, target: dict, fake_version: str) -> None:
        self.target, self.fake = target, fake_version.encode()
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _upstream(self) -> socket.socket:
        host = self.target["host"]
        if host.startswith("/"):
            upstream = socket.socket(socket.AF_UNIX)
            upstream.connect(f"{host}/.s.PGSQL.{self.target['port']}")
        else:
            upstream = socket.create_connection((host, self.target["port"]))
        return upstream

    def _serve(self) -> None:
        while True:
            client, _ = self.listener.accept()
            upstream = self._upstream()
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._rewrite, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            sink.close()

    def _rewrite(self, server: socket.socket, client: socket.socket) -> None:
        """Server to client: typed messages (type byte, int32 length); only server_version is changed."""
        buffer = b""
        try:
            while data := server.recv(65536):
                buffer += data
                out = b""
                while len(buffer) >= 5:
                    kind, length = buffer[:1], struct.unpack("!i", buffer[1:5])[0]
                    if len(buffer) < 1 + length:
                        break
                    body, buffer = buffer[5:1 + length], buffer[1 + length:]
                    if kind == b"S" and body.startswith(b"server_version\0"):
                        body = b"server_version\0" + self.fake + b"\0"
                    out += kind + struct.pack("!i", len(body) + 4) + body
                client.sendall(out)
        except OSError:
            pass
        finally:
            client.close()


@pytest.fixture(scope="module")
def old_server():
    """A URL whose server says it is PostgreSQL 14.11."""
    target = db.server_kwargs(server_url())
    proxy = VersionFakingProxy(target, "14.11 (Debian 14.11-1.pgdg120+2)")
    return proxy


def _cli(*args: str, url: str) -> subprocess.CompletedProcess:
    # no TLS or GSS negotiation through the proxy: their one-byte answers are not typed messages
    env = {**os.environ, "BILLING_DATABASE_URL": url, "PGSSLMODE": "disable", "PGGSSENCMODE": "disable"}
    return subprocess.run([sys.executable, "-m", "iaas_billing.cli", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)


def test_a_server_older_than_15_is_refused_in_one_line(old_server):
    url = f"postgresql+psycopg://postgres@127.0.0.1:{old_server.port}/iaas_old_server_check"
    out = _cli("init", url=url)
    assert out.returncode == 2, out.stdout + out.stderr
    assert out.stderr.strip().splitlines() == [
        f"iaas-billing: error: the server at 127.0.0.1:{old_server.port}/iaas_old_server_check runs PostgreSQL "
        "14.11; the warehouse needs PostgreSQL 15 or newer"]
    with _admin() as conn:  # init refused before it created the database
        assert conn.execute("select 1 from pg_database where datname = 'iaas_old_server_check'").fetchone() is None


def test_the_proxy_passes_a_supported_version_through(databases):
    """The same path with the real version (18) works: the refusal above is the version's, not the proxy's."""
    proxy = VersionFakingProxy(db.server_kwargs(server_url()), "18.6")
    name = databases.create("via_proxy", bootstrap=False).database
    out = _cli("init", url=f"postgresql+psycopg://postgres@127.0.0.1:{proxy.port}/{name}")
    assert out.returncode == 0, out.stderr
