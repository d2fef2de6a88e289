"""Every dbt model has a test: a data test that reads it, or a unit test of it (from the manifest)."""

from __future__ import annotations

import shutil

import pytest

from tests.docs import rules_index as ri


def untested_models(manifest: dict) -> list[str]:
    """Names of the models no data test depends on and no unit test is written for."""
    models = {uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"}
    tested = {dep for node in manifest["nodes"].values() if node["resource_type"] == "test"
              for dep in node["depends_on"]["nodes"]}
    tested |= {f"model.{test['package_name']}.{test['model']}" for test in manifest.get("unit_tests", {}).values()}
    return sorted(node["name"] for uid, node in models.items() if uid not in tested)


@pytest.fixture(scope="module")
def manifest(tmp_path_factory):
    """dbt's manifest of the project as it is now (`dbt parse` into a directory of this test's own)."""
    target = tmp_path_factory.mktemp("dbt-target")
    warm = ri.DBT_PROJECT / "target" / "partial_parse.msgpack"
    if warm.exists():  # dbt re-parses only what changed since the project's last parse
        shutil.copy(warm, target / warm.name)
    return ri.dbt_manifest(target)


def test_every_model_has_a_data_test_or_a_unit_test(manifest):
    assert len([n for n in manifest["nodes"].values() if n["resource_type"] == "model"]) > 50
    untested = set(untested_models(manifest))
    assert untested == set(), (
        "models without any test: add a data test (unique / not_null / relationships / accepted_values on what "
        "the database does not enforce) or a unit test with hand-computed rows in the model's yml")


def test_a_model_with_no_test_is_reported():
    manifest = {
        "nodes": {
            "model.p.a": {"resource_type": "model", "name": "a"},
            "model.p.b": {"resource_type": "model", "name": "b"},
            "model.p.c": {"resource_type": "model", "name": "c"},
            "test.p.not_null_a_id": {"resource_type": "test", "depends_on": {"nodes": ["model.p.a"]}},
        },
        "unit_tests": {"unit_test.p.b.t": {"package_name": "p", "model": "b"}},
    }
    assert untested_models(manifest) == ["c"]
