"""An account's conversations in sorted order by a field, each order built on first use and kept current on write.

A `FieldOrder` keeps the conversations whose value is set sorted by `(value, id)` and those whose value is
null sorted by id after them: the list endpoint's order [mock] (descending is its exact reverse). A list by
any key, and a range, equality or prefix filter on any field but `variables`, reads one of these instead of
sorting or testing every conversation.

A `TextColumn` holds one field's texts joined in one string, so `contains` / `endsWith` search it in C;
a `VariablesIndex` files conversations by (variable name, JSON value) for `variables` filters.

`Orders` holds an account's orders, text columns and variables index. The `created_at` order exists from
the start; the others are built the first time a list sorts or filters by their field and are kept from
then on, so memory is paid only for orders in use (columns and the index likewise, from the first filter
that needs them). The store takes a conversation out of the orders of changeable fields and the index
before it changes one (`detach`) and puts it back after, recording its texts in the columns (`attach`),
in one place (`Store._changing`).
"""

from __future__ import annotations

import operator
import re
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from itertools import accumulate, chain, islice, repeat
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


_SEPARATOR = "\x00"
_TALLY_MOST = 256
"""A text column counts its distinct texts while they are at most this many (agent numbers, node ids)."""
_PIECE = 4096
"""Texts a column renders at a time when it joins them (and values it looks at before counting them all)."""
_FEW = 1_000
"""Up to this many occurrences, a search steps from one to the next with `str.find` (faster than `re` at
skipping the text between them); past it, `re` finds them all without a Python step each."""


class Slots:
    """A stable place per conversation of an account (in arrival order), shared by its text columns."""

    __slots__ = ("owners", "place")

    def __init__(self, conversations: Iterable[Any]) -> None:
        self.owners: list[Any] = list(conversations)
        """The conversation at each place; None where one was deleted."""
        self.place: dict[str, int] = {c.id: n for n, c in enumerate(self.owners)}


def _offsets(texts: list[str], first: int) -> Iterator[int]:
    """Where the separator before each text lies, when the first one lies at `first`."""
    return accumulate(map(operator.add, map(len, texts[:-1]), repeat(1)), initial=first)


def _compact(offsets: array) -> array:
    """Rising offsets (8 bytes each) in 4 bytes each while the last is under 2 GiB, else as they are."""
    return offsets if offsets and offsets[-1] >= 2**31 else array("i", offsets)


class TextColumn:
    """One field's texts of every conversation of an account joined in one string, searched by `re` in C.

    `values` is aligned with the account's `Slots` (the conversation's own value, so no text is kept twice;
    None for a null or a deleted conversation, written "": a non-empty search never matches it) and kept
    current on every write; the joined string is built from it on the first search after a change that
    moved text lengths, spliced when a text changes length not at all (always so for instants), and
    extended in place when conversations only arrive.
    """

    __slots__ = ("_clean", "_joined", "_starts", "field", "get", "render", "slots", "tally", "values")

    def __init__(self, field: str, render: Callable[[Any], str], slots: Slots) -> None:
        self.field = field
        self.get = value_getter(field)
        self.render = render
        self.slots = slots
        self.values: list[Any] = [self._value(c) for c in slots.owners]
        self.tally: Counter[Any] | None = Counter(islice(self.values, _PIECE))
        """How many conversations hold each value, while they are few distinct values (else None)."""
        self._tally_check()  # many distinct values among the first: no count of every one is built
        if self.tally is not None:
            self.tally = Counter(self.values)
            self._tally_check()
        self._joined: str | None = None
        self._starts = array("i")
        self._clean = True

    def _value(self, conversation: Any) -> Any:
        return None if conversation is None else self.get(conversation)

    def _text(self, value: Any) -> str:
        return "" if value is None else self.render(value)

    def _tally_check(self) -> None:
        if self.tally is not None and len(self.tally) > _TALLY_MOST:
            self.tally = None

    def appended(self, conversations: list[Any]) -> None:
        """Take in conversations just given the last places."""
        new = [self._value(c) for c in conversations]
        self.values += new
        if self.tally is not None:
            self.tally.update(new)
            self._tally_check()
        if self._joined is not None and new:  # the joined string ends with the separator before the first new text
            texts = list(map(self._text, new))
            try:
                self._starts.extend(_offsets(texts, len(self._joined) - 1))
            except OverflowError:  # past 2 GiB: built afresh, with 8-byte offsets
                self._joined = None
                return
            added = _SEPARATOR.join(texts) + _SEPARATOR
            self._clean = self._clean and added.count(_SEPARATOR) == len(texts)
            self._joined += added

    def changed(self, place: int, conversation: Any) -> None:
        """Record the conversation's value at `place` (None: deleted) when it differs from the recorded one."""
        value, was = self._value(conversation), self.values[place]
        if value != was:
            self.values[place] = value
            if (joined := self._joined) is not None:
                text, old = self._text(value), self._text(was)
                if len(text) == len(old):
                    # Same length (always so for instants): splice it in, one copy instead of a join of every text.
                    at = self._starts[place] + 1
                    self._joined = joined[:at] + text + joined[at + len(old) :]
                    self._clean = self._clean and _SEPARATOR not in text
                else:
                    self._joined = None
            if (tally := self.tally) is not None:
                tally[was] -= 1
                if not tally[was]:
                    del tally[was]
                tally[value] += 1
                self._tally_check()

    def _ready(self, want: str) -> str | None:
        """The joined texts (built when a change left them stale), or None when `want` or a text holds the separator."""
        if not want or _SEPARATOR in want:
            return None
        if self._joined is None:
            # In pieces, so the rendered texts (a new string per instant) are never all held at once.
            values, pieces, offsets, end = self.values, [_SEPARATOR], array("q"), 0
            for at in range(0, len(values), _PIECE):
                texts = list(map(self._text, values[at : at + _PIECE]))
                offsets.extend(_offsets(texts, end))  # `end`: where the separator before the piece lies
                pieces.append(_SEPARATOR.join(texts) + _SEPARATOR)
                end += len(pieces[-1])
            self._joined = "".join(pieces)
            self._starts = _compact(offsets)
            self._clean = self._joined.count(_SEPARATOR) == len(values) + 1  # no text holds the separator
        return self._joined if self._clean else None

    def count(self, ends: bool, want: str, worth: Callable[[int], bool] | None = None) -> int | None:
        """How many texts contain (or, with `ends`, end with) the non-empty `want`, counted in C without listing
        them; None as for `search`, and when `worth`, told how often `want` occurs, says counting texts is not
        worth it (the caller lists them instead).
        """
        if (joined := self._ready(want)) is None:
            return None
        if (tally := self.tally) is not None:  # few distinct values: test each once
            test = str.endswith if ends else operator.contains
            return sum(n for value, n in tally.items() if test(self._text(value), want))
        if ends:
            return joined.count(want + _SEPARATOR)
        if worth is not None and not worth(joined.count(want)):
            return None
        # One match per text: the rest of the text after its first occurrence is taken in; the empty group
        # makes every found item the one empty string (nothing built per match).
        return len(re.findall(f"{re.escape(want)}[^{_SEPARATOR}]*()", joined))

    def search(self, ends: bool, want: str) -> list[Any] | None:
        """The conversations whose text contains (or, with `ends`, ends with) the non-empty `want`, in
        arrival order; None when a text or `want` holds the separator (the caller then tests each).
        """
        if (joined := self._ready(want)) is None:
            return None
        starts, owners = self._starts, self.slots.owners
        if ends:
            want += _SEPARATOR
        if joined.count(want) > _FEW:  # many: `re` finds them all in C, one match per text
            pattern = re.escape(want) if ends else f"{re.escape(want)}[^{_SEPARATOR}]*"
            # A match lies in the text after the separators before it: counted from one match to the next, in C.
            at = list(map(re.Match.start, re.finditer(pattern, joined)))
            places = accumulate(map(joined.count, repeat(_SEPARATOR), chain((0,), at), at), initial=-1)
            return list(map(owners.__getitem__, islice(places, 1, None)))
        found, find, at = [], joined.find, joined.find(want)  # few: `str.find` skips between them fastest
        while at >= 0:
            place = bisect_right(starts, at) - 1
            found.append(owners[place])
            at = find(want, starts[place + 1] if place + 1 < len(starts) else len(joined))
        return found


def json_key(value: Any) -> Any:
    """A hashable stand-in for a JSON value, equal for values JSON calls equal (1 and 1.0; never true and 1).

    Values with equal keys may still differ (two big integers that round to one float): a superset, which
    the caller narrows with the exact test.
    """
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, int | float):
        return ("n", float(value))
    if isinstance(value, dict):
        return ("o", frozenset((k, json_key(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("a", tuple(map(json_key, value)))
    return ("s" if isinstance(value, str) else "z", value)


class VariablesIndex:
    """An account's conversations by each (variable name, value) they hold, to find `variables` matches.

    A bucket per `(name, json_key(value))` holds the conversations (by id, in arrival order) whose
    `variables` have that name with a value of that key: every conversation a filter can match is in the
    bucket of each of the filter's pairs.
    """

    __slots__ = ("buckets",)

    def __init__(self, conversations: Iterable[Any]) -> None:
        self.buckets: dict[tuple[str, Any], dict[str, Any]] = {}
        for conversation in conversations:
            self.add(conversation)

    def add(self, conversation: Any) -> None:
        """File a conversation under each of its variables."""
        buckets = self.buckets
        for name, value in conversation.variables.items():
            pair = (name, json_key(value))
            if (bucket := buckets.get(pair)) is None:
                bucket = buckets[pair] = {}
            bucket[conversation.id] = conversation

    def remove(self, conversation: Any) -> None:
        """Take a conversation out of the buckets of its variables (unchanged since it was filed)."""
        buckets = self.buckets
        for name, value in conversation.variables.items():
            pair = (name, json_key(value))
            bucket = buckets[pair]
            del bucket[conversation.id]
            if not bucket:
                del buckets[pair]

    def candidates(self, want: dict[str, Any]) -> Iterable[Any]:
        """The conversations holding every pair of the non-empty `want` with a value of the same key."""
        buckets = [self.buckets.get((name, json_key(value)), {}) for name, value in want.items()]
        return min(buckets, key=len).values()


class Orders:
    """An account's orders by field name: `created_at` always, the others from their first use; and its
    text columns, each from the first search inside a field's texts.
    """

    __slots__ = ("built", "changing", "columns", "slots", "variables")

    def __init__(self) -> None:
        self.built: dict[str, FieldOrder] = {"created_at": FieldOrder("created_at")}
        self.changing: list[FieldOrder] = []
        """The built orders of fields a write can change."""
        self.columns: dict[str, TextColumn] = {}
        self.slots: Slots | None = None
        self.variables: VariablesIndex | None = None
        """Built on the first `variables` filter."""

    def variables_index(self, conversations: Callable[[], Iterable[Any]]) -> VariablesIndex:
        """The conversations by variable, built the first time it is asked for."""
        if self.variables is None:
            self.variables = VariablesIndex(conversations())
        return self.variables

    def column(
        self, field: str, render: Callable[[Any], str], conversations: Callable[[], Iterable[Any]]
    ) -> TextColumn:
        """The text column of `field` (texts rendered by `render`), built the first time it is asked for."""
        column = self.columns.get(field)
        if column is None:
            if self.slots is None:
                self.slots = Slots(conversations())
            column = self.columns[field] = TextColumn(field, render, self.slots)
        return column

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
        """Insert new conversations into every built order and column."""
        for order in self.built.values():
            order.add_all(conversations)
        if self.variables is not None:
            for conversation in conversations:
                self.variables.add(conversation)
        if (slots := self.slots) is not None:
            first = len(slots.owners)
            slots.owners += conversations
            slots.place.update((c.id, first + n) for n, c in enumerate(conversations))
            for column in self.columns.values():
                column.appended(conversations)

    def remove(self, conversation: Any) -> None:
        """Take a conversation out of every built order and column (it is being deleted)."""
        for order in self.built.values():
            order.remove(conversation)
        if self.variables is not None:
            self.variables.remove(conversation)
        if (slots := self.slots) is not None:
            place = slots.place.pop(conversation.id)
            slots.owners[place] = None
            for column in self.columns.values():
                column.changed(place, None)
            if len(slots.place) * 2 < len(slots.owners) - 64:  # mostly holes: start the columns afresh
                self.slots, self.columns = None, {}

    def detach(self, conversation: Any) -> None:
        """Take a conversation out of the orders of changeable fields, before it changes."""
        for order in self.changing:
            order.remove(conversation)
        if self.variables is not None:
            self.variables.remove(conversation)

    def attach(self, conversation: Any) -> None:
        """Put a conversation back into the orders of changeable fields, after it changed."""
        for order in self.changing:
            order.add(conversation)
        if self.variables is not None:
            self.variables.add(conversation)
        if self.columns:
            place = self.slots.place[conversation.id]
            for column in self.columns.values():
                column.changed(place, conversation)
