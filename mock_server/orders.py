"""An account's conversations in sorted order by a field, each order built on first use and kept current on write.

A `FieldOrder` keeps the conversations whose value is set sorted by `(value, id)` and those whose value is
null sorted by id after them: the list endpoint's order [mock] (descending is its exact reverse). A list by
any key, and a range, equality or prefix filter on any field but `variables`, reads one of these instead of
sorting or testing every conversation.

`Orders` holds an account's orders. The `created_at` order exists from the start; the others are built the
first time a list sorts or filters by their field and are kept from then on, so memory is paid only for
orders in use. The store takes a conversation out of the orders of changeable fields before it changes
one (`detach`) and puts it back after (`attach`), in one place (`Store._changing`).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from typing import Any

from sortedcontainers import SortedKeyList

IMMUTABLE_FIELDS = frozenset({"created_at", "user_number", "agent_number"})
"""Fields a conversation never changes once stored: their orders need no upkeep on writes."""


class _Above:
    """Greater than any id: `(value, ABOVE)` bounds every key of `value` from above."""

    __slots__ = ()

    def __lt__(self, other: object) -> bool:
        return False

    def __gt__(self, other: object) -> bool:
        return True


ABOVE = _Above()


def value_getter(field: str) -> Callable[[Any], Any]:
    """The conversation's value of a list field (`message_count` is the length of its history)."""
    if field == "message_count":
        return lambda c: len(c.messages)
    return operator.attrgetter(field)


def _key_getter(field: str) -> Callable[[Any], tuple]:
    if field == "message_count":
        return lambda c: (len(c.messages), c.id)
    return operator.attrgetter(field, "id")  # builds the (value, id) tuple in C


_ID = operator.attrgetter("id")


class FieldOrder:
    """One account's conversations in ascending order by one field: values by (value, id), then nulls by id."""

    __slots__ = ("field", "get", "nulls", "values")

    def __init__(self, field: str, conversations: Iterable[Any] = ()) -> None:
        self.field = field
        self.get = value_getter(field)
        self.values: SortedKeyList = SortedKeyList(key=_key_getter(field))
        self.nulls: SortedKeyList = SortedKeyList(key=_ID)
        self.add_all(list(conversations))

    def add_all(self, conversations: list[Any]) -> None:
        """Insert many conversations (one sort when they are many)."""
        get = self.get
        nulls = [c for c in conversations if get(c) is None]
        values = [c for c in conversations if get(c) is not None] if nulls else conversations
        for target, batch in ((self.values, values), (self.nulls, nulls)):
            if len(batch) == 1:
                target.add(batch[0])
            elif batch:
                target.update(batch)

    def add(self, conversation: Any) -> None:
        """Insert one conversation at its place."""
        (self.nulls if self.get(conversation) is None else self.values).add(conversation)

    def remove(self, conversation: Any) -> None:
        """Take out a conversation whose value has not changed since it was inserted."""
        (self.nulls if self.get(conversation) is None else self.values).remove(conversation)

    def __len__(self) -> int:
        return len(self.values) + len(self.nulls)

    def between(self, start: int, stop: int) -> list[Any]:
        """The conversations at ascending positions [start, stop)."""
        split = len(self.values)
        head = list(self.values.islice(start, min(stop, split))) if start < split else []
        if stop <= split:
            return head
        return head + list(self.nulls.islice(max(start - split, 0), stop - split))

    def window(self, start: int, stop: int, descending: bool, low: int = 0, high: int | None = None) -> list[Any]:
        """Positions [start, stop) of the run [low, high) of this order, read ascending or descending."""
        high = len(self) if high is None else high
        if descending:
            return self.between(max(high - stop, low), max(high - start, low))[::-1]
        return self.between(min(low + start, high), min(low + stop, high))

    def walk(self, descending: bool) -> Iterator[Any]:
        """Every conversation in this order, ascending or descending."""
        if descending:
            return chain(reversed(self.nulls), reversed(self.values))
        return chain(self.values, self.nulls)

    def nulls_run(self) -> tuple[int, int]:
        """Ascending positions of the conversations whose value is null."""
        return len(self.values), len(self)

    def run(self, op: str, want: Any) -> tuple[int, int]:
        """Ascending positions of the values `op` `want` (op: eq, gt, gte, lt, lte); nulls never match."""
        values = self.values
        if op in ("eq", "gte", "lt"):
            left = values.bisect_key_left((want,))
        if op in ("eq", "gt", "lte"):
            right = values.bisect_key_right((want, ABOVE))
        return {
            "eq": lambda: (left, right),
            "gt": lambda: (right, len(values)),
            "gte": lambda: (left, len(values)),
            "lt": lambda: (0, left),
            "lte": lambda: (0, right),
        }[op]()

    def prefix_run(self, prefix: str) -> tuple[int, int] | None:
        """Ascending positions of the text values starting with `prefix`, or None when no bound can be built."""
        values = self.values
        if not prefix:
            return 0, len(values)
        last = ord(prefix[-1])
        if last >= 0x10FFFF:
            return None
        after = prefix[:-1] + chr(last + 1)  # every text starting with the prefix sorts in [prefix, after)
        return values.bisect_key_left((prefix,)), values.bisect_key_left((after,))

    def text_run(self, render: Callable[[Any], str], prefix: str) -> tuple[int, int]:
        """Ascending positions of values whose rendering starts with `prefix`, for a rendering that sorts as
        the values do (fixed-width timestamps): two binary searches, rendering only the values probed.
        """
        values = self.values
        return _first(values, lambda c: render(self.get(c)) >= prefix), _first(
            values, lambda c: render(self.get(c)) > prefix and not render(self.get(c)).startswith(prefix)
        )


def _first(values: SortedKeyList, past: Callable[[Any], bool]) -> int:
    """The first position whose conversation passes `past` (which, once true, stays true further on)."""
    low, high = 0, len(values)
    while low < high:
        middle = (low + high) // 2
        if past(values[middle]):
            high = middle
        else:
            low = middle + 1
    return low


class Orders:
    """An account's orders by field name: `created_at` always, the others from their first use."""

    __slots__ = ("built", "changing")

    def __init__(self) -> None:
        self.built: dict[str, FieldOrder] = {"created_at": FieldOrder("created_at")}
        self.changing: list[FieldOrder] = []
        """The built orders of fields a write can change."""

    @property
    def created(self) -> FieldOrder:
        """The order by creation, oldest first."""
        return self.built["created_at"]

    def get(self, field: str, conversations: Callable[[], Iterable[Any]]) -> FieldOrder:
        """The order by `field`, built from `conversations()` the first time it is asked for."""
        order = self.built.get(field)
        if order is None:
            order = self.built[field] = FieldOrder(field, conversations())
            if field not in IMMUTABLE_FIELDS:
                self.changing.append(order)
        return order

    def add_all(self, conversations: list[Any]) -> None:
        """Insert new conversations into every built order."""
        for order in self.built.values():
            order.add_all(conversations)

    def remove(self, conversation: Any) -> None:
        """Take a conversation out of every built order (it is being deleted)."""
        for order in self.built.values():
            order.remove(conversation)

    def detach(self, conversation: Any) -> None:
        """Take a conversation out of the orders of changeable fields, before it changes."""
        for order in self.changing:
            order.remove(conversation)

    def attach(self, conversation: Any) -> None:
        """Put a conversation back into the orders of changeable fields, after it changed."""
        for order in self.changing:
            order.add(conversation)
