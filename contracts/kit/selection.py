"""Every check of the kit in run order, and `--only` selection among them."""

from __future__ import annotations

from bland_sms_mock.contracts.kit.checks import (
    auth,
    conversation,
    create,
    delete,
    listing,
    numbers,
    schemathesis_suite,
    send,
    state_machine,
    timeouts,
    update,
    webhooks,
)
from bland_sms_mock.contracts.kit.registry import REGISTRY, CheckSpec

CHECK_MODULES = (
    create,
    listing,
    auth,
    timeouts,
    send,
    conversation,
    update,
    delete,
    numbers,
    webhooks,
    state_machine,
    schemathesis_suite,
)
"""The modules whose `@check` functions make up the kit (importing them registers the checks)."""


SUITE_ORDER = (
    "create",
    "list",
    "auth",
    "timeouts",
    "send",
    "conversation",
    "update",
    "delete",
    "messages",
    "numbers",
    "webhooks",
    "behaviour",
    "schema",
)


def load_all() -> dict[str, CheckSpec]:
    """Every registered check in run order (create, list, auth, timeouts, the other endpoints, webhooks,
    behaviour, schema)."""

    def position(name: str) -> int:
        prefix = name.split(".")[0]
        return SUITE_ORDER.index(prefix) if prefix in SUITE_ORDER else len(SUITE_ORDER)

    return {name: REGISTRY[name] for name in sorted(REGISTRY, key=lambda n: (position(n), list(REGISTRY).index(n)))}


class UnknownSelection(ValueError):
    """An `--only` selector that names no check; the message lists the checks there are."""


def select(only: tuple[str, ...] | list[str] = ()) -> list[CheckSpec]:
    """The checks whose name starts with one of `only` (every check when it is empty), in run order.

    A selector is a whole name (`create.appends`) or any prefix of names (`list.filter`, `schema`).

    Raises:
        UnknownSelection: a selector matches no check.
    """
    checks = list(load_all().values())
    unmatched = [o for o in only if not any(spec.name.startswith(o) for spec in checks)]
    if unmatched:
        names = ", ".join(spec.name for spec in checks)
        raise UnknownSelection(f"--only {' '.join(map(repr, unmatched))} matches no check; the checks are: {names}")
    return [spec for spec in checks if not only or any(spec.name.startswith(o) for o in only)]
