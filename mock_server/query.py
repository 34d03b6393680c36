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
from math import isqrt
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


_SLACK = 64
"""Conversations added to the length a page walk is expected to take (matches are not spread exactly evenly)."""
_TEST_COST = {FieldKind.TIMESTAMP: 8, FieldKind.OBJECT: 20}
"""How many cheap tests (a comparison, a substring test) one filter's test costs on one conversation, by the
field's kind where it is not 1: an instant's text is rendered first, a JSON object compared deeply."""
_LIST_COST = 0.5
"""How many cheap tests listing one match of a run and filing it in a set costs."""
_SEARCH_COST = 8
"""How many cheap tests listing one match of a text column's search costs (a step in Python per match)."""


def _within(order: FieldOrder, low: int, high: int) -> Predicate:
    """The test a conversation passes when it lies in the run [low, high) of `order`: a value between the
    run's first and last (a run never splits equal values), or a null for the run of nulls. As cheap as a
    test gets, and equal to the filter the run answers whatever the filter's own test costs.
    """
    get, values = order.get, order.values
    if low >= len(values):
        return lambda c: get(c) is None
    if low >= high:
        return lambda c: False
    first, last = get(values[low]), get(values[high - 1])
    if first == last:
        return lambda c: get(c) == first
    return lambda c: (v := get(c)) is not None and first <= v <= last


def _sorted(field: SortField, matches: list[Conversation], start: int, stop: int, descending: bool) -> list[Any]:
    """Positions [start, stop) of the matches sorted as the order by `field` lists them."""
    return sorted(matches, key=_sort_key(field), reverse=descending)[start:stop]


_PROBES = 64
"""Conversations of an order a long walk with a test probes first, one per stretch, to see where matches lie."""
_GOLDEN = 0.6180339887498949


def _far(order: FieldOrder, test: Predicate, descending: bool, total: int) -> int:
    """About how many conversations a walk of the order passes before its first matches: the probe before the
    first one that passes `test` (0 when the order is too short, or `total` matches too few, to tell), the
    whole order when none passes.
    """
    step = len(order) // _PROBES
    if not step or step < _SLACK or total * _PROBES < len(order) * 4:  # under 4 probes would pass, spread evenly
        return 0
    for n in range(_PROBES):
        at = n * step + int(n * _GOLDEN % 1 * step)  # each in its own stretch, off any period the data has
        if test(order.window(at, at + 1, descending)[0]):
            # A first pass this late is more than chance when matches are spread evenly: they lie further on.
            return (n - 1) * step if n * total >= len(order) * 2 else 0
    return len(order)


def _arrange(
    order: FieldOrder,
    field: SortField,
    total: int,
    matches: Callable[[], list[Conversation]],
    start: int,
    stop: int,
    descending: bool,
    test: Predicate | None = None,
    reach: int = 0,
) -> list[Conversation]:
    """Page [start, stop) of the `total` conversations passing the filters (listed by `matches()`), in the order.

    A page nearer the far end of the matches is read from that end. With a `test` of the filters, the walk
    of the order first tests each conversation it reads, up to `reach` of them (what listing the matches is
    worth), when evenly spread matches would fill the page within that and probes of the order find matches
    that near (`_far`); past it, it lists the matches and
    tests membership in a set of them, cheaper per conversation read. It reads at most 16 conversations per
    match (matches may cluster at the far end of the order); past that budget, or when the matches are few,
    it sorts them instead. Either way the cost stays within a small multiple of the cheapest of these.
    """
    stop = min(stop, total)
    if start >= stop:
        return []
    if total - start < stop:  # fewer matches to pass from the far end
        flipped = (total - stop, total - start, not descending)
        return _arrange(order, field, total, matches, *flipped, test, reach)[::-1]
    budget = max(total * 16, stop)
    if budget < stop * 4:  # so few matches that a walk would read more than sorting them costs
        return _sorted(field, matches(), start, stop, descending)
    walk = islice(order.walk(descending), budget)
    found: list[Conversation] = []
    spread = stop * len(order) // total * 2 + _SLACK  # twice the walk evenly spread matches fill the page in
    if test is not None and spread <= reach and _far(order, test, descending, total) < reach:
        found = list(islice(filter(test, islice(walk, reach)), stop))
        if len(found) >= stop or reach >= min(budget, len(order)):
            return found[start:stop]
    found += islice(filter(set(matches()).__contains__, walk), stop - len(found))
    if len(found) >= stop or budget >= len(order):
        return found[start:stop]
    return _sorted(field, matches(), start, stop, descending)


def _cost(spec: Filter) -> int:
    """What testing one conversation against a filter costs, in cheap tests."""
    return _TEST_COST.get(FILTER_FIELD_KIND[spec.field], 1)


def select(account: Account, params: ListQuery, filters: list[Filter]) -> tuple[list[Conversation], int]:
    """Return one page of matching conversations in order, and the number that match in all.

    The page is read from the account's order by `sortBy`; the filter with the fewest matches that an order
    answers (a range, an equality, a prefix, a null) picks the candidates, and the other filters test them.
    A lone filter is counted without listing its matches where it can be, and the page found by walking the
    order with its test (`_arrange`).
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
    tests: dict[int, Predicate] = {}
    """Each filter's test by its place in `filters`: the run's bounds for one an order answers."""
    for n, spec in enumerate(filters):
        if FILTER_FIELD_KIND[spec.field] is not FieldKind.OBJECT:
            field_order = orders(spec.field.value)
            if (found := _run(field_order, spec)) is not None:
                runs.append((found[1] - found[0], n, field_order, found))
                tests[n] = _within(field_order, *found)
    for n, spec in enumerate(filters):
        tests.setdefault(n, compile_filter(spec))
    answered = {run[1] for run in runs}
    cost = sum(1 if n in answered else _cost(spec) for n, spec in enumerate(filters))
    unanswered = [n for n in range(len(filters)) if n not in answered]
    shortest = min(runs, key=lambda run: run[0]) if runs else None
    # A run drives unless it holds much of the account and a filter no order answers can make one fast pass.
    if shortest is not None and (not unanswered or shortest[0] * 8 <= len(account.conversations)):
        total, driver, driver_order, (low, high) = shortest
        others = [tests[n] for n in range(len(filters)) if n != driver]
        if not others:
            if driver_order is order:
                return order.window(start, stop, descending, low, high), total
            matches = partial(driver_order.between, low, high)
            reach = int(total * _LIST_COST)
            page = _arrange(order, params.sortBy, total, matches, start, stop, descending, tests[driver], reach)
            return page, total
        matching = list(filter(_every(others), driver_order.between(low, high)))
    else:
        driver, driver_order = unanswered[0], None
        spec = filters[driver]
        if len(filters) == 1 and (column := _column(account, spec)) is not None:
            # Counted in C where it can be, the page then read by walking the order with the filter's test: the
            # list of matches is built only if the walk runs out.
            ends = spec.operator is FilterOperator.ENDS_WITH
            # Fewer matches than this make a walk cost more than listing them (`_arrange`): list them instead.
            at_least = isqrt(int(2 * stop * len(order) * cost / _SEARCH_COST)) if _SEARCH_COST else len(order) + 1

            def worth(occurrences: int) -> bool:  # whether a walk is likely to find the page: then count
                reach = occurrences * _SEARCH_COST / cost
                return occurrences >= at_least and _far(order, tests[0], descending, occurrences) < reach

            if (total := column.count(ends, spec.value, worth)) is not None:
                matches = partial(column.search, ends, spec.value)
                reach = int(total * _SEARCH_COST / cost)
                return _arrange(order, params.sortBy, total, matches, start, stop, descending, tests[0], reach), total
        matching = _scan(account, spec, orders)
        if others := [tests[n] for n in range(len(filters)) if n != driver]:
            matching = list(filter(_every(others), matching))
    total = len(matching)
    if driver_order is order:  # already in the page's order
        if descending:
            return matching[max(total - stop, 0) : max(total - start, 0)][::-1], total
        return matching[start:stop], total
    reach = int(total * _LIST_COST) // cost
    page = _arrange(
        order, params.sortBy, total, lambda: matching, start, stop, descending, _every(list(tests.values())), reach
    )
    return page, total
