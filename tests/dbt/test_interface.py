"""One contracted interface between dbt and Python (docs/decisions.md): Python reads marts only, and below the
published marts only models/marts/interface, each relation named by an exposure of the consumer that reads it."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

from tests.docs import rules_index as ri

REPO = Path(__file__).resolve().parents[2]
PYTHON_DIRS = ("include", "dags", "plugins")
SIMULATOR = REPO / "include" / "billing_simulator"  # the reference world, not a consumer of dbt
INTERFACE = "models/marts/interface/"
# dbt's schemas below the marts, in SQL text: `intermediate.x`, `staging.x` or `"staging"."x"`. Python's own names
# (the landing's module `staging`, attributes like staging.STAGE_COLUMNS) are code or upper case, never SQL text.
BELOW_MARTS = re.compile(r'\b"?(intermediate|staging)"?\.("?[a-z_])')
MARTS = re.compile(r"\bmarts\.([a-z_][a-z0-9_]*)")
# The one allowed mention: the build's maintenance step vacuums the incremental rating tables it rewrote rows of
# (pipeline.VACUUMED); it reads nothing. test_vacuumed_are_incremental_models keeps that list honest.
MAINTENANCE = {("include/iaas_billing/jobs/pipeline.py", "VACUUMED")}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory):
    target = tmp_path_factory.mktemp("dbt-target")
    warm = ri.DBT_PROJECT / "target" / "partial_parse.msgpack"
    if warm.exists():
        shutil.copy(warm, target / warm.name)
    return ri.dbt_manifest(target)


def _models(manifest) -> dict[str, dict]:
    return {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}


def _python_files() -> list[Path]:
    files = []
    for top in PYTHON_DIRS:
        for path in sorted((REPO / top).rglob("*.py")):
            if SIMULATOR in path.parents:
                continue
            files.append(path)
    return files


def _strings(tree: ast.AST, rel: str) -> list[tuple[int, str]]:
    """Every string literal of a module (f-strings' literal parts included), outside the maintenance exception."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and (rel, t.id) in MAINTENANCE for t in node.targets):
            skipped |= {id(n) for n in ast.walk(node.value)}
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in skipped]


def _reads(path: Path, marts: set[str] = frozenset()) -> set[str]:
    """The marts relations a module names in its strings: `marts.x` in SQL, or a string that is a mart's name (a
    module that names the models it hands to GX with the schema apart, as recon.checks does)."""
    strings = [text for _, text in _strings(ast.parse(path.read_text()), "")]
    return {m for text in strings for m in MARTS.findall(text)} | {text for text in strings if text in marts}


def test_python_names_no_relation_below_the_marts():
    found = []
    for path in _python_files():
        rel = str(path.relative_to(REPO))
        for line, text in _strings(ast.parse(path.read_text()), rel):
            for match in BELOW_MARTS.finditer(text):
                found.append(f"{rel}:{line}: {text[max(0, match.start() - 20):match.end() + 30]!r}")
    assert not found, "Python reads dbt's intermediate/staging schemas (read a models/marts/interface view):\n" + \
        "\n".join(found)


def test_the_wall_sees_sql_below_the_marts():
    """The check above flags what it must, and not Python's own names."""
    tree = ast.parse('Q = "select * from intermediate.int_x"\nR = f"from {s}.y join staging.currencies"\n'
                     'S = \'from "staging"."stg_a"\'\nT = "staging.STAGE_COLUMNS"\nU = "marts.dim_skus"')
    flagged = [text for _, text in _strings(tree, "") if BELOW_MARTS.search(text)]
    assert len(flagged) == 3 and not any("STAGE_COLUMNS" in f or "dim_skus" in f for f in flagged)


def test_vacuumed_are_incremental_models(manifest):
    from iaas_billing.jobs import pipeline

    models = _models(manifest)
    for relation in pipeline.VACUUMED:
        schema, name = relation.split(".")
        assert name in models, relation
        assert models[name]["config"]["materialized"] == "incremental" and models[name]["schema"] == schema, relation


def test_intermediate_never_refs_a_mart(manifest):
    models = _models(manifest)
    by_id = {n["unique_id"]: n for n in models.values()}
    bad = [f"{m['name']} -> {by_id[d]['name']}" for m in models.values()
           if m["original_file_path"].startswith("models/intermediate/")
           for d in m["depends_on"]["nodes"]
           if d in by_id and by_id[d]["original_file_path"].startswith("models/marts/")]
    assert not bad, bad


def test_sources_are_read_only_in_staging(manifest):
    bad = [m["name"] for m in _models(manifest).values()
           if m["depends_on"]["nodes"] and any(d.startswith("source.") for d in m["depends_on"]["nodes"])
           and not m["original_file_path"].startswith("models/staging/")]
    assert not bad, bad


def test_layers_have_their_access(manifest):
    for m in _models(manifest).values():
        path = m["original_file_path"]
        expected = "public" if path.startswith("models/marts/") else "protected"
        assert m["access"] == expected, (m["name"], m["access"])
        assert m["group"], f"{m['name']} is in no group"


def test_interface_models_are_contracted_public_and_exposed(manifest):
    exposed = {d for e in manifest["exposures"].values() for d in e["depends_on"]["nodes"]}
    interface = [m for m in _models(manifest).values() if m["original_file_path"].startswith(INTERFACE)]
    assert len(interface) >= 10
    for m in interface:
        assert m["config"]["contract"]["enforced"], m["name"]
        assert m["access"] == "public", m["name"]
        assert m["unique_id"] in exposed, f"{m['name']} is named by no exposure"
        assert all(c.get("data_type") for c in m["columns"].values()), m["name"]


def test_every_consumer_reads_only_what_its_exposures_name(manifest):
    models = _models(manifest)
    by_id = {n["unique_id"]: n for n in models.values()}
    named: dict[str, set[str]] = {}
    for e in manifest["exposures"].values():
        if not e["original_file_path"].startswith(INTERFACE):
            continue
        assert e["type"] == "application" and e["owner"]["name"] == "Platform", e["name"]
        consumer = e["config"]["meta"]["consumer"]
        assert (REPO / consumer).is_file(), f"exposure {e['name']}: {consumer} does not exist"
        named.setdefault(consumer, set()).update(by_id[d]["name"] for d in e["depends_on"]["nodes"] if d in by_id)
    assert len(named) >= 7
    for consumer, names in named.items():
        read = _reads(REPO / consumer, {m["name"] for m in models.values()
                                        if m["original_file_path"].startswith("models/marts/")})
        assert read, f"{consumer} reads no mart: is it still a consumer?"
        assert read <= names, f"{consumer} reads {sorted(read - names)}: name them in its exposure"
        for name in names:
            m = models[name]
            assert m["access"] == "public" and m["config"]["contract"]["enforced"], (consumer, name)


def test_every_mart_python_reads_is_public_and_contracted(manifest):
    models = _models(manifest)
    for path in _python_files():
        for name in _reads(path):
            if name not in models:
                continue  # e.g. marts.{name} built from a list, checked where the list is
            m = models[name]
            assert m["original_file_path"].startswith("models/marts/"), (path, name)
            assert m["access"] == "public" and m["config"]["contract"]["enforced"], (str(path), name)
