"""Read scenario files and say exactly what is wrong with a malformed one, before anything is sent."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from bland_sms_mock.contracts.models.scenario import Scenario
from bland_sms_mock.contracts.yamltext import load_yaml
from pydantic import ValidationError


class ScenarioFileError(ValueError):
    """A scenario file cannot be used; the message names the file, the step and the field."""


@dataclass(frozen=True)
class ScenarioFile:
    """A validated scenario and where it came from (seed paths are relative to it)."""

    path: Path
    scenario: Scenario


def expand(paths: list[str | Path]) -> list[Path]:
    """The scenario files that `paths` name: files as given, directories as their `*.yaml`/`*.yml`, sorted.

    Raises:
        ScenarioFileError: a path does not exist, or a directory holds no scenario.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
            if not inside:
                raise ScenarioFileError(f"{path}: no *.yaml scenario in this directory")
            found += inside
        elif path.is_file():
            found.append(path)
        else:
            raise ScenarioFileError(f"{path}: no such file or directory")
    return found


def load(path: str | Path) -> ScenarioFile:
    """Read and validate one scenario file.

    Raises:
        ScenarioFileError: unreadable, not YAML, or not a valid scenario (each problem named by step and field).
    """
    path = Path(path)
    try:
        raw = load_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioFileError(f"{path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        position = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioFileError(f"{path}{position}: not valid YAML: {problem}") from None
    if not isinstance(raw, dict):
        raise ScenarioFileError(f"{path}: a scenario is a mapping with name, steps and optionally setup")
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        problems = [f"{path}: {where(e['loc'])}{e['msg']}" for e in errors if not _other_branch(e, errors)]
        raise ScenarioFileError("\n".join(problems)) from None
    for seed in scenario.setup.seeds:
        if not (path.parent / seed).is_file():
            raise ScenarioFileError(f"{path}: setup.seeds: {seed} is not a file (paths are relative to the scenario)")
    return ScenarioFile(path, scenario)


def where(loc: tuple[Any, ...]) -> str:
    """`step 3, expect.status: ` from a pydantic error location such as ('steps', 2, 'expect', 'status')."""
    parts = list(loc)
    prefix = ""
    if len(parts) >= 2 and parts[0] == "steps" and isinstance(parts[1], int):
        prefix = f"step {parts[1] + 1}"
        parts = parts[2:]
    # Union members show up in locations as type names ('str', 'dict[str,any]'); they name no field.
    fields = [str(p) for p in parts if not (isinstance(p, str) and ("[" in p or p in ("str", "float", "int")))]
    field = ".".join(fields)
    label = ", ".join(part for part in (prefix, field) if part)
    return f"{label}: " if label else ""


_BRANCH_TYPE_ERRORS = frozenset({"list_type", "model_type", "dict_type"})


def _other_branch(error: Any, errors: list[Any]) -> bool:
    """Whether `error` only says that a value is not the other form of a union (one object or a list of
    them) while the form it has went further: `webhook: {stauts: ...}` is not also "not a valid list"."""
    loc = tuple(error["loc"])
    if error["type"] not in _BRANCH_TYPE_ERRORS or len(loc) < 2:
        return False
    return any(
        tuple(other["loc"][: len(loc) - 1]) == loc[:-1]
        and (len(other["loc"]) > len(loc) or (len(other["loc"]) == len(loc) and not other["type"].endswith("_type")))
        for other in errors
    )
