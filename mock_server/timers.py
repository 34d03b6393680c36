"""Due-time heap of conversation timers (warnings and timeouts), fired in due order."""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from typing import Literal

TimerKind = Literal["warning", "timeout"]


@dataclass(order=True, slots=True)
class Timer:
    """One scheduled timer; stale once its conversation's generation has moved on."""

    due_ms: int
    seq: int
    conversation_id: str = field(compare=False)
    kind: TimerKind = field(compare=False)
    generation: int = field(compare=False)


class TimerQueue:
    """A min-heap of timers; cancelling is lazy (a bumped generation makes entries stale)."""

    def __init__(self) -> None:
        self._heap: list[Timer] = []
        self._seq = itertools.count()

    def schedule(self, due_ms: int, conversation_id: str, kind: TimerKind, generation: int) -> None:
        """Add a timer."""
        heapq.heappush(self._heap, Timer(due_ms, next(self._seq), conversation_id, kind, generation))

    def next_due_ms(self) -> int | None:
        """When the earliest timer falls due (it may be a cancelled one), or None when there is none."""
        heap = self._heap
        return heap[0].due_ms if heap else None

    def pop_due(self, now_ms: int) -> Timer | None:
        """Remove and return the earliest timer due at or before `now_ms`, or None."""
        if self._heap and self._heap[0].due_ms <= now_ms:
            return heapq.heappop(self._heap)
        return None
