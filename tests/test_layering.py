"""Dependencies run one way: the kit never imports the fake, the fake imports only the contract's models,
only the public package imports both, and no two modules import each other (even inside a function)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {
    "bland_sms_mock": "bland_sms_mock",
    "contracts": "bland_sms_mock.contracts",
    "mock_server": "bland_sms_mock.mock_server",
}
"""Repository folder -> import path (pyproject.toml's package-dir)."""
THE_FAKE_MAY_IMPORT = ("bland_sms_mock.contracts.models", "bland_sms_mock.contracts.yamltext")
"""What the fake takes from the contract: the models and the YAML reader, never the kit or the scenarios."""


def module_name(path: Path) -> str:
    relative = path.relative_to(ROOT)
    dotted = [FOLDERS[relative.parts[0]], *relative.with_suffix("").parts[1:]]
    if dotted[-1] == "__init__":
        dotted.pop()
    return ".".join(dotted)


MODULES = {module_name(p): p for folder in FOLDERS for p in sorted((ROOT / folder).rglob("*.py"))}


def imports_of(name: str) -> set[str]:
    """Every module of the package that `name` imports, at the top or inside a function."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {t for t in targets if t in MODULES or t.split(".")[0] in {"contracts", "mock_server"}}
    return found - {name}


GRAPH = {name: imports_of(name) for name in MODULES}


def test_every_import_uses_the_one_installed_name() -> None:
    bare = {
        name: sorted(t for t in targets if t.split(".")[0] in {"contracts", "mock_server"})
        for name, targets in GRAPH.items()
    }
    assert not {k: v for k, v in bare.items() if v}, "import bland_sms_mock.contracts / bland_sms_mock.mock_server"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("bland_sms_mock.contracts")))
def test_the_contract_never_imports_the_fake_or_the_public_package(name: str) -> None:
    outside = sorted(t for t in GRAPH[name] if not t.startswith("bland_sms_mock.contracts"))
    assert not outside, f"{name} imports {outside}"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("bland_sms_mock.mock_server")))
def test_the_fake_imports_only_the_contracts_models(name: str) -> None:
    def allowed(target: str) -> bool:
        return (
            target.startswith("bland_sms_mock.mock_server")
            or target == "bland_sms_mock.version"
            or any(target == m or target.startswith(m + ".") for m in THE_FAKE_MAY_IMPORT)
        )

    assert not sorted(t for t in GRAPH[name] if not allowed(t)), f"{name} imports outside the fake and the models"


def test_no_import_cycles() -> None:
    """Tarjan's strongly connected components over the import graph: each must be a single module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def edges(name: str) -> list[str]:
        return sorted(t for t in GRAPH[name] if t in MODULES)

    def visit(name: str) -> None:
        index[name] = low[name] = len(index)
        stack.append(name)
        on_stack.add(name)
        for target in edges(name):
            if target not in index:
                visit(target)
                low[name] = min(low[name], low[target])
            elif target in on_stack:
                low[name] = min(low[name], index[target])
        if low[name] == index[name]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == name:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for name in sorted(MODULES):
        if name not in index:
            visit(name)
    assert not cycles, f"import cycles: {cycles}"


def test_the_oracle_and_the_checks_are_covered() -> None:
    assert {
        "bland_sms_mock.contracts.kit.oracle",
        "bland_sms_mock.contracts.kit.checks.state_machine",
        "bland_sms_mock.contracts.kit.checks.listing",
        "bland_sms_mock.mock_server.store",
    } <= set(MODULES)
