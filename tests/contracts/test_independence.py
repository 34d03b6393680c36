"""The kit judges, it does not copy: nothing in `contracts` imports the mock, except two in-process starters."""

from __future__ import annotations

import ast
from pathlib import Path

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"
MAY_START_A_MOCK = {"pytest_plugin.py", "scenarios/cli.py"}
"""The pytest fixtures and `replay` without --base-url start a mock in the process; nothing else may."""


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_contracts_module_imports_the_mock() -> None:
    offenders = []
    for path in sorted(CONTRACTS.rglob("*.py")):
        relative = path.relative_to(CONTRACTS).as_posix()
        if relative in MAY_START_A_MOCK:
            continue
        if any(name == "mock_server" or name.startswith("mock_server.") for name in imported_modules(path)):
            offenders.append(relative)
    assert not offenders, f"these contracts modules import mock_server: {offenders}"


def test_the_oracle_and_the_checks_are_covered() -> None:
    checked = {p.relative_to(CONTRACTS).as_posix() for p in CONTRACTS.rglob("*.py")}
    assert {"oracle.py", "stateful.py", "schema.py", "kit.py", "checks/listing.py"} <= checked
