"""Filter, sort and paginate one account's conversations, fast.

Every order is read from the account's sorted orders (`orders.py`), kept current on every write: a list
sorts nothing. Filters an order answers (ranges, equalities, prefixes, nulls) find their matches by
binary search; `contains` / `endsWith` search the field's text column, `variables` filters read the
variables index; what none of them answers makes one pass over the conversations.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from functools import partial
from itertools import compress, islice, repeat
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
from bland_sms_mock.mock_server.orders import FieldOrder, TextColumn, value_getter
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
    get = value_getter(spec.field.value)
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
    """Key with nulls larger than any value and the id as the tie-break [mock] (the orders' own order)."""
    get = value_getter(field.value)

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


_FIRST_MS, _LAST_MS = -30_610_224_000_000, 253_402_300_799_999
"""Instants from year 1000 to 9999: their ISO text is fixed-width, so it sorts as they do."""
_MILLIS = [f"{n:03d}Z" for n in range(1000)]


def _run(order: FieldOrder, spec: Filter) -> tuple[int, int] | None:
    """The filter's matches as a run of ascending positions of the field's order, when an order answers it."""
    op, want = spec.operator, spec.value
    kind = FILTER_FIELD_KIND[spec.field]
    if want is None:
        return order.nulls_run()
    if kind is FieldKind.TIMESTAMP:
        if op is FilterOperator.STARTS_WITH:
            values = order.values
            if not values or order.get(values[0]) < _FIRST_MS or order.get(values[-1]) > _LAST_MS:
                return None
            return order.text_run(format_timestamp, want)
        if op in _TEXT:
            return None
        us = to_epoch_us(want)  # a stored instant in ms compares as ms * 1000 with the filter's microseconds
        if op is FilterOperator.EQ:
            return order.run("eq", us // 1000) if us % 1000 == 0 else (0, 0)
        floor, ceiling = us // 1000, -(-us // 1000)
        bound = {FilterOperator.GT: floor, FilterOperator.GTE: ceiling, FilterOperator.LT: ceiling}
        return order.run(op.value, bound.get(op, floor))
    if op is FilterOperator.STARTS_WITH:
        return order.prefix_run(want)
    if op in _TEXT:
        return None
    return order.run(op.value, want)


_RENDER: dict[FieldKind, Callable[[Any], str]] = {FieldKind.TEXT: str, FieldKind.TIMESTAMP: format_timestamp}
"""How a field's values are written in its text column, by kind."""


def _has_number(value: Any) -> bool:
    """Whether a JSON value holds a number anywhere (numbers share an index key with ones they do not equal)."""
    if isinstance(value, dict):
        return any(map(_has_number, value.values()))
    if isinstance(value, list):
        return any(map(_has_number, value))
    return isinstance(value, int | float) and not isinstance(value, bool)


def _column(account: Account, spec: Filter) -> TextColumn | None:
    """The text column that answers a `contains` or `endsWith` filter (built on first use), if it is one."""
    kind = FILTER_FIELD_KIND[spec.field]
    if spec.operator not in (FilterOperator.CONTAINS, FilterOperator.ENDS_WITH) or kind not in _RENDER:
        return None
    return account.orders.column(spec.field.value, _RENDER[kind], account.conversations.values)


def _scan(account: Account, spec: Filter, orders: Callable[[str], FieldOrder]) -> list[Conversation]:
    """Every conversation that passes a filter no order answers, by one pass in the fastest form for it."""
    op, want, field = spec.operator, spec.value, spec.field.value
    kind = FILTER_FIELD_KIND[spec.field]
    column = _column(account, spec)
    if column is not None and (found := column.search(op is FilterOperator.ENDS_WITH, want)) is not None:
        return found
    if kind is FieldKind.TEXT and op in _TEXT:
        # In creation order, which is the order the conversations lie in memory: a pass in a field's sorted
        # order would jump across the heap and run several times slower on a big account.
        conversations = account.conversations.values()
        pairs = zip(conversations, map(value_getter(field), conversations), strict=True)
        if op is FilterOperator.CONTAINS:
            return [c for c, v in pairs if v is not None and want in v]
        size = len(want)
        if not size:
            return [c for c, v in pairs if v is not None]
        if op is FilterOperator.STARTS_WITH:
            return [c for c, v in pairs if v is not None and v[:size] == want]
        return [c for c, v in pairs if v is not None and v[-size:] == want]
    if kind is FieldKind.TIMESTAMP and op in _TEXT:
        values, get = orders(field).values, operator.attrgetter(field)
        if op is FilterOperator.ENDS_WITH and len(want) <= len(_MILLIS[0]):  # only the milliseconds decide
            endings = {n for n, text in enumerate(_MILLIS) if text.endswith(want)}
            return list(compress(values, map(endings.__contains__, map(operator.mod, map(get, values), repeat(1000)))))
        return _scan_instants(orders(field), op, want)
    if kind is FieldKind.OBJECT and want:  # the index's candidates, then the exact JSON test
        candidates = account.orders.variables_index(account.conversations.values).candidates(want)
        if len(want) == 1 and not _has_number(want):  # the one bucket holds exactly the JSON-equal values
            if op is FilterOperator.CONTAINS:
                return list(candidates)
            return [c for c in candidates if len(c.variables) == 1]
        return list(filter(compile_filter(spec), candidates))
    return list(filter(compile_filter(spec), account.conversations.values()))


def _scan_instants(order: FieldOrder, op: FilterOperator, want: str) -> list[Conversation]:
    """Instants whose ISO text contains or ends with `want`, one second at a time: the text of a second's
    instants differs only in its last four characters (`mmmZ`), so a second whose text holds `want`
    matches whole, one where no match can reach into those characters is skipped whole, and only the
    others test their instants one by one.
    """
    values, test = order.values, _TEXT[op]
    tail = len(_MILLIS[0])
    if op is FilterOperator.CONTAINS:

        def whole(head: str) -> bool:
            return want in head

        def possible(head: str) -> bool:
            return len(want) <= tail or any(head.endswith(want[:j]) for j in range(len(want) - tail, len(want)))
    else:

        def whole(head: str) -> bool:
            return False

        def possible(head: str) -> bool:
            return head.endswith(want[:-tail])

    found: list[Conversation] = []
    position, size = 0, len(values)
    while position < size:
        second = order.get(values[position]) // 1000
        end = values.bisect_key_left(((second + 1) * 1000,))
        head = format_timestamp(second * 1000)[:-tail]
        if whole(head):
            found.extend(values.islice(position, end))
        elif possible(head):
            found.extend(
                c for c in values.islice(position, end) if test(head + _MILLIS[order.get(c) - second * 1000], want)
            )
        position = end
    return found


_SET_AT_MOST = 4096
"""Up to this many matches, a page walk tests membership in a set of them; past it, it runs the filters
(building a set of tens of thousands of conversations costs more than testing the few a page walk reads)."""


def _cheap(spec: Filter) -> bool:
    """Whether a filter's predicate is cheap enough to run on every conversation a page walk reads."""
    return FILTER_FIELD_KIND[spec.field] is not FieldKind.OBJECT


def _arrange(
    order: FieldOrder,
    field: SortField,
    filters: list[Filter],
    total: int,
    matches: Callable[[], list[Conversation]],
    start: int,
    stop: int,
    descending: bool,
) -> list[Conversation]:
    """Page [start, stop) of the `total` conversations passing `filters` (listed by `matches()`), in the order.

    Walks the order until the page is full, reading at most 16 conversations per match (matches may
    cluster at the far end of the order); past that budget, or when the matches are few, sorts them instead.
    Either way the cost stays within a small multiple of sorting the matches, and of one pass over the order.
    """
    if not total:
        return []
    budget = max(total * 16, stop)
    if budget < stop * 4:  # so few matches that a walk would read more than sorting them costs
        return sorted(matches(), key=_sort_key(field), reverse=descending)[start:stop]
    walk = islice(order.walk(descending), budget)
    found: list[Conversation] = []
    if total > _SET_AT_MOST and all(_cheap(spec) for spec in filters):
        # Run the filters over twice the stretch evenly spread matches would fill the page in; matches
        # clustered further on are then found by membership in a set of them, cheaper per conversation read.
        expected = 2 * stop * len(order) // total + 64
        found = list(filter(_every([compile_filter(spec) for spec in filters]), islice(walk, expected)))
        if len(found) >= stop:
            return found[start:stop]
    found += islice(filter(set(matches()).__contains__, walk), stop - len(found))
    if len(found) >= stop or budget >= len(order):
        return found[start:stop]
    return sorted(matches(), key=_sort_key(field), reverse=descending)[start:stop]


def select(account: Account, params: ListQuery, filters: list[Filter]) -> tuple[list[Conversation], int]:
    """Return one page of matching conversations in order, and the number that match in all.

    The page is read from the account's order by `sortBy`; the filter with the fewest matches that an order
    answers (a range, an equality, a prefix, a null) picks the candidates, and the other filters test them.
    """
    start = (params.page - 1) * params.pageSize
    stop = start + params.pageSize
    descending = params.sortDir is SortDir.DESC

    def orders(field: str) -> FieldOrder:
        return account.orders.get(field, account.conversations.values)

    order = orders(params.sortBy.value)
    if not filters:
        return order.window(start, stop, descending), len(order)
    runs = []
    for spec in filters:
        if FILTER_FIELD_KIND[spec.field] is not FieldKind.OBJECT:
            field_order = orders(spec.field.value)
            if (found := _run(field_order, spec)) is not None:
                runs.append((found[1] - found[0], spec, field_order, found))
    unanswered = [spec for spec in filters if all(spec is not run[1] for run in runs)]
    shortest = min(runs, key=lambda run: run[0]) if runs else None
    # A run drives unless it holds much of the account and a filter no order answers can make one fast pass.
    if shortest is not None and (not unanswered or shortest[0] * 8 <= len(account.conversations)):
        total, driver, driver_order, (low, high) = shortest
        others = [compile_filter(spec) for spec in filters if spec is not driver]
        if not others:
            if driver_order is order:
                return order.window(start, stop, descending, low, high), total
            matches = partial(driver_order.between, low, high)
            return _arrange(order, params.sortBy, filters, total, matches, start, stop, descending), total
        matching = list(filter(_every(others), driver_order.between(low, high)))
    else:
        driver, driver_order = unanswered[0], None
        if len(filters) == 1 and (column := _column(account, driver)) is not None:
            # Many matches: count them in C and read the page by walking the order with the filter, so the
            # list of matches is built only if the walk runs out.
            ends = driver.operator is FilterOperator.ENDS_WITH
            if (total := column.count(ends, driver.value)) is not None and total > _SET_AT_MOST:
                matches = partial(column.search, ends, driver.value)
                return _arrange(order, params.sortBy, filters, total, matches, start, stop, descending), total
        matching = _scan(account, driver, orders)
        if others := [compile_filter(spec) for spec in filters if spec is not driver]:
            matching = list(filter(_every(others), matching))
    total = len(matching)
    if driver_order is order:  # already in the page's order
        if descending:
            return matching[max(total - stop, 0) : max(total - start, 0)][::-1], total
        return matching[start:stop], total
    page = _arrange(order, params.sortBy, filters, total, lambda: matching, start, stop, descending)
    return page, total
