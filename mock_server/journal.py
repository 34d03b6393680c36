"""The request journal: what clients sent to the mock and what it answered, newest last, bounded."""

from __future__ import annotations

import itertools
import threading
from collections import deque
from fnmatch import fnmatchcase
from typing import Any

from bland_sms_mock.contracts.models.control import JournalQuery
from bland_sms_mock.mock_server.jsontext import decode_body

DEFAULT_JOURNAL_SIZE = 1000
"""Entries kept before the oldest is dropped [mock]."""

SECRET_HEADERS = frozenset({"authorization", "x-mock-token", "cookie"})


def mask_secret(value: str) -> str:
    """Hide a key or token but keep enough to tell keys apart: `Bearer sk-d…mock`."""
    scheme, _, secret = value.rpartition(" ")
    prefix = f"{scheme} " if scheme else ""
    if len(secret) <= 8:
        return prefix + "…"
    return f"{prefix}{secret[:4]}…{secret[-4:]}"


def masked_headers(headers: dict[str, str]) -> dict[str, str]:
    """Headers with lower-case names and secrets masked."""
    return {
        name.lower(): mask_secret(value) if name.lower() in SECRET_HEADERS else value for name, value in headers.items()
    }


def matches(entry: dict[str, Any], query: JournalQuery) -> bool:
    """Whether a journal entry passes every condition of `query`."""
    return (
        (query.method is None or entry["method"] == query.method.upper())
        and (query.path is None or fnmatchcase(entry["path"], query.path))
        and (query.account is None or entry["account"] == query.account)
        and (query.status is None or entry["status"] == query.status)
    )


def _decode_in_place(entry: dict[str, Any]) -> None:
    """Bodies are kept as bytes when journalled (cheap) and decoded once, when first read."""
    for name in ("body", "response"):
        if isinstance(entry[name], bytes):
            entry[name] = decode_body(entry[name])


class Journal:
    """A bounded, thread-safe list of request entries (dicts in the `GET /_mock/requests` form).

    `body` and `response` may be added as raw bytes; readers always get them decoded.
    """

    def __init__(self, size: int = DEFAULT_JOURNAL_SIZE) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=size)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.revision = 0
        """Moves on every add and clear: cheap to poll."""

    def add(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Append an entry, giving it the next id; the oldest goes when the journal is full."""
        with self._lock:
            entry = {"id": next(self._ids), **entry}
            self._entries.append(entry)
            self.revision += 1
            return entry

    def entries(self, query: JournalQuery | None = None) -> list[dict[str, Any]]:
        """Entries oldest first, narrowed by `query` (its `limit` keeps the last N), bodies decoded."""
        with self._lock:
            found = [e for e in self._entries if query is None or matches(e, query)]
            if query is not None and query.limit is not None:
                found = found[-query.limit :]
            for entry in found:
                _decode_in_place(entry)
            return [dict(entry) for entry in found]

    def clear(self) -> int:
        """Forget every entry; return how many there were."""
        with self._lock:
            count = len(self._entries)
            self._entries.clear()
            self.revision += 1
            return count
