"""docs/rules.md is the rulebook: every built rule has code and a test, the index is current, citations resolve."""

from __future__ import annotations

import dataclasses
import difflib
import re
import shutil
from pathlib import Path

import pytest

from tests.docs import rules_index as ri
from tests.docs.rules_index import ROOT, Ref, Rule

# Where code and docs cite rules: everything of the repository but generated or installed files.
CITING_DIRS = ("include", "dags", "plugins", "tests", "bench", "dbt_project", "docs")
CITING_FILES = ("README.md", "Makefile", "pyproject.toml")
CITING_SUFFIXES = {".py", ".sql", ".yml", ".yaml", ".md", ".toml", ".txt", ".csv"}
SKIPPED_DIRS = {"target", "dbt_packages", "logs", "__pycache__", ".venv", ".local"}
SECTION = "\u00a7"  # the section sign, spelled out so that this file cites nothing itself
NUMBER = r"(\d+(?:\.\d+)?)"
CITATION = re.compile(SECTION + r"\s*" + NUMBER + r"(?:\s*[-\u2013]\s*" + SECTION + r"?\s*" + NUMBER + r")?")
OTHER_DOCUMENTS = ("interfaces",)  # "interfaces.md §3" cites that file, not the rules
LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.fixture(scope="module")
def manifest(tmp_path_factory):
    """dbt's manifest of the sources as they are now (`dbt parse` into a directory of this test's own)."""
    target = tmp_path_factory.mktemp("dbt-target")
    warm = ri.DBT_PROJECT / "target" / "partial_parse.msgpack"
    if warm.exists():  # dbt re-parses only what changed since the project's last parse
        shutil.copy(warm, target / warm.name)
    return ri.dbt_manifest(target)


@pytest.fixture(scope="module")
def rules() -> list[Rule]:
    return ri.read_rules(ri.RULES_MD.read_text())


@pytest.fixture(scope="module")
def refs(manifest) -> list[Ref]:
    return ri.collect(manifest)


# ---- the checks, as functions of their inputs (the last test feeds them broken inputs) -------------------

def coverage_problems(rules: list[Rule], refs: list[Ref]) -> list[str]:
    """A built rule without code or without a test; a pending rule that is tagged; a tag of no rule."""
    problems = []
    known = {r.id for r in rules}
    for rule in rules:
        mine = [ref for ref in refs if ref.rule == rule.id]
        name = f"rule {rule.id} ({rule.title})"
        if rule.pending:
            if mine:
                problems.append(f"{name} is marked '{ri.PENDING_MARK}' in docs/rules.md but is tagged on "
                                f"{', '.join(sorted({r.path for r in mine}))}: drop the mark")
            continue
        if not any(not ref.is_test for ref in mine):
            problems.append(f"{name} has no model and no Python module: tag the code that implements it "
                            f"(config: {{meta: {{rule: \"{rule.id}\"}}}} in its yml, or RULES in its module)")
        if not any(ref.is_test for ref in mine):
            problems.append(f"{name} has no test: tag one (@pytest.mark.rule(\"{rule.id}\"), or "
                            f"config: {{meta: {{rule: \"{rule.id}\"}}}} on a dbt unit or data test)")
    for ref in refs:
        if ref.rule not in known:
            problems.append(f"{ref.path}: {ref.kind} {ref.name} is tagged with rule {ref.rule}, "
                            f"which docs/rules.md does not have")
    return problems


def numbering_problems(text: str) -> list[str]:
    """Sections 1..n in order, rules n.1..n.k in order under their section, each with one where block."""
    problems = []
    section, expected_rule = 0, 1
    for line in text.splitlines():
        if match := ri.SECTION_HEADING.match(line):
            if int(match.group(1)) != section + 1:
                problems.append(f"section {match.group(1)} follows section {section}")
            section, expected_rule = int(match.group(1)), 1
        elif match := ri.RULE_HEADING.match(line):
            if match.group(1) != f"{section}.{expected_rule}":
                problems.append(f"rule {match.group(1)} where {section}.{expected_rule} was expected")
            expected_rule += 1
    blocks = [m.group(2) for m in ri.WHERE_BLOCK.finditer(text)]
    for rule in ri.read_rules(text):
        if blocks.count(rule.id) != 1:
            problems.append(f"rule {rule.id} has {blocks.count(rule.id)} `<!-- where {rule.id} -->` blocks, not 1")
    return problems


def citation_problems(text: str, path: str, citable: set[str]) -> list[str]:
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        for match in CITATION.finditer(line):
            if any(doc in line[max(0, match.start() - 24):match.start()] for doc in OTHER_DOCUMENTS):
                continue
            for cited in filter(None, match.groups()):
                if cited not in citable:
                    problems.append(f"{path}:{number}: '{match.group(0)}' cites rule {cited}, "
                                    f"which docs/rules.md does not have")
    return problems


def link_problems(text: str, page: Path) -> list[str]:
    """Relative links of a docs page whose file, or whose #anchor in a markdown file, does not exist."""
    problems = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        resolved = (page.parent / file).resolve() if file else page
        if not resolved.exists():
            problems.append(f"{page.name}: link to {target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved.read_text()):
            problems.append(f"{page.name}: link to {target}: {resolved.name} has no heading with that anchor")
    return problems


def anchors(markdown: str) -> set[str]:
    """GitHub's anchors of a page's headings (a repeated heading gets -1, -2 ...)."""
    seen: dict[str, int] = {}
    found = set()
    in_code = False
    for line in markdown.splitlines():
        in_code = in_code != line.startswith("```")
        if not in_code and (match := re.match(r"^#{1,6} (.+)$", line)):
            base = ri.slug(match.group(1))
            found.add(f"{base}-{seen[base]}" if base in seen else base)
            seen[base] = seen.get(base, 0) + 1
    return found


def citing_files():
    for name in CITING_DIRS:
        for file in sorted((ROOT / name).rglob("*")):
            if file.is_file() and file.suffix in CITING_SUFFIXES and not SKIPPED_DIRS & set(file.parts):
                yield file
    yield from (ROOT / name for name in CITING_FILES if (ROOT / name).exists())


# ---- the repository ----------------------------------------------------------------------------------------

def test_rules_are_numbered_like_the_spec_each_with_its_generated_line():
    text = ri.RULES_MD.read_text()
    assert len(ri.read_rules(text)) >= 9, "docs/rules.md lists no rules"
    assert numbering_problems(text) == []


def test_every_built_rule_has_code_and_a_test_and_every_tag_names_a_rule(rules, refs):
    assert not (problems := coverage_problems(rules, refs)), "\n".join(problems)


def test_pending_rules_are_listed_apart(rules):
    pending = [r.id for r in rules if r.pending]
    index = ri.INDEX_MD.read_text()
    listed = index.split("## Pending rules", 1)[-1].split("### Rule", 1)[0]
    missing = [rule for rule in pending if f"[{rule} " not in listed]
    assert not missing, f"rules-index.md's pending list lacks {missing}: run `{ri.REGENERATE}`"


def test_the_index_and_the_rules_lines_are_what_make_rules_index_writes(manifest):
    rules_md, index_md = ri.generate(manifest)
    stale = []
    for path, want in ((ri.RULES_MD, rules_md), (ri.INDEX_MD, index_md)):
        have = path.read_text() if path.exists() else ""
        if have != want:
            diff = difflib.unified_diff(have.splitlines(True), want.splitlines(True), str(path.relative_to(ROOT)),
                                        "generated", n=0)
            stale.append(f"{path.relative_to(ROOT)} is stale:\n{''.join(list(diff)[:30])}")
    assert not stale, f"run `{ri.REGENERATE}` and commit the result\n" + "\n".join(stale)


def test_every_citation_of_a_rule_names_one_of_rules_md():
    citable = ri.citable(ri.RULES_MD.read_text())
    problems = []
    for file in citing_files():
        text = file.read_text(errors="replace")
        problems += citation_problems(text, file.relative_to(ROOT).as_posix(), citable)
    assert not problems, "\n".join(problems)


def test_no_code_or_doc_points_at_the_spec_outside_the_repository():
    outside = re.compile("shared/spec/" + "billing-rules|" + "billing-rules " + SECTION)
    found = [f"{file.relative_to(ROOT)}:{n}" for file in citing_files()
             for n, line in enumerate(file.read_text(errors="replace").splitlines(), 1) if outside.search(line)]
    assert not found, f"cite docs/rules.md (`rules {SECTION}N`) instead of the spec outside the repository: {found}"


def test_every_link_of_the_rules_pages_reaches_its_file_and_anchor():
    problems = link_problems(ri.RULES_MD.read_text(), ri.RULES_MD) + link_problems(
        ri.INDEX_MD.read_text(), ri.INDEX_MD)
    assert not problems, "\n".join(problems)


def test_each_check_fails_on_what_it_guards(tmp_path):
    text = (
        "# Rules\n\n## 1. One\n\n### 1.1 Built\n\n<!-- where 1.1 -->\n<!-- /where -->\n\n"
        "### 1.3 Skipped a number\n\n<!-- where 1.3 -->\n<!-- /where -->\n\n"
        f"## 2. Two ({ri.PENDING_MARK})\n\n### 2.1 Pending\n\n<!-- where 2.1 -->\n<!-- /where -->\n"
    )
    rules = ri.read_rules(text)
    assert [(r.id, r.pending) for r in rules] == [("1.1", False), ("1.3", False), ("2.1", True)]
    assert numbering_problems(text) == ["rule 1.3 where 1.2 was expected"]
    model = Ref("1.1", "model", "m", "dbt_project/models/m.sql")
    test = Ref("1.1", "pytest", "test_m", "tests/test_m.py")
    problems = coverage_problems(rules[:1], [model])
    assert len(problems) == 1 and "has no test" in problems[0]
    problems = coverage_problems(rules[:1], [test])
    assert len(problems) == 1 and "has no model" in problems[0]
    assert coverage_problems(rules[:1], [model, test]) == []
    problems = coverage_problems(rules, [model, test, Ref("2.1", "model", "tax", "x.sql"), dataclasses.replace(test, rule="1.9")])
    assert any("rule 1.3" in p and "no model" in p for p in problems)
    assert any("rule 2.1" in p and "drop the mark" in p for p in problems)
    assert any("rule 1.9" in p and "does not have" in p for p in problems)
    citable = ri.citable(text)
    assert citable == {"1", "2", "1.1", "1.3", "2.1"}
    cited = f"ok {SECTION}1.1, {SECTION}2 and {SECTION}1-{SECTION}2; bad {SECTION}1.2, {SECTION}1.1-1.4, {SECTION}3"
    assert [p.split("cites rule ")[1].split(",")[0] for p in citation_problems(cited, "f", citable)] == [
        "1.2", "1.4", "3"]
    assert citation_problems(f"interfaces.md {SECTION}7", "f", citable) == []
    page = tmp_path / "rules.md"
    page.write_text(text)
    assert link_problems("[a](rules.md#11-built) [b](rules.md#12-gone) [c](nowhere.md)", page) == [
        "rules.md: link to rules.md#12-gone: rules.md has no heading with that anchor",
        "rules.md: link to nowhere.md: no such file"]
    with pytest.raises(ValueError, match="a rule tag is a rule id or a list"):
        ri.rule_ids(4.2, "a.yml")
