"""Request verification against the journal: matching, and a readable message when nothing matches."""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any


def _subset_problems(expected: dict[str, Any], actual: Any, where: str) -> list[str]:
    """Where `actual` differs from `expected` (keys of `expected` only; nested dicts compared the same way)."""
    if not isinstance(actual, dict):
        return [f"{where}: expected an object with {json.dumps(expected)}, got {json.dumps(actual)}"]
    problems = []
    for key, want in expected.items():
        if key not in actual:
            problems.append(f"{where}.{key}: missing (expected {json.dumps(want)})")
        elif isinstance(want, dict) and isinstance(actual[key], dict):
            problems += _subset_problems(want, actual[key], f"{where}.{key}")
        elif actual[key] != want:
            problems.append(f"{where}.{key}: expected {json.dumps(want)}, got {json.dumps(actual[key])}")
    return problems


def differences(
    entry: dict[str, Any],
    method: str | None,
    path: str | None,
    body: dict[str, Any] | None,
    query: dict[str, str] | None,
) -> list[str]:
    """How a journal entry differs from what was asked for; empty when it matches."""
    problems = []
    if method is not None and entry["method"] != method.upper():
        problems.append(f"method: expected {method.upper()}, got {entry['method']}")
    if path is not None and not fnmatchcase(entry["path"], path):
        problems.append(f"path: expected {path}, got {entry['path']}")
    if body is not None:
        problems += _subset_problems(body, entry["body"], "body")
    if query is not None:
        problems += _subset_problems(query, entry["query"], "query")
    return problems


def matches_request(
    entry: dict[str, Any],
    method: str | None,
    path: str | None,
    body: dict[str, Any] | None,
    query: dict[str, str] | None,
) -> bool:
    """Whether a journal entry is a request like the one described."""
    return not differences(entry, method, path, body, query)


def describe_miss(
    everything: list[dict[str, Any]],
    found: list[dict[str, Any]],
    method: str | None,
    path: str | None,
    body: dict[str, Any] | None,
    query: dict[str, str] | None,
    count: int | None,
) -> str:
    """The failure message: what was expected, how many matched, and the closest request with its differences."""
    wanted = " ".join(part for part in (method and method.upper(), path) if part) or "any request"
    if body is not None:
        wanted += f" with body ⊇ {json.dumps(body)}"
    if query is not None:
        wanted += f" with query ⊇ {json.dumps(query)}"
    times = f"exactly {count} time(s)" if count is not None else "at least once"
    lines = [f"Expected {wanted} {times}; {len(found)} matched among {len(everything)} journalled request(s)."]
    if found or not everything:
        return "\n".join(lines)
    closest = min(everything, key=lambda e: (len(differences(e, method, path, body, query)), -e["id"]))
    lines.append(f"Closest: #{closest['id']} {closest['method']} {closest['path']} -> {closest['status']}")
    lines += [f"  {problem}" for problem in differences(closest, method, path, body, query)]
    return "\n".join(lines)


def webhook_differences(delivery: dict[str, Any], match: dict[str, Any]) -> list[str]:
    """How a webhook delivery (as the control API lists it) differs from `match`; empty when it matches.

    Each key compares a delivery field; `payload` compares key by key, nested objects the same way.
    """
    problems = []
    for key, want in match.items():
        if key == "payload" and isinstance(want, dict):
            problems += _subset_problems(want, delivery.get("payload"), "payload")
        elif key not in delivery:
            problems.append(f"{key}: deliveries have no such field")
        elif delivery[key] != want:
            problems.append(f"{key}: expected {json.dumps(want)}, got {json.dumps(delivery[key])}")
    return problems
