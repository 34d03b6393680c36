"""Strict JSON decoding shared by the request parser and the journal."""

from __future__ import annotations

import json
import math
from typing import Any

JOURNAL_TEXT_LIMIT = 64 * 1024
"""Bodies that are not JSON are journalled as text cut at this many characters [mock]."""


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads_strict(text: str) -> Any:
    """Decode JSON text, refusing NaN, Infinity and numbers that overflow to them.

    Raises:
        ValueError: not JSON (or not finite); RecursionError: nested too deeply to parse.
    """
    return json.loads(text, parse_float=_finite, parse_constant=_no_constants)


def decode_body(raw: bytes | None) -> Any:
    """A body for the journal: its JSON value when it parses, else its text (cut short), None when empty."""
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    try:
        return loads_strict(text)
    except (ValueError, RecursionError):
        return text if len(text) <= JOURNAL_TEXT_LIMIT else text[:JOURNAL_TEXT_LIMIT] + "…"
