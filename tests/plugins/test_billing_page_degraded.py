"""The Billing page when the warehouse is down, missing or not built, or the inbox is missing: still a page
(200) that says what is wrong, through the api-server's app (Airflow's create_app, in process)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.engine import make_url


@pytest.fixture(scope="module")
def client(airflow_db):
    """Airflow's api-server app with the plugins folder's plugins, all-admins (the login is tested elsewhere)."""
    from airflow.api_fastapi.app import create_app, purge_cached_app
    from fastapi.testclient import TestClient

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "True")
        purge_cached_app()
        with TestClient(create_app()) as test_client:
            yield test_client
        purge_cached_app()


def billing_page(client, monkeypatch, url, inbox) -> str:
    monkeypatch.setenv("BILLING_DATABASE_URL", url.render_as_string(hide_password=False))
    monkeypatch.setenv("BILLING_INBOX_DIR", str(inbox))
    response = client.get("/billing/")
    assert response.status_code == 200, response.text[:2000]
    return response.text


def problem(page: str) -> str:
    found = re.search(r'<div class="problem" id="warehouse-problem">(.*?)</div>', page, re.S)
    return " ".join(re.sub(r"<[^>]+>", "", found.group(1)).split()) if found else ""


def test_a_server_that_is_down(client, monkeypatch, tmp_path):
    url = make_url(f"postgresql+psycopg://postgres@/iaas_billing?host={tmp_path}")  # no server on that socket
    page = billing_page(client, monkeypatch, url, tmp_path)
    assert problem(page).startswith(f"The warehouse cannot be read: cannot connect to Postgres at {tmp_path}:5432"
                                    f"/iaas_billing"), problem(page)
    assert 'id="breaks"' not in page and 'id="lock"' not in page
    assert 'data-feed="orders"' in page  # the inbox is still shown


def test_a_database_without_a_warehouse(client, monkeypatch, databases, tmp_path):
    url = databases.create("no_warehouse", bootstrap=False)
    assert "holds no warehouse: create it with `iaas-billing init`" in problem(
        billing_page(client, monkeypatch, url, tmp_path))


def test_a_database_that_does_not_exist(client, monkeypatch, databases, tmp_path):
    url = databases.create("missing", bootstrap=False).set(database="iaas_test_no_such_database")
    assert "does not exist" in problem(billing_page(client, monkeypatch, url, tmp_path))


def test_a_warehouse_not_built_yet_and_no_inbox(client, monkeypatch, fresh_url, tmp_path):
    page = billing_page(client, monkeypatch, fresh_url, tmp_path / "nowhere")
    assert not problem(page)
    assert f"the inbox {tmp_path / 'nowhere'} is not a directory (BILLING_INBOX_DIR)" in page
    assert "marts.fct_inbox_files is not built yet" in page
    assert "marts.fct_reconciliation_breaks is not built yet" in page
    assert "No period has been closed yet." in page
    assert re.search(r'<p id="lock">.*free', page, re.S)
