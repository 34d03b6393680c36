"""docs/contract.md stays machine-readable: one rule per bullet, a unique id, a known level."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from bland_sms_mock.contracts.models.api import Level
from bland_sms_mock.contracts.rules import CONTRACT_DOC, RULE_PATTERN, Rule, load_rules, parse_rules

MIN_RULES = 384
"""The number of rules docs/contract.md holds; raise it when rules are added (ids are never removed)."""

REPO = CONTRACT_DOC.parent.parent
RULE_SECTION = re.compile(r"^## .*\(`(?P<prefix>[a-z][a-z0-9_.]*)\.\*`\)$")


def _rule_sections(text: str) -> list[tuple[str, list[str]]]:
    """Each section whose heading names an id prefix, with its bullets' full text (continuations joined)."""
    sections: list[tuple[str, list[str]]] = []
    bullets: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("## "):
            heading = RULE_SECTION.match(line)
            bullets = [] if heading else None
            if heading:
                sections.append((heading["prefix"], bullets))
        elif bullets is not None and line.startswith("- "):
            bullets.append(line)
        elif bullets is not None and bullets and line.startswith("  "):
            bullets[-1] += "\n" + line
    return sections


def test_every_bullet_of_a_rule_section_is_one_rule_with_its_sections_prefix() -> None:
    sections = _rule_sections(CONTRACT_DOC.read_text(encoding="utf-8"))
    assert len(sections) >= 15
    for prefix, bullets in sections:
        assert bullets, f"section {prefix}.* has no rules"
        for bullet in bullets:
            match = RULE_PATTERN.fullmatch(bullet)
            assert match, f"not a rule bullet (- **`id`** [level] text): {bullet[:80]!r}"
            assert match["level"] in {level.value for level in Level}, bullet[:80]
            assert match["id"].startswith(prefix + "."), f"{match['id']} sits in section {prefix}.*"


def test_rules_load_with_unique_ids_known_levels_and_text() -> None:
    rules = load_rules()
    assert len(rules) >= MIN_RULES
    duplicates = [rule_id for rule_id, n in Counter(rule.id for rule in rules).items() if n > 1]
    assert not duplicates
    assert all(isinstance(rule, Rule) and rule.text and "\n" not in rule.text for rule in rules)
    per_level = Counter(rule.level for rule in rules)
    assert set(per_level) == set(Level)
    bullets = sum(len(b) for _, b in _rule_sections(CONTRACT_DOC.read_text(encoding="utf-8")))
    assert len(rules) == bullets  # no rule outside the rule sections


def test_a_rule_keeps_its_continuation_lines_and_its_level() -> None:
    doc = "## X (`x.*`)\n\n- **`x.one`** [inferred] First line\n  and the second.\n- **`x.two`** [mock] Two.\n"
    assert parse_rules(doc) == [
        Rule("x.one", Level.INFERRED, "First line and the second."),
        Rule("x.two", Level.MOCK, "Two."),
    ]
    with pytest.raises(ValueError, match=r"x\.bad: unknown level \[maybe\]"):
        parse_rules("- **`x.bad`** [maybe] Text.\n")


def test_a_missing_document_is_an_error_not_an_empty_contract(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"contract document .*missing\.md does not exist"):
        load_rules(tmp_path / "missing.md")


def test_docs_link_only_to_files_inside_the_repository() -> None:
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            assert "://" not in target, f"{page.name} links outside the repository: {target}"
            resolved = (page.parent / target).resolve()
            assert resolved.is_relative_to(REPO), f"{page.name} links outside the repository: {target}"
            assert resolved.exists(), f"{page.name} links to a missing file: {target}"
