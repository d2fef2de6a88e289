"""Registers the Billing page with Airflow 3: the FastAPI app at /billing and its entry in the UI's nav bar."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from billing_airflow.billing_page import TITLE, URL_PREFIX, app


class BillingPagePlugin(AirflowPlugin):
    """The data engineers' Billing page: feeds, open breaks, the last closed period, the warehouse lock."""

    name = "billing_page"
    fastapi_apps = [{"app": app, "url_prefix": URL_PREFIX, "name": TITLE}]
    # url_route: the UI shows the page in its frame at /plugin/billing; href is relative to the UI's base URL.
    external_views = [{"name": TITLE, "href": URL_PREFIX.lstrip("/") + "/", "url_route": "billing",
                       "destination": "nav"}]
