"""Writes docs/rules-index.md and the generated lines of docs/rules.md: each rule's models, Python and tests.

`make rules-index` (or `python -m tests.docs.rules_index`) runs it. It is tooling of the docs, not of the
platform, so it lives with the test that holds the docs to it (tests/docs/test_rules.py). It reads:

- the rules: the `### N.M title` headings of docs/rules.md (a rule whose heading or section heading says
  "not implemented yet" is pending);
- dbt's manifest (made here by `dbt parse`): `config.meta.rule` of models, seeds, data tests and unit tests;
- the pytest markers `@pytest.mark.rule(...)` of tests/ (and `pytestmark = pytest.mark.rule(...)`);
- the module-level `RULES = (...)` of the Python modules under include/.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT = ROOT / "dbt_project"
RULES_MD = ROOT / "docs" / "rules.md"
INDEX_MD = ROOT / "docs" / "rules-index.md"
REGENERATE = "make rules-index"
PENDING_MARK = "not implemented yet"
TESTS_SHOWN = 3  # tests named on a rule's line in rules.md; the index lists all

SECTION_HEADING = re.compile(r"^## (\d+)\. (.+)$")
RULE_HEADING = re.compile(r"^### (\d+\.\d+) (.+)$")
WHERE_BLOCK = re.compile(r"(<!-- where (\d+\.\d+) -->\n)(.*?)(<!-- /where -->)", re.S)


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    heading: str  # the heading's text, whose slug is the rule's anchor in rules.md
    pending: bool


@dataclass(frozen=True, order=True)
class Ref:
    """One piece of code tagged with a rule: `kind` is model, seed, python, unit, data or pytest."""

    rule: str
    kind: str
    name: str
    path: str  # repository-relative
    detail: str = ""

    @property
    def is_test(self) -> bool:
        return self.kind in ("unit", "data", "pytest")


def slug(heading: str) -> str:
    """GitHub's anchor of a markdown heading (without the -1, -2 suffixes of repeated headings)."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def read_rules(text: str) -> list[Rule]:
    """The rules of docs/rules.md, in order."""
    rules: list[Rule] = []
    section_pending = False
    for line in text.splitlines():
        if match := SECTION_HEADING.match(line):
            section_pending = PENDING_MARK in match.group(2)
        elif match := RULE_HEADING.match(line):
            pending = section_pending or PENDING_MARK in match.group(2)
            rules.append(Rule(match.group(1), match.group(2), line[4:], pending))
    return rules


def citable(text: str) -> set[str]:
    """Every number a citation may name: the sections (`4`) and the rules (`4.2`)."""
    return {m.group(1) for m in map(SECTION_HEADING.match, text.splitlines()) if m} | {
        r.id for r in read_rules(text)}


def rule_ids(value: object, where: str) -> tuple[str, ...]:
    """A tag's value as rule ids: "4.2" or ["4.2", "4.3"]; anything else is named as an error."""
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list | tuple) or not values or not all(isinstance(v, str) for v in values):
        raise ValueError(f"{where}: a rule tag is a rule id or a list of them, like \"4.2\", not {value!r}")
    return tuple(values)


def dbt_manifest(target_path: Path | None = None) -> dict:
    """dbt's manifest as `dbt parse` writes it now, into target_path (default: the project's target/)."""
    from dbt.cli.main import dbtRunner

    target = target_path or DBT_PROJECT / "target"
    result = dbtRunner().invoke(["parse", "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT),
                                 "--target-path", str(target), "--log-path", str(target / "logs"),
                                 "--quiet", "--no-use-colors"])
    if not result.success:
        raise RuntimeError(f"dbt parse failed: {result.exception}")
    return json.loads((target / "manifest.json").read_text())


def dbt_refs(manifest: dict) -> list[Ref]:
    """Models, seeds, data tests and unit tests whose config.meta names rules."""
    refs: list[Ref] = []
    nodes = [*manifest["nodes"].values(), *manifest.get("unit_tests", {}).values()]
    for node in nodes:
        tag = (node.get("config") or {}).get("meta", {}).get("rule")
        if tag is None:
            continue
        kind = node["resource_type"]
        path = f"dbt_project/{node['original_file_path']}"
        where = f"{path}: {node['unique_id']}"
        for rule in rule_ids(tag, where):
            if kind in ("model", "seed"):
                yml = (node.get("patch_path") or "").split("://", 1)[-1]
                refs.append(Ref(rule, kind, node["name"], path, f"dbt_project/{yml}" if yml else ""))
            elif kind == "unit_test":
                refs.append(Ref(rule, "unit", node["name"], path, node["model"]))
            elif kind == "test":
                attached = (node.get("attached_node") or "").rsplit(".", 1)[-1]
                column = f".{node['column_name']}" if node.get("column_name") else ""
                test = (node.get("test_metadata") or {}).get("name") or node["name"]
                refs.append(Ref(rule, "data", test, path, f"{attached}{column}" if attached else ""))
            else:
                raise ValueError(f"{where}: a {kind} cannot carry a rule tag (tag its model or its test)")
    return refs


def _mark_rules(node: ast.expr, where: str) -> tuple[str, ...]:
    """The rule ids of `pytest.mark.rule("4.2", ...)`, or () for any other expression."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "rule"
            and ast.unparse(node.func.value) == "pytest.mark"):
        try:
            values = [ast.literal_eval(a) for a in node.args]
        except ValueError:
            values = []
        return rule_ids(values, where)
    return ()


def pytest_refs(root: Path = ROOT) -> list[Ref]:
    """Test functions marked `@pytest.mark.rule(...)`, and modules whose `pytestmark` holds that mark."""
    refs: list[Ref] = []
    for file in sorted((root / "tests").rglob("*.py")):
        path = file.relative_to(root).as_posix()
        tree = ast.parse(file.read_text(), filename=path)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                for decorator in node.decorator_list:
                    for rule in _mark_rules(decorator, f"{path}:{node.lineno}"):
                        refs.append(Ref(rule, "pytest", node.name, path))
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in node.targets):
                marks = node.value.elts if isinstance(node.value, ast.List | ast.Tuple) else [node.value]
                for mark in marks:
                    for rule in _mark_rules(mark, f"{path}:{node.lineno}"):
                        refs.append(Ref(rule, "pytest", f"all of {file.name}", path))
    return refs


def python_refs(root: Path = ROOT) -> list[Ref]:
    """Modules of include/ with a module-level `RULES = ("5.1", ...)`."""
    refs: list[Ref] = []
    for file in sorted((root / "include").rglob("*.py")):
        path = file.relative_to(root).as_posix()
        for node in ast.parse(file.read_text(), filename=path).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "RULES" for t in node.targets):
                module = ".".join(file.relative_to(root / "include").with_suffix("").parts)
                module = module.removesuffix(".__init__")
                for rule in rule_ids(ast.literal_eval(node.value), f"{path}:{node.lineno}"):
                    refs.append(Ref(rule, "python", module, path))
    return refs


def collect(manifest: dict, root: Path = ROOT) -> list[Ref]:
    return sorted(set(dbt_refs(manifest) + pytest_refs(root) + python_refs(root)))


# ---- rendering -------------------------------------------------------------------------------------------

KIND_ORDER = {"model": 0, "seed": 1, "python": 2, "unit": 3, "pytest": 4, "data": 5}
KIND_WORDS = {"model": "model", "seed": "seed", "python": "Python", "unit": "dbt unit test", "data": "dbt data test",
              "pytest": "pytest"}


def _link(ref: Ref) -> str:
    """A link from docs/ to the file that holds ref (a data test is named by its test and its column)."""
    text = f"{ref.name} on {ref.detail}" if ref.kind == "data" and ref.detail else ref.name
    return f"[`{text}`](../{ref.path})"


def _sorted(refs: Iterable[Ref]) -> list[Ref]:
    return sorted(refs, key=lambda r: (KIND_ORDER[r.kind], r.path, r.name, r.detail))


def _index_line(ref: Ref) -> str:
    line = f"- {KIND_WORDS[ref.kind]} {_link(ref)}"
    if ref.kind in ("model", "seed") and ref.detail:
        line += f" ([yml](../{ref.detail}))"
    elif ref.kind == "unit":
        line += f" of `{ref.detail}`"
    elif ref.kind == "pytest":
        line += f" in `{ref.path}`"
    return line


def index_anchor(rule: Rule) -> str:
    return slug(f"Rule {rule.id}")


def render_index(rules: list[Rule], refs: list[Ref]) -> str:
    by_rule = {r.id: [ref for ref in refs if ref.rule == r.id] for r in rules}
    out = [
        "# Rules index",
        "",
        "For each rule of [rules.md](rules.md): the dbt models and seeds, the Python modules and the tests that",
        "implement it. Generated by `make rules-index` from the tags described in rules.md's preamble; do not",
        "edit (tests/docs/test_rules.py fails when this page is not what the command would write).",
        "",
        "## Pending rules (not implemented yet)",
        "",
    ]
    pending = [r for r in rules if r.pending]
    out += [f"- [{r.id} {r.title}](rules.md#{slug(r.heading)})" for r in pending] or ["None."]
    out.append("")
    for rule in rules:
        out += [f"### Rule {rule.id}", "", f"[{rule.id} {rule.title}](rules.md#{slug(rule.heading)})", ""]
        tagged = _sorted(by_rule[rule.id])
        if rule.pending and not tagged:
            out += ["Not implemented yet.", ""]
            continue
        out += [_index_line(ref) for ref in tagged] or ["Nothing is tagged with this rule."]
        out.append("")
    return "\n".join(out)


def render_where(rule: Rule, refs: list[Ref]) -> str:
    """The generated line under a rule in rules.md: its code and tests, one click away."""
    index = f"[index](rules-index.md#{index_anchor(rule)})"
    mine = _sorted(r for r in refs if r.rule == rule.id)
    if rule.pending and not mine:
        return f"*Not implemented yet* · {index}\n"
    code = [_link(r) for r in mine if not r.is_test]
    tests = [_link(r) for r in mine if r.is_test]
    shown = tests[:TESTS_SHOWN] + ([f"{len(tests) - TESTS_SHOWN} more in the {index}"]
                                   if len(tests) > TESTS_SHOWN else [])
    parts = [f"**Code:** {', '.join(code) or 'none'}", f"**Tests:** {', '.join(shown) or 'none'}"]
    if len(tests) <= TESTS_SHOWN:
        parts.append(index)
    return " · ".join(parts) + "\n"


def render_rules(text: str, refs: list[Ref]) -> str:
    """rules.md with every `<!-- where N.M -->` block rewritten."""
    rules = {r.id: r for r in read_rules(text)}

    def replace(match: re.Match) -> str:
        rule = rules.get(match.group(2))
        if rule is None:
            raise ValueError(f"docs/rules.md: a where block names {match.group(2)}, which has no ### heading")
        return match.group(1) + render_where(rule, refs) + match.group(4)

    return WHERE_BLOCK.sub(replace, text)


def generate(manifest: dict, root: Path = ROOT) -> tuple[str, str]:
    """(rules.md, rules-index.md) as they should read now."""
    text = (root / "docs" / "rules.md").read_text()
    refs = collect(manifest, root)
    return render_rules(text, refs), render_index(read_rules(text), refs)


def main() -> int:
    rules_md, index_md = generate(dbt_manifest())
    RULES_MD.write_text(rules_md)
    INDEX_MD.write_text(index_md)
    print(f"wrote {RULES_MD.relative_to(ROOT)} and {INDEX_MD.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
