"""Compare an expectation with what came back: objects as subsets, lists element by element; show a diff."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

from bland_sms_mock.contracts.models.api import format_timestamp, timestamp_ms

_MISSING = object()


@dataclass
class CheckResult:
    """One expectation: what it looked at, whether it held, and if not, why (and a diff)."""

    what: str
    passed: bool
    detail: str = ""
    diff: str = ""


@dataclass(frozen=True)
class Mismatch:
    """One place where the actual value differs from the expected one."""

    where: str
    expected: Any
    actual: Any

    def __str__(self) -> str:
        actual = "(missing)" if self.actual is _MISSING else _show(self.actual)
        prefix = f"{self.where}: " if self.where else ""
        return f"{prefix}expected {_show(self.expected)}, got {actual}"


def mismatches(expected: Any, actual: Any, where: str = "") -> list[Mismatch]:
    """Every place where `actual` fails `expected`: keys of expected objects only, lists of equal length."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [Mismatch(where, expected, actual)]
        found: list[Mismatch] = []
        for key, want in expected.items():
            if key not in actual:
                found.append(Mismatch(f"{where}.{key}", want, _MISSING))
            else:
                found += mismatches(want, actual[key], f"{where}.{key}")
        return found
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [Mismatch(where, expected, actual)]
        if len(expected) != len(actual):
            return [Mismatch(f"{where} (length)", len(expected), len(actual))]
        return [
            m
            for i, (want, got) in enumerate(zip(expected, actual, strict=True))
            for m in mismatches(want, got, f"{where}[{i}]")
        ]
    if _equal(expected, actual):
        return []
    return [Mismatch(where, expected, actual)]


def _equal(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    return expected == actual


def projection(expected: Any, actual: Any) -> Any:
    """`actual` cut to the shape of `expected` (so a diff shows only what the expectation talks about)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        return {k: projection(v, actual[k]) for k, v in expected.items() if k in actual}
    if isinstance(expected, list) and isinstance(actual, list):
        return [projection(e, a) for e, a in zip(expected, actual, strict=False)] + actual[len(expected) :]
    return actual


def diff(expected: Any, actual: Any) -> str:
    """A unified diff of expected and actual as indented JSON, `-` expected and `+` actual."""
    want = json.dumps(expected, indent=2, sort_keys=True, ensure_ascii=False, default=str).splitlines()
    got = json.dumps(projection(expected, actual), indent=2, sort_keys=True, ensure_ascii=False, default=str)
    lines = difflib.unified_diff(want, got.splitlines(), "expected", "actual", lineterm="", n=2)
    return "\n".join(list(lines)[2:])


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 200 else text[:200] + "…"


def normal_times(value: Any) -> Any:
    """Timestamps written as `2026-01-01T09:15:00Z` compare equal to the API's `...09:15:00.000Z`."""
    if isinstance(value, dict):
        return {k: normal_times(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normal_times(v) for v in value]
    if isinstance(value, str) and len(value) >= 20 and value[4:5] == "-" and value[10:11] == "T":
        try:
            return format_timestamp(timestamp_ms(value))
        except ValueError:
            return value
    return value
