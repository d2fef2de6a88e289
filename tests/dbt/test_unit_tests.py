"""Every dbt unit test of the project runs and passes (the pipeline's own builds leave them out)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from iaas_billing.base import dbt_runner
from iaas_billing.base.settings import DBT_RUN_DIR


def test_every_unit_test_runs_and_passes(fresh_url):
    # unit tests need their models' parent relations: the seeds, then every model built empty (no rows)
    dbt_runner.run_dbt(["seed"], url=fresh_url)
    dbt_runner.run_dbt(["run", "--empty"], url=fresh_url)
    result = dbt_runner.run_dbt(["test", "--select", "test_type:unit"], url=fresh_url, raise_on_failure=False)
    assert result.ok, result.failures

    target = Path(os.environ.get("DBT_TARGET_PATH") or DBT_RUN_DIR / "target")
    expected = set(json.loads((target / "manifest.json").read_text())["unit_tests"])
    results = json.loads((target / "run_results.json").read_text())["results"]
    ran = {r["unique_id"]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")}
    assert expected, "the manifest lists no unit test"
    assert set(ran) == expected
    assert set(ran.values()) == {"pass"}
