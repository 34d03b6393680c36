"""The registry of named checks: one entry per name, a second registration of a name is an error."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bland_sms_mock.contracts.kit.context import KitContext
from bland_sms_mock.contracts.models.api import Level


@dataclass(frozen=True)
class CheckSpec:
    """A registered check: its name, level, suite, one-line description and function."""

    name: str
    level: Level
    suite: str
    description: str
    run: Callable[[KitContext], None]
    writes: bool = True
    group: str | None = None


REGISTRY: dict[str, CheckSpec] = {}


def check(name: str, level: Level, suite: str, *, writes: bool = True, group: str | None = None) -> Callable:
    """Register a check function under `name`; its docstring's first line describes it.

    Checks of one `group` share the conversations they create (and see only those); by default each check
    sees only its own.

    Raises:
        ValueError: a check of that name is already registered.
    """

    def register(function: Callable[[KitContext], None]) -> Callable[[KitContext], None]:
        if name in REGISTRY:
            raise ValueError(f"a check named {name!r} is already registered ({REGISTRY[name].run.__qualname__})")
        description = (function.__doc__ or name).strip().splitlines()[0]
        REGISTRY[name] = CheckSpec(name, level, suite, description, function, writes, group)
        return function

    return register
