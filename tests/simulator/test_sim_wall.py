"""The simulator is independent of the platform it checks (docs/decisions.md, layout and walls)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import billing_simulator

SIMULATOR = Path(billing_simulator.__file__).parent


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_nothing_in_the_simulator_imports_the_rest_of_iaas_billing():
    for path in SIMULATOR.glob("*.py"):
        for name in imported_modules(path):
            if name.startswith("iaas_billing"):
                assert name.startswith("billing_simulator"), f"{path.name} imports {name}"


def test_the_simulator_uses_the_standard_library_only():
    for path in SIMULATOR.glob("*.py"):
        for name in imported_modules(path):
            top = name.split(".")[0]
            assert top == "billing_simulator" or top in sys.stdlib_module_names, f"{path.name} imports {name}"
