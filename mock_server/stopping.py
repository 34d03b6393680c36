"""SIGINT and SIGTERM for `serve` from the first instant: kept light (standard library only) on purpose."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

STOP_LINE = "bland-sms-mock stopped."
"""What `serve` prints when a signal stops it."""


class StopSignals:
    """SIGINT and SIGTERM for `serve` before the server owns them: stop a start-up at once, else remember them.

    The console script installs them before it imports anything else (see `bland_sms_mock.entry`), so that a
    stop during start-up (a big seed file loading) ends `serve` at once with the same one line and status 0
    as a stop of a running server.
    """

    def __init__(self) -> None:
        self.received: int | None = None
        self._at_once = False

    def install(self) -> StopSignals:
        """Take SIGINT and SIGTERM over from Python's defaults."""
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._handle)
        return self

    def _handle(self, signum: int, _frame: Any) -> None:
        self.received = signum
        if self._at_once:
            _stop_now()

    @contextmanager
    def stop_at_once(self) -> Iterator[None]:
        """Inside this block a stop signal ends the process at once, with the stop line and status 0.

        For start-up only: nothing is bound or accepted yet, so nothing can be lost, and ending right away
        is safer than raising into whatever the main thread is doing (an import, a held lock).
        """
        if self.received is not None:
            _stop_now()
        self._at_once = True
        try:
            yield
        finally:
            self._at_once = False


def _stop_now() -> None:
    with suppress(Exception):  # a signal can land inside a write; what is lost then is start-up chatter
        sys.stdout.flush()
    os.write(sys.stdout.fileno(), (STOP_LINE + "\n").encode())
    os._exit(0)


_installed: StopSignals | None = None


def install() -> StopSignals:
    """The process's `StopSignals`, installed on first call (later calls return the same one)."""
    global _installed
    if _installed is None:
        _installed = StopSignals().install()
    return _installed
