"""`iaas-billing doctor`: what is in use, and exit 0 only when everything is usable."""

from __future__ import annotations

import os
import subprocess
import sys

from iaas_billing.base import db


def _doctor(url, inbox) -> subprocess.CompletedProcess:
    env = {**os.environ, "BILLING_DATABASE_URL": url.render_as_string(hide_password=False),
           "BILLING_INBOX_DIR": str(inbox)}
    return subprocess.run([sys.executable, "-m", "iaas_billing.cli", "doctor"], capture_output=True, text=True,
                          env=env, timeout=120)


def _lines(out: str) -> dict[str, tuple[bool, str]]:
    """'ok  what  shown' rows by what."""
    rows = {}
    for line in out.splitlines()[:-1]:
        flag, rest = line[:3].strip(), line[4:]
        what, _, shown = rest.partition("  ")
        rows[what.strip()] = (flag == "ok", shown.strip())
    return rows


def test_doctor_says_what_is_in_use_and_passes_when_all_is_usable(warehouse_url, airflow_db, tmp_path):
    from importlib.metadata import version

    out = _doctor(warehouse_url.set(password="n0t-sh0wn"), tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    rows = _lines(out.stdout)
    assert rows["warehouse URL"] == (True, warehouse_url.set(password="n0t-sh0wn").render_as_string())
    assert rows["server version"][1].startswith("PostgreSQL 1")
    assert rows["warehouse"] == (True, f"{warehouse_url.database} holds the warehouse")
    assert rows["inbox"] == (True, f"{tmp_path} (BILLING_INBOX_DIR)")
    assert rows["Airflow"] == (True, version("apache-airflow"))
    assert rows["dbt"] == (True, version("dbt-core"))
    assert rows["Cosmos"] == (True, version("astronomer-cosmos"))
    assert rows["Great Expectations"] == (True, version("great-expectations"))
    assert rows["Airflow metadata"][0]
    assert "n0t-sh0wn" not in out.stdout + out.stderr
    assert out.stdout.strip().endswith("everything is usable")


def test_doctor_fails_naming_what_is_not_usable(databases, airflow_db, tmp_path):
    empty = databases.create("doctor_empty", bootstrap=False)
    out = _doctor(empty, tmp_path / "no_inbox")
    assert out.returncode == 1
    rows = _lines(out.stdout)
    assert rows["warehouse"][0] is False and "iaas-billing init" in rows["warehouse"][1]
    assert rows["inbox"] == (False, f"{tmp_path / 'no_inbox'} (BILLING_INBOX_DIR): not a directory")
    assert rows["server version"][0]  # the server itself is fine
    assert out.stdout.strip().splitlines()[-1] == "not usable: warehouse, inbox"
    assert db.where(empty) in rows["warehouse"][1]
