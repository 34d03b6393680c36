"""`bland-sms-mock replay`, wired to a fresh in-process mock when no --base-url is given."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from bland_sms_mock.contracts.scenarios.cli import make_replay
from bland_sms_mock.mock_server.bland_mock import BlandMock


@contextmanager
def local_mock() -> Iterator[tuple[str, str]]:
    """A fresh mock served on a free loopback port for one replay: its base URL and its API key."""
    with BlandMock() as mock:
        mock.start()
        yield mock.url, mock.api_key


replay = make_replay(local_mock)
