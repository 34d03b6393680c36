"""Filter, sort and paginate one account's conversations, fast.

The default order (`created_at desc`) reads the account's creation index and sorts nothing; other
orders sort only the conversations that passed the filters.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from bland_sms_mock.contracts.models.api import (
    FILTER_FIELD_KIND,
    FieldKind,
    Filter,
    FilterOperator,
    ListQuery,
    SortDir,
    SortField,
    format_timestamp,
    to_epoch_us,
)
from bland_sms_mock.mock_server.state import Account, Conversation

Predicate = Callable[[Conversation], bool]

_ORDER = {
    FilterOperator.GT: operator.gt,
    FilterOperator.GTE: operator.ge,
    FilterOperator.LT: operator.lt,
    FilterOperator.LTE: operator.le,
    FilterOperator.EQ: operator.eq,
}
_TEXT = {
    FilterOperator.CONTAINS: lambda have, want: want in have,
    FilterOperator.STARTS_WITH: str.startswith,
    FilterOperator.ENDS_WITH: str.endswith,
}


def _getter(field: str) -> Callable[[Conversation], Any]:
    if field == "message_count":
        return lambda c: len(c.messages)
    return operator.attrgetter(field)


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: booleans are not numbers, 1 equals 1.0, objects and arrays compare deeply."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def compile_filter(spec: Filter) -> Predicate:
    """Turn one typed filter into a predicate over conversations."""
    get = _getter(spec.field.value)
    op, want = spec.operator, spec.value
    kind = FILTER_FIELD_KIND[spec.field]
    if want is None:  # only `eq null` gets here
        return lambda c: get(c) is None
    if kind is FieldKind.OBJECT:
        if op is FilterOperator.EQ:
            return lambda c: json_equal(get(c), want)
        return lambda c: all(k in get(c) and json_equal(get(c)[k], v) for k, v in want.items())
    if kind is FieldKind.TIMESTAMP:
        if op in _TEXT:
            test = _TEXT[op]
            return lambda c: (ms := get(c)) is not None and test(format_timestamp(ms), want)
        compare, want_us = _ORDER[op], to_epoch_us(want)
        return lambda c: (ms := get(c)) is not None and compare(ms * 1000, want_us)
    if op is FilterOperator.CONTAINS:
        return lambda c: (have := get(c)) is not None and want in have
    if op in _TEXT:
        test = _TEXT[op]
        return lambda c: (have := get(c)) is not None and test(have, want)
    compare = _ORDER[op]
    return lambda c: (have := get(c)) is not None and compare(have, want)


def _sort_key(field: SortField) -> Callable[[Conversation], tuple]:
    """Key with nulls larger than any value and the id as the tie-break [mock]."""
    get = _getter(field.value)

    def key(conversation: Conversation) -> tuple:
        value = get(conversation)
        return (1, 0, conversation.id) if value is None else (0, value, conversation.id)

    return key


def _every(predicates: list[Predicate]) -> Predicate:
    """One predicate that holds when all hold (the lone predicate itself when there is one)."""
    if len(predicates) == 1:
        return predicates[0]
    if len(predicates) == 2:
        first, second = predicates
        return lambda c: first(c) and second(c)
    return lambda c: all(p(c) for p in predicates)


def _ascending(account: Account, field: SortField, version: int | None) -> list[Conversation]:
    """The account's conversations sorted ascending by `field`, kept on the account until the store changes."""
    cached = account.orders.get(field)
    if version is not None and cached is not None and cached[0] == version:
        return cached[1]
    ordered = sorted(account.conversations.values(), key=_sort_key(field))
    if version is not None:
        account.orders = {f: entry for f, entry in account.orders.items() if entry[0] == version}
        account.orders[field] = (version, ordered)
    return ordered


def select(
    account: Account, params: ListQuery, filters: list[Filter], version: int | None = None
) -> tuple[list[Conversation], int]:
    """Return one page of matching conversations in order, and the number that match in all.

    `version` is the store's change counter; with it, orders other than the default are cached between calls.
    """
    start = (params.page - 1) * params.pageSize
    descending = params.sortDir is SortDir.DESC
    predicates = [compile_filter(f) for f in filters]
    if params.sortBy is SortField.CREATED_AT:
        index = account.by_created
        if not predicates:
            size = len(index)
            stop = start + params.pageSize
            if descending:  # islice(a, b, reverse=True) walks [a:b] backwards, so mirror the window
                return list(index.islice(max(size - stop, 0), max(size - start, 0), reverse=True)), size
            return list(index.islice(start, stop)), size
        ordered = reversed(index) if descending else iter(index)
        matching = list(filter(_every(predicates), ordered))
    else:
        ordered = _ascending(account, params.sortBy, version)
        # The sort key ends with the unique id, so the reversed ascending order is exactly the descending one.
        matching = list(filter(_every(predicates), ordered)) if predicates else ordered
        if descending:
            total = len(matching)
            window = matching[max(total - start - params.pageSize, 0) : max(total - start, 0)]
            return window[::-1], total
    return matching[start : start + params.pageSize], len(matching)
