"""The Billing page of the Airflow UI: a FastAPI app the api-server mounts at /billing, behind the UI's login.

The figures come from `iaas_billing.reports.billing_status` (read-only, never imports Airflow); this module only
authenticates the request the way the UI's own endpoints do and renders them as one HTML page.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from airflow.api_fastapi.auth.managers.models.resource_details import AccessView
from airflow.api_fastapi.core_api.security import requires_access_view
from babel.numbers import format_currency, format_decimal
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from billing_airflow import BILLING_PAGE_TITLE

_templates = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")),
                         autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)


def money(amount: Decimal | None, currency: str) -> str:
    """'1,234.50 EUR' with the currency's minor units (JPY 0, BHD 3); blank without an amount."""
    if amount is None or not currency:
        return ""
    return format_currency(amount, currency, format="#,##0.00\xa0¤¤", locale="en_US")


def count(value: int | None) -> str:
    return "" if value is None else format_decimal(value, locale="en_US")


def when(value: datetime | None) -> str:
    """A timestamp in UTC to the minute ('2026-11-01 01:00'; the page says its times are UTC); 'undated' for None."""
    return "undated" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


_templates.filters.update(money=money, count=count, when=when)


def render(status) -> str:
    from iaas_billing.reports.billing_status import totals_by_currency

    return _templates.get_template("billing_page.html.j2").render(
        status=status, totals=totals_by_currency(status.breaks), title=BILLING_PAGE_TITLE)


app = FastAPI(title="Billing status", docs_url=None, redoc_url=None, openapi_url=None)


@app.exception_handler(HTTPException)
async def _not_logged_in(request: Request, exc: HTTPException):
    """A browser without a valid session goes to the UI's login page, and comes back here after it."""
    if exc.status_code == 401 and "text/html" in request.headers.get("accept", ""):
        from airflow.api_fastapi.app import get_auth_manager

        return RedirectResponse(get_auth_manager().get_url_login(next_url=str(request.url)), status_code=303)
    return HTMLResponse(f"<p>{exc.status_code}: {exc.detail}</p>", status_code=exc.status_code,
                        headers=exc.headers)


@app.get("/", response_class=HTMLResponse, dependencies=[Depends(requires_access_view(AccessView.WEBSITE))])
def billing_page() -> HTMLResponse:
    """The page: read on each request (a few small queries), never cached."""
    from iaas_billing.reports import billing_status

    return HTMLResponse(render(billing_status.read()), headers={"Cache-Control": "no-store"})
