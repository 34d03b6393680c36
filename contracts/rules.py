"""The contract's rules as data: each bullet of docs/contract.md with its id, level and statement."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bland_sms_mock.contracts.models.api import Level

CONTRACT_DOC = Path(__file__).resolve().parent.parent / "docs" / "contract.md"
"""docs/contract.md of the source checkout this module sits in (not shipped inside the wheel)."""

RULE_PATTERN = re.compile(
    r"^- \*\*`(?P<id>[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)`\*\* \[(?P<level>[a-z]+)\] (?P<text>.+(?:\n  .+)*)",
    re.MULTILINE,
)
"""One rule bullet: ``- **`id`** [level] text``, the text continued on lines indented by two spaces."""


@dataclass(frozen=True)
class Rule:
    """One rule of the contract."""

    id: str
    level: Level
    text: str


def parse_rules(markdown: str) -> list[Rule]:
    """Read every rule bullet of a contract document, in document order.

    Raises:
        ValueError: a rule carries a level that is not documented, inferred or mock.
    """
    rules = []
    for match in RULE_PATTERN.finditer(markdown):
        try:
            level = Level(match["level"])
        except ValueError:
            raise ValueError(f"rule {match['id']}: unknown level [{match['level']}]") from None
        rules.append(Rule(match["id"], level, " ".join(match["text"].split())))
    return rules


def load_rules(path: str | Path = CONTRACT_DOC) -> list[Rule]:
    """Read the rules of docs/contract.md (or of the contract document at `path`).

    Raises:
        FileNotFoundError: no document at `path` (an installed package carries no docs/; use a checkout).
        ValueError: a rule carries an unknown level.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"the contract document {path} does not exist; load_rules reads docs/contract.md of a source "
            "checkout of bland-sms-mock (pass its path)"
        )
    return parse_rules(path.read_text(encoding="utf-8"))
