"""The Billing page of the Airflow UI, served by Airflow's own api-server app under uvicorn, read over HTTP.

One simulated month goes through the whole pipeline (`iaas_billing.jobs.pipeline.run`) at 2026-12-01T01:00Z:
October and November close, breaks of several levels and currencies open; then the hour after that clock
is delivered (an empty orders extract), so the orders feed is behind. "Delivered" is by the wall clock, which
is past all these dates. The page's figures are checked against SQL and
the inbox listing written independently of `iaas_billing.reports.billing_status`; then it is checked that the page
needs the UI's login, that the UI's plugins endpoint lists it, and it is looked at in headless Chromium.
A database that is down or holds no warehouse still gives the page, with the reason (in-process requests).
"""

from __future__ import annotations

import json
import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from html.parser import HTMLParser

import pytest

from iaas_billing.base import db, locks
from iaas_billing.jobs import pipeline
from tests.conftest import private_work_dirs
from tests.finance.test_finance_report_browser import chromium

from .conftest import PASSWORD, USER, api_server, server_env

AS_OF = datetime(2026, 12, 1, 1, tzinfo=UTC)
LATE = "orders_20261201T01.jsonl"  # delivered at 02:00, after AS_OF
PREFIXES = {"catalog": "catalog_", "accounts": "accounts_", "orders": "orders_",
            "control": "orderstream_control_", "primary_billing": "primary_billing_",
            "finance_gl": "finance_gl_", "fx_rates": "fx_rates_", "tax_rates": "tax_rates_",
            "sales_entities": "sales_entities_"}


class Tables(HTMLParser):
    """The text of every cell of every table with an id: {id: [[cell, …], …]} (header rows left out)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table = self._row = self._cell = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._table = self.tables.setdefault(dict(attrs).get("id", ""), [])
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag == "td" and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self._row.append(" ".join(" ".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row:
            self._table.append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def amount(cell: str) -> tuple[Decimal, str] | None:
    """'1,770.39 AUD' -> (Decimal('1770.39'), 'AUD')"""
    found = re.fullmatch(r"(-?[\d,]+(?:\.\d+)?)\s([A-Z]{3})", cell)
    return (Decimal(found.group(1).replace(",", "")), found.group(2)) if found else None


def query(url, sql: str) -> list[tuple]:
    with db.connect(url) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture(scope="module")
def site(tmp_path_factory, databases, airflow_db):
    """The simulated month run at AS_OF, and two api-servers on it: the UI's login as deployed, and one in
    all-admins mode (every request is given an admin's token by Airflow's middleware) for Chromium."""
    from billing_simulator import command

    tmp = tmp_path_factory.mktemp("billing-page")
    out = tmp / "sim"
    assert command.main(["--out", str(out), "--accounts", "4", "--resources-per-account", "2", "--seed", "2",
                         "--late-rate", "0.1", "--discrepancy-rate", "0.3", "--mess-rate", "0.05",
                         "--jobs", "1", "--quiet"]) == 0
    url = databases.create("billing_page")
    env = {"BILLING_DATABASE_URL": url.render_as_string(hide_password=False),
           "BILLING_INBOX_DIR": str(out / "inbox")}
    with api_server(server_env(tmp, **env), tmp / "server.log") as login_server, \
            api_server(server_env(tmp, **env, AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS="True"),
                       tmp / "server-all-admins.log") as open_server, \
            private_work_dirs("billing-page-", gx=True):
        report = pipeline.run(out / "inbox", as_of=AS_OF, url=url)  # the servers start meanwhile
        assert [c.billing_period.month for c in report.bill_runs] == [10, 11]  # the page shows the last of two
        (out / "inbox" / LATE).write_bytes(b"")  # an hour without events, not landed yet
        yield {"url": url, "inbox": out / "inbox", "base": login_server(), "open_base": open_server(),
               "tmp": tmp}


def get(url: str, *, token: str | None = None, accept: str = "text/html", bearer: bool = False):
    """(status, headers, body) of a GET that follows no redirect."""
    headers = {"Accept": accept}
    if token:
        headers["Authorization" if bearer else "Cookie"] = f"Bearer {token}" if bearer else f"_token={token}"

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(urllib.request.Request(url, headers=headers),
                                                          timeout=60) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode()


@pytest.fixture(scope="module")
def token(site) -> str:
    """A JWT of the UI's login (POST /auth/token, what the login form does); the UI keeps it in `_token`."""
    request = urllib.request.Request(f"{site['base']}/auth/token", method="POST",
                                     data=json.dumps({"username": USER, "password": PASSWORD}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())["access_token"]


@pytest.fixture(scope="module")
def page(site, token) -> str:
    status, headers, body = get(f"{site['base']}/billing/", token=token)
    assert status == 200, body[:2000]
    assert headers["Content-Type"].startswith("text/html")
    return body


def test_each_feed_shows_its_last_delivered_and_last_landed_file(site, page):
    names = sorted(p.name for p in site["inbox"].iterdir())
    landed = dict(query(site["url"], "select file_kind, max(file_name) from marts.fct_inbox_files"
                                     " where status like 'landed%' group by file_kind"))
    rows = {row[0].split()[0]: row for row in Tables(page).tables["feeds"]}
    assert list(rows) == list(PREFIXES)
    behind = set()
    for kind, prefix in PREFIXES.items():
        mine = [n for n in names if n.startswith(prefix)]
        row = rows[kind]
        assert row[1] == f"{len(mine):,}" and row[2].split()[0] == max(mine), (kind, row)
        assert row[3].split()[0] == landed[kind], (kind, row)
        if row[0] == f"{kind} behind":
            behind.add(kind)
    # everything delivered by AS_OF has landed, the extract delivered after it has not
    orders = rows["orders"]
    assert orders[2] == f"{LATE} delivered 2026-12-01 02:00", orders
    assert orders[3].startswith("orders_20261102T23.jsonl delivered 2026-11-03 00:00 · landed "), orders
    assert behind == {"orders"}, behind


def test_open_breaks_by_level_and_currency_with_their_amount_at_risk(site, page):
    expected = {(level, currency or "—"): (count, total) for level, currency, count, total in query(
        site["url"], "select recon_level, currency, count(*), sum(abs(difference)) from marts.fct_reconciliation_breaks"
                     " where status = 'open' group by recon_level, currency")}
    assert len({currency for _, currency in expected if currency != "—"}) >= 3, expected  # worth checking
    rows = Tables(page).tables["breaks"]
    shown, totals = {}, {}
    for level, currency, count, money, *_ in rows:
        if level == "All levels":
            totals[currency] = amount(money)
        elif count != "0":
            shown[(level, currency)] = (int(count.replace(",", "")), amount(money))
    assert set(shown) == set(expected)
    for key, (count, total) in expected.items():
        assert shown[key][0] == count, key
        if key[1] == "—" or total is None:
            assert shown[key][1] is None, (key, shown[key])
        else:
            assert shown[key][1] == (total, key[1]), (key, shown[key], total)
    by_currency = defaultdict(Decimal)
    for (_, currency), (_, total) in expected.items():
        if currency != "—" and total is not None:
            by_currency[currency] += total
    assert totals == {c: (t, c) for c, t in by_currency.items()}
    # every level has its row, those without an open break show 0
    assert {row[0] for row in rows} >= {"L1_PRIMARY_VS_SECONDARY", "L2_ORDERSTREAM_VS_BILLING",
                                        "L3_FINANCE_VS_ORDERSTREAM", "DATA_QUALITY"}


def test_the_last_closed_period(site, page):
    [(period, closed_at, invoices, lines)] = query(
        site["url"], "select to_char(billing_period, 'YYYY-MM'), closed_at, invoice_count, line_count"
                     " from billing.closed_periods where billing_period = (select max(billing_period)"
                     " from billing.closed_periods)")
    [row] = Tables(page).tables["closed"]
    assert period == "2026-11"
    assert row[:4] == [period, f"{closed_at.astimezone(UTC):%Y-%m-%d %H:%M}", str(invoices), str(lines)]


def test_the_warehouse_lock_holder(site, token):
    _, _, free = get(f"{site['base']}/billing/", token=token)
    assert "free" in re.search(r'<p id="lock">(.*?)</p>', free, re.S).group(1)
    with locks.warehouse_writer(site["url"], "billing page test"):
        [(pid,)] = query(site["url"], "select pid from pg_stat_activity"
                                      " where application_name = 'iaas-billing lock billing page test'")
        _, _, held = get(f"{site['base']}/billing/", token=token)
    shown = " ".join(re.search(r'<p id="lock">(.*?)</p>', held, re.S).group(1).split())
    assert "held" in shown and f"iaas-billing lock billing page test (pid {pid}, since " in shown, shown


def test_the_page_needs_the_ui_login(site, token):
    page = f"{site['base']}/billing/"
    status, headers, _ = get(page)  # a browser without a session is sent to the UI's login, and back
    assert status == 303
    location = urllib.parse.urlsplit(headers["Location"])
    assert location.path == "/auth/login" and urllib.parse.parse_qs(location.query)["next"] == [page]
    assert get(page, accept="application/json")[0] == 401
    assert get(page, token=token[:-4] + "AAAA")[0] in (401, 403)  # a forged token
    assert get(page, token=token, bearer=True)[0] == 200  # the API's way works too


def test_the_ui_lists_the_page(site, token):
    status, _, body = get(f"{site['base']}/api/v2/plugins", token=token, accept="application/json", bearer=True)
    assert status == 200, body
    [plugin] = [p for p in json.loads(body)["plugins"] if p["name"] == "billing_page"]
    assert plugin["fastapi_apps"] == [{"app": "fastapi.applications.FastAPI", "url_prefix": "/billing",
                                       "name": "Billing"}]
    [view] = plugin["external_views"]
    assert (view["name"], view["href"], view["url_route"], view["destination"]) == (
        "Billing", "billing/", "billing", "nav")
    # the UI frames the view's href, relative to its <base href>: that is the mounted app
    assert get(urllib.parse.urljoin(site["base"] + "/", view["href"]), token=token)[0] == 200


def test_the_page_in_headless_chromium(site):
    """Chromium loads the page from the api-server (all-admins mode gives it a session), lays it out and
    paints it; the screenshot is kept in the test's directory."""
    shot = site["tmp"] / "billing-page.png"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--hide-scrollbars", "--window-size=1100,1500", f"--user-data-dir={site['tmp'] / 'profile'}"]
    url = f"{site['open_base']}/billing/"
    shots = subprocess.run([chromium(), *flags, f"--screenshot={shot}", url], capture_output=True, text=True,
                           timeout=180)
    assert shots.returncode == 0 and shot.exists(), shots.stderr[-2000:]
    png = shot.read_bytes()
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and (width, height) == (1100, 1500)
    assert len(png) > 40_000, len(png)  # tables of text, not a blank or an error page (a few kB)
    dom = subprocess.run([chromium(), *flags, "--dump-dom", url], capture_output=True, text=True, timeout=180)
    tables = Tables(dom.stdout).tables
    assert set(tables) == {"feeds", "breaks", "closed"}, dom.stdout[:2000]
    assert tables["closed"][0][0] == "2026-11"
