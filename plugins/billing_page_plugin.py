"""Registers the Billing page with Airflow 3: the FastAPI app at /billing and its entry in the UI's nav bar."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from billing_airflow import BILLING_PAGE_TITLE, BILLING_PAGE_URL_PREFIX


class _BillingPageApp:
    """`fastapi_apps`, imported when first read: only the api-server reads it. The dag-processor, scheduler and
    workers load the plugins folder too, and FastAPI with the api-server's security module would cost each of
    them some 3 s (measured on a DAG parse)."""

    def __get__(self, instance, owner) -> list[dict]:
        from billing_airflow.billing_page import app

        return [{"app": app, "url_prefix": BILLING_PAGE_URL_PREFIX, "name": BILLING_PAGE_TITLE}]


class BillingPagePlugin(AirflowPlugin):
    """The data engineers' Billing page: feeds, open breaks, the last closed period, the warehouse lock."""

    name = "billing_page"
    fastapi_apps = _BillingPageApp()
    # url_route: the UI shows the page in its frame at /plugin/billing; href is relative to the UI's base URL.
    external_views = [{"name": BILLING_PAGE_TITLE, "href": BILLING_PAGE_URL_PREFIX.lstrip("/") + "/",
                       "url_route": "billing", "destination": "nav"}]
