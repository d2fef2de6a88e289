"""Every advisory lock key is declared once (locks.py, dbt vars), no two are equal, and writers take turns."""

from __future__ import annotations

import re
import threading
import time
import uuid
from pathlib import Path

import psycopg
import pytest
import yaml

from iaas_billing.base import db, locks
from iaas_billing.base.errors import TransientError

ROOT = Path(__file__).resolve().parents[2]


def _dbt_keys() -> dict[str, int]:
    project = yaml.safe_load((ROOT / "dbt_project" / "dbt_project.yml").read_text())
    return {k: int(v) for k, v in project["vars"]["lock_keys"].items()}


def test_no_two_lock_keys_are_equal():
    assert len(locks.KEYS) >= 6
    by_value: dict[int, list[str]] = {}
    for name, value in locks.KEYS.items():
        by_value.setdefault(value, []).append(name)
    assert {v: n for v, n in by_value.items() if len(n) > 1} == {}


def test_the_dbt_projects_keys_are_the_registrys():
    """dbt's SQL takes its keys from vars; each must be the registry's key of that name, not a new one."""
    assert _dbt_keys() == {name: locks.KEYS[name.upper()] for name in _dbt_keys()}
    assert _dbt_keys()


def test_no_lock_key_is_written_outside_the_registry():
    """A literal key in code or SQL (other than locks.py and the dbt vars) would escape the uniqueness test."""
    literal = re.compile(r"advisory_(?:xact_)?(?:try_)?(?:un)?lock\(\s*\d|7_?100_?\d{3}")
    offenders = []
    for path in [*(ROOT / "include").rglob("*.py"), *(ROOT / "include").rglob("*.sql"),
                 *(ROOT / "dbt_project" / "macros").rglob("*.sql"), *(ROOT / "dbt_project" / "models").rglob("*.sql"),
                 *(ROOT / "dags").rglob("*.py")]:
        if path.name == "locks.py" or "simulator" in path.parts:
            continue
        offenders += [f"{path.relative_to(ROOT)}:{n}" for n, line in enumerate(path.read_text().splitlines(), 1)
                      if literal.search(line)]
    assert offenders == []


def test_a_second_writer_waits_then_gives_up_naming_the_holder(fresh_url):
    with locks.warehouse_writer(fresh_url, "first writer"):
        with db.connect(fresh_url) as conn:
            assert "iaas-billing lock first writer" in locks.holder(conn)
        errors: list[BaseException] = []

        def second():
            try:
                with locks.warehouse_writer(fresh_url, "second writer", wait_seconds=1):
                    pass
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread
                errors.append(exc)

        started = time.monotonic()
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(30)
        assert time.monotonic() - started >= 1
    assert len(errors) == 1 and isinstance(errors[0], TransientError) and errors[0].retryable
    assert "second writer" in str(errors[0]) and "iaas-billing lock first writer" in str(errors[0])
    with db.connect(fresh_url) as conn:
        assert locks.holder(conn) is None  # released


def test_the_holder_as_seen_by_a_role_that_cannot_read_its_session(fresh_url):
    """Landing holds the lock as billing_loader, the Billing page reads it as another login: PostgreSQL hides
    the start time of another role's session from a role without pg_read_all_stats."""
    role = f"lock_reader_{uuid.uuid4().hex[:8]}"
    with db.connect(fresh_url, autocommit=True) as admin:
        admin.execute(f'create role "{role}" login')
    try:
        with locks.warehouse_writer(fresh_url, "first writer"):
            with db.connect(fresh_url.set(username=role)) as conn:
                seen = locks.holder(conn)
        assert seen is not None and seen.startswith("iaas-billing lock first writer (pid "), seen
    finally:
        with db.connect(fresh_url, autocommit=True) as admin:
            admin.execute(f'drop role "{role}"')


def test_a_waiting_writer_goes_on_once_the_lock_is_free(fresh_url):
    order: list[str] = []
    release = threading.Event()

    def first():
        with locks.warehouse_writer(fresh_url, "first"):
            order.append("first in")
            release.wait(30)
            order.append("first out")

    thread = threading.Thread(target=first)
    thread.start()
    while not order:
        time.sleep(0.01)
    threading.Timer(0.5, release.set).start()
    with locks.warehouse_writer(fresh_url, "second", wait_seconds=30):
        order.append("second in")
    thread.join(30)
    assert order == ["first in", "first out", "second in"]


def test_the_lock_is_reentrant_within_a_run(fresh_url):
    with locks.warehouse_writer(fresh_url, "run"), locks.warehouse_writer(fresh_url, "inner", wait_seconds=0.1):
        pass


def test_sessions_lost_under_a_writer_fail_in_the_phases_one_retryable_line(fresh_url):
    """The server ends the phase's session and the lock's (as a crash or a restart does): what leaves the block
    is the phase's one line, not the unlock that fails on the lock's dead session."""
    with pytest.raises(TransientError, match=r"^bill run: lost the database at ") as caught:
        with locks.warehouse_writer(fresh_url, "bill run"), db.lost_is_transient(fresh_url, "bill run"), \
                db.connect(fresh_url, autocommit=True, phase="bill-run") as conn:
            with db.connect(fresh_url, autocommit=True) as admin:
                ended = admin.execute(
                    "select count(pg_terminate_backend(pid)) from pg_stat_activity where datname = current_database()"
                    " and application_name in ('iaas-billing lock bill run', 'iaas-billing bill-run')").fetchone()[0]
            assert ended == 2
            conn.execute("select 1")
    assert caught.value.retryable and "\n" not in str(caught.value)
    with pytest.raises(psycopg.errors.UndefinedTable):  # any other database error is left as it is
        with db.lost_is_transient(fresh_url, "bill run"), db.connect(fresh_url) as conn:
            conn.execute("select * from no_such_table")
    with db.connect(fresh_url) as conn:
        assert locks.holder(conn) is None


@pytest.mark.parametrize("name", sorted(locks.KEYS))
def test_every_key_fits_a_bigint(name):
    assert 0 < locks.KEYS[name] < 2**63
