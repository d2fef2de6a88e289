"""Every relative link of README.md and docs/*.md, and every repository path the README names, exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.docs.test_rules import anchors

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
LINK = re.compile(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")  # [text](target) and ![alt](target)
SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)  # http:, https:, mailto: ...
TOP_DIRS = tuple(f"{p.name}/" for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith("."))
CODE_SPAN = re.compile(r"`([^`\s]+)`")


def relative_links(text: str) -> list[str]:
    """The link targets of a markdown text that point into the repository (no URL)."""
    targets = LINK.findall(FENCE.sub("", text))
    return [t for t in targets if not SCHEME.match(t)]


def missing_targets(doc: Path) -> list[str]:
    """Links whose file does not exist, or whose #anchor is no heading of the markdown file they point to."""
    missing = []
    for target in relative_links(doc.read_text()):
        file, _, anchor = target.partition("#")
        resolved = doc.parent / file if file else doc
        if not resolved.exists() or (anchor and resolved.suffix == ".md"
                                     and anchor not in anchors(resolved.read_text())):
            missing.append(target)
    return missing


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_resolve(doc):
    assert missing_targets(doc) == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_citation_of_the_steering_projects_spec(doc):
    # the spec is restated in docs/rules.md, which is what the project cites
    assert "shared/spec" not in doc.read_text()


def test_paths_the_readme_names_exist():
    names = [n for n in CODE_SPAN.findall(FENCE.sub("", (ROOT / "README.md").read_text())) if n.startswith(TOP_DIRS)]
    assert len(names) > 10
    assert [n for n in names if not (ROOT / n).exists()] == []


def test_a_broken_link_is_found(tmp_path):
    (tmp_path / "there.md").write_text("# A title\n")
    doc = tmp_path / "doc.md"
    doc.write_text("[ok](there.md#a-title) [url](https://example.com) [anchor](#b) [no anchor](#c) [gone](../nowhere.md)\n"
                   "```\n[in code](ignored.md)\n```\n![img](missing.png) [no heading](there.md#other)\n## B\n")
    assert missing_targets(doc) == ["#c", "../nowhere.md", "missing.png", "there.md#other"]
