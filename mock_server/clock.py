"""The mock's clock: real time by default, frozen, set or advanced on demand.

Only this module reads wall time, and it reads it through `datetime.now`, so freezegun moves it in-process.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from bland_sms_mock.contracts.models.api import to_epoch_ms


def system_now_ms() -> int:
    """Read wall time (as freezegun sees it) in epoch milliseconds."""
    return to_epoch_ms(datetime.now(UTC))


class Clock:
    """A clock that follows real time plus an offset, or stands still at a frozen instant."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset_ms = 0
        self._frozen_at: int | None = None

    def now_ms(self) -> int:
        """Return the mock's current time in epoch milliseconds."""
        frozen = self._frozen_at
        return frozen if frozen is not None else system_now_ms() + self._offset_ms

    @property
    def frozen(self) -> bool:
        """Whether the clock stands still."""
        return self._frozen_at is not None

    def freeze(self) -> int:
        """Stop the clock at the current instant and return it."""
        with self._lock:
            if self._frozen_at is None:
                self._frozen_at = system_now_ms() + self._offset_ms
            return self._frozen_at

    def resume(self) -> int:
        """Let time flow again from the frozen instant (no jump back to wall time)."""
        with self._lock:
            if self._frozen_at is not None:
                self._offset_ms = self._frozen_at - system_now_ms()
                self._frozen_at = None
            return self.now_ms()

    def set(self, instant_ms: int, *, frozen: bool | None = None) -> int:
        """Put the clock at `instant_ms`: frozen there (`frozen=True`), running on from it (`False`), or as it was."""
        with self._lock:
            if frozen is None:
                frozen = self._frozen_at is not None
            if frozen:
                self._frozen_at = instant_ms
            else:
                self._frozen_at = None
                self._offset_ms = instant_ms - system_now_ms()
            return instant_ms

    def advance(self, seconds: float, *, frozen: bool | None = None) -> int:
        """Move the clock forward by `seconds` (to the millisecond); it keeps running or frozen unless told."""
        with self._lock:
            start = self._frozen_at if self._frozen_at is not None else system_now_ms() + self._offset_ms
        return self.set(start + round(seconds * 1000), frozen=frozen)

    def reset(self) -> None:
        """Return to real time."""
        with self._lock:
            self._offset_ms = 0
            self._frozen_at = None
