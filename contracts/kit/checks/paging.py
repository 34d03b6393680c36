"""Reading whole listings and judging orders without leaning on a [mock] choice.

`list_all` asks for one big page (the mock takes up to 1000) and, when the target refuses that [mock]
bound, notes it and walks pages of the documented default size instead. `order_level` tells whether a
sequence of sort keys is in order at [inferred] level, differs only in [mock] choices (null placement,
`is_active` direction, ties), or neither.
"""

from __future__ import annotations

import math
from typing import Any

from bland_sms_mock.contracts.kit.context import KitContext, Violation, fail
from bland_sms_mock.contracts.models.api import Level

BIG_PAGE = 1000
"""The mock's largest pageSize [mock]; a target may refuse it."""
DEFAULT_PAGE = 25
"""The documented default pageSize: always inside any target's range."""
MAX_PAGES = 200
"""A bound on the pages a walk reads (a target whose totals never end cannot loop the kit)."""
_SMALL_PAGES = "paging:small"


def list_all(ctx: KitContext, params: dict[str, Any] | None = None, *, what: str = "list", **kwargs: Any) -> list:
    """Every item a query matches: one page of 1000, or (when the target refuses that) pages of 25.

    A refusal of the big page is a [mock] note (the bound is the mock's choice) and the walk goes on
    inside the documented range; a 5xx or a refused small page is a violation.

    Raises:
        Violation: the target refused a valid query, or answered 5xx.
    """
    query = dict(params or {})
    if not ctx.cache.get(_SMALL_PAGES):
        exchange = ctx.list({**query, "pageSize": BIG_PAGE, "page": 1}, **kwargs)
        if not 400 <= exchange.status < 500:
            data = ctx.ok(exchange, what)
            total = (exchange.pagination or {}).get("totalItems")
            if not isinstance(total, int) or len(data) >= total:
                return data
        else:
            ctx.cache[_SMALL_PAGES] = True
            ctx.note(
                Violation(
                    f"pageSize {BIG_PAGE} was refused ({exchange.response_line(160)}); the mock takes 1..1000 "
                    f"[mock], so the kit walks pages of {DEFAULT_PAGE} instead",
                    Level.MOCK,
                    [exchange],
                )
            )
    return walk(ctx, query, DEFAULT_PAGE, what=what, **kwargs)


def walk(ctx: KitContext, params: dict[str, Any], size: int, *, what: str = "list", **kwargs: Any) -> list:
    """Pages 1..totalPages of a query at `size` per page, concatenated (at most `MAX_PAGES`)."""
    items: list = []
    page, pages = 1, 1
    while page <= min(pages, MAX_PAGES):
        exchange = ctx.list({**params, "pageSize": size, "page": page}, **kwargs)
        items += ctx.ok(exchange, f"{what} (page {page} of {size})")
        total = (exchange.pagination or {}).get("totalItems")
        if not isinstance(total, int):
            fail(f"{what}: the answer lacks extra.pagination.totalItems", Level.DOCUMENTED)
        pages = math.ceil(total / size)
        page += 1
    return items


def key_orders(keys: list[Any], field: str, direction: str) -> list[list[Any]]:
    """Every order of these keys the contract allows: sorted, nulls at either end, `is_active` either way.

    The first is the mock's own (nulls last in asc, false before true).
    """
    present = [k for k in keys if k is not None]
    nulls = [None] * (len(keys) - len(present))
    descending = direction == "desc"
    orders = []
    for flipped in (False, True) if field == "is_active" else (False,):
        ordered = sorted(present, reverse=descending != flipped)
        mock_nulls_last = not descending
        for nulls_last in (mock_nulls_last, not mock_nulls_last):
            orders.append(ordered + nulls if nulls_last else nulls + ordered)
    return orders


def order_level(got: list[Any], everything: list[Any], field: str, direction: str, start: int = 0) -> Level | None:
    """Judge the keys of a page (`got`, starting at offset `start` of the whole listing's keys).

    None: the keys are exactly the mock's order (any difference is in ties only, left to the caller).
    MOCK: the keys follow an order the contract allows but the mock did not choose. INFERRED: no allowed
    order puts these keys here.
    """
    orders = key_orders(everything, field, direction)
    windows = [order[start : start + len(got)] for order in orders]
    if got == windows[0]:
        return None
    return Level.MOCK if got in windows else Level.INFERRED


def sequence_level(keys: list[Any], field: str, direction: str) -> Level | None:
    """Judge a whole listing's keys: None in the mock's order, MOCK in another allowed order, else INFERRED."""
    return order_level(keys, keys, field, direction)
