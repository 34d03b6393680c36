"""The list engine against brute force: random writes interleaved with lists by any order and filter.

The orders are kept current on every write; a list must answer exactly what sorting and filtering every
conversation of the account from scratch answers, page by page, total included.
"""

from __future__ import annotations

import json
from typing import Any
from unittest.mock import patch

from bland_sms_mock.contracts.models.api import (
    FILTER_FIELD_KIND,
    OPERATORS_BY_KIND,
    CreateRequest,
    FieldKind,
    FilterField,
    ListQuery,
    SendRequest,
    SortDir,
    SortField,
    parse_filters,
)
from bland_sms_mock.mock_server import orders, query
from bland_sms_mock.mock_server.app import create_app
from bland_sms_mock.mock_server.query import compile_filter
from bland_sms_mock.mock_server.request_io import EXTENSION
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mock_support import DEMO_AGENT, DEMO_KEY, PLAIN_AGENT, SECOND_AGENT, TEST_CONFIG

START_MS = 1_767_603_600_000  # 2026-01-05T09:00:00Z
USERS = [f"+155500000{n:02d}" for n in range(8)]
AGENTS = [DEMO_AGENT, SECOND_AGENT, PLAIN_AGENT]
TEXT = ["", "+1555", "0", "01", "3", "pw", "pw_a", "pw_b", "v", "v2", "n1", "node", "+15552223333", "_", "zz"]
TEXT += ["ö", "nöde", "\x00", "e\x00", "d"]  # unicode, and the text columns' separator inside a value and a filter
INSTANTS = [  # the instants writes happen at (the clock moves by whole seconds), and half a millisecond off
    f"2026-01-05T09:{m:02d}:{s:02d}{fraction}Z"
    for m, s in [(0, 0), (0, 1), (0, 31), (2, 11), (10, 1), (15, 1)]
    for fraction in ("", ".0005", ".000999")
] + ["2026-01-05T09:00:00.9995Z", "2026-01-05T09:00:30.9999Z"]
INSTANT_TEXT = ["2026-01-05T09:1", "2026-01-05T09:0", ":00.", "0Z", "5T09", "T10", "2026", "1.000Z", "01.00", "0:01.0"]

values = {
    FieldKind.TEXT: st.sampled_from(TEXT),
    FieldKind.BOOLEAN: st.booleans(),
    FieldKind.INTEGER: st.integers(0, 6),
    FieldKind.OBJECT: st.sampled_from(
        [{"k": "a"}, {"k": "b"}, {"k": 1}, {}, {"k": "a", "n": 2}, {"k": True}, {"k": 1.0}, {"k": {"x": [1.0, "ö"]}}]
    ),
}


@st.composite
def filters(draw: Any) -> dict[str, Any]:
    """One filter the contract accepts, with values that match some of the generated conversations."""
    field = draw(st.sampled_from(list(FilterField)))
    kind = FILTER_FIELD_KIND[field]
    operator = draw(st.sampled_from(sorted(OPERATORS_BY_KIND[kind])))
    if kind is FieldKind.TIMESTAMP:
        pool = INSTANT_TEXT if operator in ("contains", "startsWith", "endsWith") else INSTANTS
        value = draw(st.sampled_from(pool))
    else:
        value = draw(values[kind])
    if operator == "eq" and kind is not FieldKind.OBJECT and draw(st.integers(0, 5)) == 0:
        value = None
    return {"field": field.value, "operator": operator, "value": value}


write = st.one_of(
    st.tuples(
        st.just("create"),
        st.sampled_from(USERS),
        st.sampled_from(AGENTS),
        st.sampled_from(["USER", "AGENT"]),
        st.booleans(),
        st.sampled_from([None, "pw_a", "pw_b", "pw_ö"]),
        st.sampled_from(
            [None, {"k": "a"}, {"k": "b", "n": 2}, {"k": 1}, {"k": True}, {"k": 1.0}, {"k": {"x": [1, "ö"]}}]
        ),
    ),
    st.tuples(
        st.just("send"),
        st.sampled_from(USERS),
        st.sampled_from(AGENTS),
        st.sampled_from([None, "v2", 3]),
        st.sampled_from([None, "n1", "node_2", "nöde", "nod\x00e"]),
    ),
    st.tuples(st.just("patch"), st.integers(0, 50), st.booleans()),
    st.tuples(st.just("delete"), st.integers(0, 50)),
    st.tuples(st.just("delete_messages"), st.integers(0, 50), st.integers(0, 3)),
    st.tuples(st.just("patch"), st.integers(0, 50), st.booleans()),
    st.tuples(st.just("advance"), st.sampled_from([1, 30, 130, 601, 901])),
)
listing = st.tuples(
    st.just("list"),
    st.sampled_from(list(SortField)),
    st.sampled_from(list(SortDir)),
    st.integers(1, 4),
    st.integers(1, 5),
    st.lists(filters(), max_size=3),
)


def _expected(account: Any, query: ListQuery, specs: list) -> tuple[list[str], int]:
    """Brute force: every conversation, filtered, sorted with nulls last and the id breaking ties."""
    kept = [c for c in account.conversations.values() if all(compile_filter(f)(c) for f in specs)]
    field = query.sortBy.value

    def value(c: Any) -> Any:
        return len(c.messages) if field == "message_count" else getattr(c, field)

    present = sorted((c for c in kept if value(c) is not None), key=lambda c: (value(c), c.id))
    nulls = sorted((c for c in kept if value(c) is None), key=lambda c: c.id)
    ordered = present + nulls
    if query.sortDir is SortDir.DESC:
        ordered.reverse()
    start = (query.page - 1) * query.pageSize
    return [c.id for c in ordered[start : start + query.pageSize]], len(kept)


def _apply(store: Any, account: Any, step: tuple) -> None:
    ids = sorted(account.conversations)
    kind = step[0]
    try:
        if kind == "create":
            _, user, agent, sender, new, pathway, data = step
            store.create(
                account,
                CreateRequest(
                    user_number=user,
                    agent_number=agent,
                    message="hi",
                    sender=sender,
                    new_conversation=new,
                    curr_pathway_id=pathway,
                    request_data=data,
                ),
            )
        elif kind == "send":
            _, user, agent, version, node = step
            store.send(
                account,
                SendRequest(user_number=user, agent_number=agent, pathway_version=version, start_node_id=node),
            )
        elif kind == "advance":
            store.move_clock(advance=step[1])
        elif ids:
            target = ids[step[1] % len(ids)]
            if kind == "patch":
                store.set_active(account, target, step[2])
            elif kind == "delete":
                store.delete(account, target)
            else:
                messages = store.conversation(account, target).messages
                store.delete_messages(account, target, [m.id for m in messages[: step[2]]])
    except Exception as exc:  # a refused write (a conflict on re-activation) changes nothing
        assert getattr(exc, "problems", None), exc


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(write, write, listing), min_size=1, max_size=50))
def test_lists_answer_what_brute_force_answers(steps: list[tuple]) -> None:
    """After any interleaving of writes and clock moves, every list equals sorting and filtering from scratch."""
    _check(steps)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.one_of(write, write, listing), min_size=1, max_size=50),
    st.booleans(),
    st.sampled_from([0, 0.3, 1, 8]),
)
def test_lists_answer_alike_on_the_paths_for_many_matches(steps: list[tuple], tally: bool, worth: float) -> None:
    """The same, with the thresholds lowered so small accounts take the paths big ones take for many matches
    (a text filter counted, by its distinct texts or in C, then a walk of the order with the filters' test
    that lists the matches part way or never; `re` finding every one).
    """
    with (
        patch.object(query, "_SLACK", 0),
        patch.object(query, "_LIST_COST", worth),
        patch.object(query, "_SEARCH_COST", worth),
        patch.object(orders, "_FEW", 0),
        patch.object(orders, "_TALLY_MOST", 256 if tally else -1),
        patch.object(orders, "_PIECE", 3),  # a column joined from pieces of 3 texts
    ):
        _check(steps)


def _check(steps: list[tuple]) -> None:
    app = create_app(TEST_CONFIG)
    store = app.extensions[EXTENSION]
    store.move_clock(set_ms=START_MS)
    account = store.account_for_key(DEMO_KEY)
    for field in SortField:  # every order in use from the first write on, so each write must keep them all
        store.list(
            account,
            ListQuery(sortBy=field),
            parse_filters('[{"field":"current_node_id","operator":"eq","value":"n1"}]'),
        )
    for field, kind in FILTER_FIELD_KIND.items():  # and every text column and the variables index, likewise
        if "contains" in OPERATORS_BY_KIND[kind]:
            value = {"k": "a"} if kind is FieldKind.OBJECT else "0"
            raw = json.dumps([{"field": field.value, "operator": "contains", "value": value}])
            store.list(account, ListQuery(), parse_filters(raw))
    for step in [*steps, ("list", SortField.UPDATED_AT, SortDir.DESC, 1, 100, [])]:
        if step[0] != "list":
            _apply(store, account, step)
            continue
        _, sort_by, sort_dir, page, page_size, raw = step
        query = ListQuery(sortBy=sort_by, sortDir=sort_dir, page=page, pageSize=page_size)
        specs = parse_filters(json.dumps(raw)) if raw else []
        items, total = store.list(account, query, specs)
        assert ([item["id"] for item in items], total) == _expected(account, query, specs), (sort_by, sort_dir, raw)


def test_instant_filters_round_sub_millisecond_bounds_like_brute_force() -> None:
    """Stored instants are whole milliseconds; a bound between two of them must split them as brute force does."""
    app = create_app(TEST_CONFIG)
    store = app.extensions[EXTENSION]
    store.move_clock(set_ms=START_MS)
    account = store.account_for_key(DEMO_KEY)
    for user in USERS[:3]:
        store.create(account, CreateRequest(user_number=user, agent_number=PLAIN_AGENT, message="hi"))
        store.move_clock(advance=0.001)
    matched = set()
    for operator in ("eq", "gt", "gte", "lt", "lte"):
        for instant in ("09:00:00.0005", "09:00:00.001", "09:00:00.0015", "09:00:00.000999", "08:59:59.9995"):
            for field in ("created_at", "updated_at"):
                raw = [{"field": field, "operator": operator, "value": f"2026-01-05T{instant}Z"}]
                query, specs = ListQuery(pageSize=10), parse_filters(json.dumps(raw))
                items, total = store.list(account, query, specs)
                assert ([item["id"] for item in items], total) == _expected(account, query, specs), raw
                matched.add(total)
    assert matched == {0, 1, 2, 3}  # the bounds fell on both sides of the stored instants
    for operator, text, count in [
        ("contains", "0:00.00", 3),  # across the second's text and its milliseconds
        ("contains", "T09:00:00", 3),  # within the second's text
        ("contains", ":00.001", 1),
        ("endsWith", "00.001Z", 1),
        ("endsWith", "2Z", 1),
        ("contains", "T10", 0),
    ]:
        raw = [{"field": "created_at", "operator": operator, "value": text}]
        query, specs = ListQuery(pageSize=10), parse_filters(json.dumps(raw))
        items, total = store.list(account, query, specs)
        assert ([item["id"] for item in items], total) == _expected(account, query, specs), raw
        assert total == count, raw


BROAD = [  # filters most conversations pass, so a page is found by walking an order with the filters' test
    ("message_count", "gte", 1),
    ("message_count", "eq", 1),
    ("is_active", "eq", True),
    ("created_at", "gte", "2026-01-05T09:00:00Z"),
    ("updated_at", "lt", "2026-01-05T10:00:00Z"),
    ("updated_at", "startsWith", "2026-01-05T09"),
    ("created_at", "contains", "2026"),
    ("updated_at", "endsWith", "Z"),
    ("agent_number", "startsWith", "+1"),
    ("user_number", "contains", "5"),
    ("user_number", "endsWith", "0"),
    ("curr_pathway_id", "eq", None),
    ("current_node_id", "eq", None),
    ("timed_out_at", "eq", None),
    ("variables", "contains", {"k": "a"}),
    ("curr_pathway_id", "contains", "pw"),
    ("current_node_id", "endsWith", "1"),
]
broad_listing = st.tuples(
    st.just("list"),
    st.sampled_from(list(SortField)),
    st.sampled_from(list(SortDir)),
    st.integers(1, 12),
    st.integers(1, 7),
    st.lists(
        st.sampled_from(BROAD).map(lambda f: dict(zip(("field", "operator", "value"), f, strict=True))),
        min_size=1,
        max_size=2,
    ),
)


def _opening(count: int) -> list[tuple]:
    """`count` new conversations over the users and agents, some on a pathway, some with a variable, a second apart."""
    return [
        step
        for n in range(count)
        for step in (
            (
                "create",
                USERS[n % 8],
                AGENTS[n % 3],
                "USER",
                True,
                "pw_a" if n % 3 else None,
                {"k": "a"} if n % 4 else None,
            ),
            ("advance", 1),
        )
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(20, 60),
    st.lists(st.one_of(write, broad_listing, broad_listing), min_size=10, max_size=30),
    st.sampled_from([0, 0.3, 1, 8]),
    st.booleans(),
)
def test_lists_of_many_matches_answer_what_brute_force_answers(
    count: int, steps: list[tuple], worth: float, eager: bool
) -> None:
    """Filters that pass nearly every conversation, interleaved with writes, any page (the last pages read from
    the far end of the order): a walk with the filters' test that lists the matches part way, at once or never.
    """
    with (
        patch.object(query, "_SLACK", -(10**9) if eager else 0),  # eager: always walk with the test first
        patch.object(query, "_LIST_COST", worth),
        patch.object(query, "_SEARCH_COST", worth),
        patch.object(orders, "_PIECE", 7),
        patch.object(query, "_PROBES", 16),  # the order probed as a big account's would be
    ):
        _check([*_opening(count), *steps])
