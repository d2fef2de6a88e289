"""Fixtures of the plugin tests: Airflow's api-server, as `airflow api-server` runs it, on a free local port."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The UI's login (SimpleAuthManager, Airflow's default): one viewer whose password the test knows.
USER, PASSWORD = "engineer", "billing-page-test"
_RUNNING = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")


def server_env(tmp: Path, **extra: str) -> dict[str, str]:
    passwords = tmp / "passwords.json"
    passwords.write_text(json.dumps({USER: PASSWORD}))
    return {**os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT / "include"), os.environ.get("PYTHONPATH", "")]),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:viewer",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
            "AIRFLOW__API__HOST": "127.0.0.1",
            **extra}


@contextmanager
def api_server(env: dict[str, str], log: Path, timeout: float = 240):
    """Airflow's api-server app (airflow.api_fastapi.main:app, what `airflow api-server` serves) under uvicorn
    on a port the kernel picks; yields its base URL once it answers, and stops it after."""
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "airflow.api_fastapi.main:app",
                                 "--host", "127.0.0.1", "--port", "0"], env=env, stdout=out,
                                stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        yield lambda: _wait(proc, log, timeout)
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait(proc: subprocess.Popen, log: Path, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = _RUNNING.search(log.read_text(errors="replace"))
        if found:
            base = f"http://127.0.0.1:{found.group(1)}"
            with urllib.request.urlopen(f"{base}/api/v2/version", timeout=30):
                return base
        assert proc.poll() is None, f"the api-server exited ({proc.returncode}): {log.read_text()[-3000:]}"
        time.sleep(0.5)
    raise AssertionError(f"the api-server did not start in {timeout:.0f} s: {log.read_text()[-3000:]}")
