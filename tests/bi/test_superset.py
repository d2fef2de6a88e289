"""Superset on a simulated month: every chart's figures equal SQL on the marts, the sales office's connection
reaches no HO row and no cost or margin, and each dashboard renders in headless Chromium (docs/bi/*.png)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from tests.bi.conftest import query

ROOT = Path(__file__).resolve().parents[2]
# The screenshots go to .local (a test run leaves the checkout clean); BILLING_DOCS_SCREENSHOTS=1 refreshes docs/bi.
SHOTS = ROOT / ("docs/bi" if os.environ.get("BILLING_DOCS_SCREENSHOTS") == "1" else ".local/screenshots/bi")

# Each chart of bi/dashboards, by name: the SQL on the marts that gives its rows (its columns in the chart's order).
EXPECTED = {
    # Margin
    "Platform margin in USD, month against month": """
        select billing_period, revenue_usd, cost_usd, margin_usd, margin_pct, is_usd_complete, missing_fx_currencies
        from marts.fct_margin_usd_monthly where dimension = 'total'""",
    "Margin in USD by country": """
        select country, sum(revenue_usd), sum(cost_usd), sum(margin_usd)
        from marts.fct_margin_by_country_monthly group by country""",
    "Margin in USD by category": """
        select category, sum(revenue_usd), sum(cost_usd), sum(margin_usd)
        from marts.fct_margin_by_category_monthly group by category""",
    "Margin by country, local currency": """
        select billing_period, country, currency, sum(revenue), sum(cost), sum(margin), sum(margin_usd)
        from marts.fct_margin_by_country_monthly group by 1, 2, 3""",
    "Margin by category, local currency": """
        select billing_period, category, currency, sum(revenue), sum(cost), sum(margin), sum(margin_usd)
        from marts.fct_margin_by_category_monthly group by 1, 2, 3""",
    "SKUs by margin in USD (top 15)": """
        select sku, category, sum(revenue_usd), sum(margin_usd)
        from marts.fct_margin_by_sku_monthly group by 1, 2 order by 4 desc limit 15""",
    "Accounts by revenue in USD (top 15)": """
        select account_id, account_name, currency, sum(revenue), sum(margin), sum(revenue_usd), sum(margin_usd)
        from marts.fct_margin_by_account_monthly group by 1, 2, 3 order by 6 desc limit 15""",
    "Revenue, cost and margin in USD per month": """
        select date_trunc('month', billing_period), sum(revenue_usd), sum(cost_usd), sum(margin_usd)
        from marts.fct_margin_monthly group by 1""",
    # Reconciliation
    "Open breaks": "select count(*) from marts.fct_reconciliation_breaks where status = 'open'",
    "Oldest open break, days": """
        select max(current_date - business_date) from marts.fct_reconciliation_breaks where status = 'open'""",
    "Resolved breaks": "select count(*) from marts.fct_reconciliation_breaks where status = 'resolved'",
    "Open breaks by level and type": """
        select recon_level, break_type, count(*), min(business_date), max(current_date - business_date)
        from marts.fct_reconciliation_breaks where status = 'open' group by 1, 2""",
    "Amount at risk, USD": "select sum(amount_usd) from marts.fct_reconciliation_breaks where status = 'open'",
    "Open breaks: amount at risk in USD": """
        select recon_level, break_type, sum(amount_usd), count(*), count(*) filter (where amount_usd is null)
        from marts.fct_reconciliation_breaks where status = 'open' and currency is not null group by 1, 2""",
    "Open breaks by business date and level": """
        select date_trunc('day', business_date), recon_level, count(*)
        from marts.fct_reconciliation_breaks where status = 'open' group by 1, 2""",
    "Open breaks, oldest first": """
        select business_date, recon_level, break_type, account_id, sku, expected, actual, difference, currency,
               times_reopened
        from marts.fct_reconciliation_breaks where status = 'open' order by business_date, break_key limit 100""",
    # Revenue assurance
    "Lines compared and matched per day": """
        select date_trunc('day', business_date), sum(lines_compared), sum(lines_matched)
        from marts.fct_reconciliation_daily_summary group by 1""",
    "Open breaks per day by level": """
        select date_trunc('day', business_date), recon_level, sum(open_breaks)
        from marts.fct_reconciliation_daily_summary group by 1, 2""",
    "Match rate and amount at risk by level and currency": """
        select recon_level, currency, sum(lines_compared), sum(lines_matched),
               sum(lines_matched)::numeric / nullif(sum(lines_compared), 0), sum(open_breaks), sum(resolved_breaks),
               sum(amount_at_risk)
        from marts.fct_reconciliation_daily_summary group by 1, 2""",
    # Unbilled revenue
    "Accounts with unbilled charges": "select count(distinct account_id) from marts.fct_unbilled_revenue",
    "Unbilled month to date by tenant and currency": """
        select billing_period, tenant, currency, sum(amount), sum(line_count), count(distinct account_id)
        from marts.fct_unbilled_revenue group by 1, 2, 3""",
    "Unbilled revenue (SO) by account": """
        select billing_period, account_id, currency, sum(amount), count(distinct sku)
        from marts.fct_unbilled_revenue where tenant = 'SO' group by 1, 2, 3""",
    "Unbilled cost (HO) by account": """
        select billing_period, account_id, currency, sum(amount), count(distinct sku)
        from marts.fct_unbilled_revenue where tenant = 'HO' group by 1, 2, 3""",
    # Pricing what-if
    "Scenarios against current revenue, USD": """
        select scenario, billing_period, revenue_current_usd, revenue_proposed_usd, revenue_change_usd,
               revenue_change_pct, margin_current_usd, margin_proposed_usd, margin_change_usd, is_usd_complete
        from marts.rpt_pricing_whatif_usd where dimension = 'total'""",
    "Revenue in USD: current and proposed, by scenario": """
        select scenario, sum(revenue_current_usd), sum(revenue_proposed_usd)
        from marts.rpt_pricing_whatif_usd where dimension = 'total' group by 1""",
    "Revenue change by country and currency": """
        select scenario, dimension_value, currency, sum(revenue_current), sum(revenue_proposed), sum(revenue_change)
        from marts.rpt_pricing_whatif_by_dimension where dimension = 'country' group by 1, 2, 3""",
    "Accounts whose bill rises most (%)": """
        select scenario, account_id, currency, sum(bill_current), sum(bill_proposed), sum(bill_change),
               max(bill_change_pct)
        from marts.rpt_pricing_whatif_accounts group by 1, 2, 3 order by 7 desc limit 20""",
    # Sales office (marts_sales)
    "SO revenue by month and currency": """
        select billing_period, currency, sum(revenue), sum(revenue_usd)
        from marts_sales.fct_revenue_monthly group by 1, 2""",
    "SO revenue in USD by country": """
        select country, sum(revenue_usd) from marts_sales.fct_revenue_monthly group by 1""",
    "SO invoices by account": """
        select billing_period, account_id, currency, count(*), sum(total_amount), sum(line_count)
        from marts_sales.fct_invoices group by 1, 2, 3""",
}
# Ratios (margin %, match rate, change %) are compared to 12 significant digits; every other figure exactly.
RATIO_WORDS = ("pct", "%", "rate")
DASHBOARDS = {"margin": "Finance: margin", "reconciliation": "Finance: reconciliation breaks",
              "revenue-assurance": "Finance: revenue assurance", "unbilled-revenue": "Finance: unbilled revenue",
              "pricing-whatif": "Finance: pricing what-if", "sales-office-revenue": "Sales office: revenue"}


def canonical(value):
    """A value as both sides can be compared: dates and times as Superset's epoch milliseconds, numbers as
    Decimal (the API's JSON is read with parse_float=Decimal), the rest as is."""
    if isinstance(value, datetime):
        return Decimal(int((value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp() * 1000))
    if isinstance(value, date):
        return Decimal(int(datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp() * 1000))
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | Decimal | float):
        return Decimal(str(value))
    return value


def same(a, b, ratio: bool) -> bool:
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        if ratio:
            return abs(a - b) <= Decimal("1e-12") * max(Decimal(1), abs(b))
        return a == b
    return a == b


@pytest.fixture(scope="module")
def charts(superset):
    _, api = superset
    found = api.call("GET", "/api/v1/chart/?q=(page_size:100)")["result"]
    return {c["slice_name"]: c["id"] for c in found}


def test_every_chart_of_the_bundle_is_imported_and_checked(charts):
    assert set(charts) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_charts_figures_equal_sql_on_the_marts(superset, bi_world, charts, name):
    _, api = superset
    result = api.call("GET", f"/api/v1/chart/{charts[name]}/data/")["result"][0]
    labels = result["colnames"]
    got = [[canonical(row[label]) for label in labels] for row in result["data"]]
    want = [[canonical(v) for v in row] for row in query(bi_world, EXPECTED[name])]
    assert want, f"{name}: the world has no rows for this chart (the test would prove nothing)"
    assert len(got) == len(want), (name, labels, got[:5], want[:5])
    assert all(len(row) == len(labels) for row in want), (name, labels, want[0])
    ratio = [any(word in label.lower() for word in RATIO_WORDS) for label in labels]
    key = lambda row: [repr(v) if not isinstance(v, Decimal) else f"{v:.6f}" for v in row]  # noqa: E731
    for g, w in zip(sorted(got, key=key), sorted(want, key=key), strict=True):
        assert all(same(a, b, r) for a, b, r in zip(g, w, ratio, strict=True)), (name, labels, g, w)


def _sqllab(api, database_id: int, sql: str):
    return api.call("POST", "/api/v1/sqllab/execute/", {
        "database_id": database_id, "sql": sql, "runAsync": False, "expand_data": True,
        "client_id": uuid.uuid4().hex[:10], "tab": "test", "select_as_cta": False, "queryLimit": 1000,
        "sql_editor_id": "1"}, ok=False)


@pytest.fixture(scope="module")
def connections(superset):
    _, api = superset
    found = api.call("GET", "/api/v1/database/?q=(page_size:100)")["result"]
    return {d["database_name"]: d["id"] for d in found}


def test_the_two_connections_log_in_as_the_bi_roles(superset, connections):
    _, api = superset
    assert len(connections) == 2
    roles = {}
    for name, database_id in connections.items():
        # Superset refuses current_user in SQL Lab: the roles the session has (its login and the groups)
        status, answer = _sqllab(api, database_id,
                                 "select role_name as rolname from information_schema.enabled_roles order by 1")
        assert status == 200, answer
        roles[name] = [row["rolname"] for row in answer["data"]]
    assert sorted(roles.values()) == [["bi_finance", "billing_finance"], ["bi_sales_office", "billing_sales_office"]]


@pytest.fixture(scope="module")
def sales_office(superset, connections):
    _, api = superset
    database_id = next(i for n, i in connections.items() if "bi_sales_office" in n)
    return lambda sql: _sqllab(api, database_id, sql)


@pytest.mark.parametrize("relation", ["marts.fct_margin_monthly", "marts.fct_invoice_lines", "marts.fct_invoices",
                                      "marts.fct_margin_by_account_monthly", "marts.dim_accounts"])
def test_the_sales_office_cannot_read_the_finance_marts(sales_office, relation):
    status, answer = sales_office(f"select * from {relation} limit 1")
    assert status >= 400, answer
    assert "permission denied" in json.dumps(answer).lower(), answer


def test_the_sales_office_sees_only_so_rows_and_no_cost_or_margin(sales_office, bi_world):
    status, answer = sales_office("select tenant, count(*) as n from marts_sales.fct_invoice_lines group by tenant")
    assert status == 200, answer
    assert [row["tenant"] for row in answer["data"]] == ["SO"]
    assert answer["data"][0]["n"] == query(bi_world, "select count(*) from marts.fct_invoice_lines "
                                                     "where tenant = 'SO'")[0][0] > 0
    status, answer = sales_office(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_schema not in ('pg_catalog', 'information_schema') "
        "and (column_name like '%cost%' or column_name like '%margin%')")
    assert status == 200, answer
    assert answer["data"] == [], answer["data"]
    status, answer = sales_office("select count(*) as n from marts_sales.fct_invoices where tenant <> 'SO'")
    assert status == 200 and answer["data"][0]["n"] == 0, answer


def test_the_sales_office_connection_cannot_write(sales_office):
    status, answer = sales_office("delete from marts_sales.fct_invoices")
    assert status >= 400 and answer["errors"][0]["error_type"] == "DML_NOT_ALLOWED_ERROR", answer


# -- the dashboards in a browser ---------------------------------------------------------------------------------

def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    assert found, "headless Chromium is needed for this test: `make test` installs it (apt-get install chromium)"
    return found


VIEWPORT = (1400, 2400)


class Browser:
    """Headless Chromium driven over the DevTools protocol (websockets): log in, open a page, screenshot it."""

    def __init__(self, profile: Path) -> None:
        self.proc = subprocess.Popen(
            [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--hide-scrollbars", f"--window-size={VIEWPORT[0]},{VIEWPORT[1]}", "--remote-debugging-port=0",
             f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not port_file.exists() or not port_file.read_text().strip():
            assert time.monotonic() < deadline and self.proc.poll() is None, "Chromium did not start"
            time.sleep(0.2)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            page = next(t for t in json.load(response) if t["type"] == "page")
        from websockets.sync.client import connect

        self.ws = connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=30)
        self.next_id = 0
        # tall enough for a whole dashboard: every chart is drawn (none is left below the fold)
        self.send("Emulation.setDeviceMetricsOverride", width=VIEWPORT[0], height=VIEWPORT[1], deviceScaleFactor=1,
                  mobile=False)

    def send(self, method: str, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=120))
            if message.get("id") == self.next_id:
                assert "error" not in message, message
                return message.get("result", {})

    def evaluate(self, expression: str):
        return self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                         awaitPromise=True)["result"].get("value")

    def goto(self, url: str, ready: str, timeout: float = 90) -> None:
        """Open url and wait until `ready` holds on the new page (never on the page being left)."""
        self.evaluate("window.__left = true")
        self.send("Page.navigate", url=url)
        self.wait(f"!window.__left && document.readyState === 'complete' && ({ready})", timeout, url)

    def wait(self, ready: str, timeout: float = 90, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while not self.evaluate(ready):
            assert time.monotonic() < deadline, f"{what}: not ready ({ready})"
            time.sleep(0.5)

    def screenshot(self, path: Path, height: int) -> None:
        """The top `height` pixels of the page (the viewport is never resized: a resize re-lays the charts out)."""
        data = self.send("Page.captureScreenshot", format="png",
                         clip={"x": 0, "y": 0, "width": VIEWPORT[0], "height": height, "scale": 1})["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        """End Chromium and every process it started (its renderers and helpers share its session)."""
        self.ws.close()
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


# every chart drawn (a table, an SVG or canvas, a big number) or its error shown, and no spinner left
RENDERED = """(() => {
  const holders = [...document.querySelectorAll('.dashboard-component-chart-holder')];
  if (!holders.length || document.querySelector('.loading, [aria-label="loading"]')) return false;
  return holders.every(h => h.querySelector('table, svg, canvas, .header-line, .alert, [role="alert"]'));
})()"""


@pytest.fixture(scope="module")
def browser(superset, tmp_path_factory):
    local, _ = superset
    chrome = Browser(tmp_path_factory.mktemp("bi-chromium"))
    try:
        chrome.send("Page.enable")
        chrome.goto(f"{local.url}/login/", "!!document.querySelector('#csrf_token')")
        assert chrome.evaluate(_login_script(local.admin_password())) == "posted"
        chrome.wait("location.pathname !== '/login/' && document.readyState === 'complete'", 60, "login")
        yield local, chrome
    finally:
        chrome.close()


def _login_script(password: str) -> str:
    """Log in as the login page does: a form POST to /login/ with the page's CSRF token."""
    return f"""(() => {{
      const form = document.createElement('form');
      form.action = '/login/';
      form.method = 'POST';
      const fields = {{username: 'admin', password: {json.dumps(password)},
                      csrf_token: document.querySelector('#csrf_token').value}};
      for (const [name, value] of Object.entries(fields)) {{
        const input = document.createElement('input');
        input.type = 'hidden'; input.name = name; input.value = value;
        form.appendChild(input);
      }}
      document.body.appendChild(form);
      form.submit();
      return 'posted';
    }})()"""


@pytest.mark.parametrize("slug", list(DASHBOARDS))
def test_each_dashboard_renders_in_a_browser(browser, slug):
    local, chrome = browser
    chrome.goto(f"{local.url}/superset/dashboard/{slug}/?standalone=1", RENDERED)
    time.sleep(2)  # the charts' entry animation (bars grow for about a second)
    errors = chrome.evaluate("[...document.querySelectorAll('.alert, [role=\"alert\"]')].map(e => e.innerText)")
    height = chrome.evaluate("Math.max(800, ...[...document.querySelectorAll('.dashboard-component-chart-holder')]"
                             ".map(h => h.getBoundingClientRect().bottom + window.scrollY))")
    SHOTS.mkdir(parents=True, exist_ok=True)
    chrome.screenshot(SHOTS / f"{slug}.png", min(int(height) + 24, VIEWPORT[1]))
    title = chrome.evaluate("document.title")
    assert DASHBOARDS[slug] in title, title
    assert not errors, errors


def test_starting_again_changes_nothing(superset):
    """`make bi` run again: nothing re-imported, the same server, the same login."""
    local, _ = superset
    pid = local._pid()
    started = time.monotonic()
    assert local.load_dashboards() is False
    line = local.start()
    assert local._pid() == pid and local.admin_password() in line
    assert time.monotonic() - started < 10
