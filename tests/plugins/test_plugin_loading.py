"""Every Airflow process loads the plugins folder (the dag-processor at each DAG parse): the Billing page's
FastAPI app and the api-server's security module are imported only when the api-server asks for the app."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json, sys
from airflow import plugins_manager
plugins, errors = plugins_manager._get_plugins()
[page] = [p for p in plugins if p.name == "billing_page"]
loaded = "billing_airflow.billing_page" in sys.modules
apps = page.fastapi_apps  # what the api-server's init_plugins reads
print("JSON" + json.dumps({"errors": errors, "loaded_with_plugins": loaded,
                           "apps": [(a["url_prefix"], a["name"], type(a["app"]).__name__) for a in apps],
                           "views": page.external_views}))
"""


def test_loading_the_plugins_does_not_import_the_page():
    env = {**os.environ, "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
           "PYTHONPATH": os.pathsep.join([str(ROOT / "include"), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=300,
                          cwd=ROOT)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("JSON")), None)
    assert line, proc.stderr[-3000:]
    found = json.loads(line[4:])
    assert found["errors"] == {}
    assert found["loaded_with_plugins"] is False
    assert found["apps"] == [["/billing", "Billing", "FastAPI"]]
    assert found["views"] == [{"name": "Billing", "href": "billing/", "url_route": "billing", "destination": "nav"}]
