"""The import walls of include/ (docs/decisions.md, layout by kind): who may import whom."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

INCLUDE = Path(__file__).resolve().parents[1] / "include"
PLATFORM = INCLUDE / "iaas_billing"

# Each kind of code may import the kinds listed, and itself; nothing else of the platform.
ALLOWED = {
    "base": set(),
    "landing": {"base"},
    "recon": {"base"},
    "reports": {"base", "landing"},  # the Billing page scans the inbox (landing.discover), read-only
    "jobs": {"base", "landing", "recon"},
    "cli": {"base", "landing", "recon", "reports", "jobs"},
}


def imports(path: Path) -> set[str]:
    """Every module a file imports, at any depth (lazy imports in functions count)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def platform_files() -> list[Path]:
    return sorted(PLATFORM.rglob("*.py"))


def kind_of(path: Path) -> str:
    parts = path.relative_to(PLATFORM).parts
    return parts[0] if len(parts) > 1 else "(package)"


def test_every_module_belongs_to_a_kind():
    loose = [p.name for p in platform_files() if kind_of(p) not in ALLOWED and p.name != "__init__.py"]
    assert not loose, f"modules outside the kinds {sorted(ALLOWED)}: {loose}"
    assert set(ALLOWED) == {p.name for p in PLATFORM.iterdir() if (p / "__init__.py").exists()}


@pytest.mark.parametrize("path", platform_files(), ids=lambda p: str(p.relative_to(PLATFORM)))
def test_a_kind_imports_only_the_kinds_below_it(path):
    kind = kind_of(path)
    for name in imports(path):
        parts = name.split(".")
        if parts[0] != "iaas_billing" or len(parts) < 2 or parts[1] == kind:
            continue
        assert parts[1] in ALLOWED.get(kind, set()) or parts[1] == "__version__", \
            f"{path.relative_to(INCLUDE)} ({kind}) imports {name}"


@pytest.mark.parametrize("path", platform_files(), ids=lambda p: str(p.relative_to(PLATFORM)))
def test_the_platform_never_imports_the_simulator_or_airflow(path):
    for name in imports(path):
        top = name.split(".")[0]
        assert top not in {"billing_simulator", "airflow", "billing_airflow", "cosmos"}, \
            f"{path.relative_to(INCLUDE)} imports {name}"


def test_the_walls_catch_a_crossing(tmp_path):
    """The check itself: a base module that imports a job, and one that imports the simulator, are found."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from iaas_billing.jobs import billrun\n    import billing_simulator.truth\n")
    found = imports(bad)
    assert "iaas_billing.jobs.billrun" in found and "billing_simulator.truth" in found
    assert "jobs" not in ALLOWED["base"]
