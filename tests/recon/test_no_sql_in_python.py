"""Rules §6 live in dbt: the reconciliation's Python holds no break condition, only names.

What counts as a break (and the tolerances) is the break models' (dbt_project/models/marts/interface/recon_*);
recon/checks.py names the levels and break types, recon/gx.py and recon/register.py select a break model's
rows of one type and copy them. These tests fail if a condition over the candidates' columns comes back into
Python, and if the Python names and the models' break types drift apart.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
import yaml

from iaas_billing.recon import checks

ROOT = Path(__file__).resolve().parents[2]
RECON = ROOT / "include" / "iaas_billing" / "recon"
INTERFACE = ROOT / "dbt_project" / "models" / "marts" / "interface"
# the candidates' comparison columns (models/intermediate/reconciliation): a break condition reads them.
# The first ones exist only to decide breaks: no Python string may name them at all.
CONDITION_ONLY_COLUMNS = ("in_platform", "in_primary", "in_finance", "in_control", "in_landed", "currency_differs",
                          "minor_unit", "issue_type")
CANDIDATE_COLUMNS = (*CONDITION_ONLY_COLUMNS, "difference", "expected", "actual")
# arithmetic or a comparison on the figures (a tolerance): `abs(difference) > ...`, `expected - actual > 0`
FIGURE_TEST = re.compile(r"\babs\s*\(|\b(expected|actual|difference)\s*([-+*/<>]|>=|<=)", re.IGNORECASE)
# a where clause, up to the clause that ends it
WHERE = re.compile(r"\bwhere\b(?P<condition>.*?)(?=\breturning\b|\bgroup by\b|\border by\b|\blimit\b|\)\s*$|$)",
                   re.IGNORECASE | re.DOTALL)
SELECTION = re.compile(r"^\s*break_type\s*=\s*'[a-z_]+'\s*$")


def _strings(path: Path) -> list[str]:
    """Every string constant and f-string template of a module (f-string holes as `{}`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append(node.value)
        elif isinstance(node, ast.JoinedStr):
            found.append("".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values))
    return found


@pytest.mark.rule("6.2", "6.3", "6.4", "6.5")
@pytest.mark.parametrize("module", sorted(p.name for p in RECON.glob("*.py")))
def test_no_break_condition_in_recon_python(module):
    offending = []
    for text in _strings(RECON / module):
        named = [c for c in CONDITION_ONLY_COLUMNS if re.search(rf"\b{c}\b", text, re.IGNORECASE)]
        if named or FIGURE_TEST.search(text):
            offending.append(text.strip())
        for match in WHERE.finditer(text):
            condition = match.group("condition").lower()
            if any(re.search(rf"\b{column}\b", condition) for column in CANDIDATE_COLUMNS):
                offending.append(condition.strip())
    assert offending == [], f"{module} holds break conditions over the candidates' columns: {offending}"


@pytest.mark.rule("6.2", "6.3", "6.4", "6.5")
def test_checks_only_select_a_break_type():
    for check in checks.CHECKS:
        assert not hasattr(check, "condition")
        condition = WHERE.search(check.query).group("condition")
        assert SELECTION.match(condition), check.query
    assert not [name for name in vars(checks) if "TOLERANCE" in name.upper()]


def test_check_names_are_the_break_models_types():
    """checks.CHECKS and each break model's accepted break_type values name the same types."""
    for level in checks.LEVELS:
        model = checks.LEVEL_DEFS[level].model
        spec = yaml.safe_load((INTERFACE / f"{model}.yml").read_text(encoding="utf-8"))
        (props,) = [m for m in spec["models"] if m["name"] == model]
        (column,) = [c for c in props["columns"] if c["name"] == "break_type"]
        (accepted,) = [t["accepted_values"] for t in column["data_tests"] if isinstance(t, dict)]
        assert set(accepted["arguments"]["values"]) == {c.break_type for c in checks.checks_for([level])}, model
        assert props["config"]["contract"] == {"enforced": True}


def test_exposure_names_every_break_model():
    spec = yaml.safe_load((INTERFACE / "_recon_exposures.yml").read_text(encoding="utf-8"))
    depends = {d for e in spec["exposures"] for d in e["depends_on"]}
    assert depends == {f"ref('{checks.LEVEL_DEFS[level].model}')" for level in checks.LEVELS}
    assert json.dumps(spec)  # plain data
