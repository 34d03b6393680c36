"""Checks of `GET /v1/sms/conversations`: item fields, defaults, pagination, sorting, filters, bad queries.

They run over a small data set the kit creates (tagged with the run id, and scoped to it with a
`variables` filter), and judge each answer with the oracle's brute-force filter and sort over the
target's own full listing, so other data on a live account cannot confuse them.
"""

from __future__ import annotations

import math
from typing import Any

from bland_sms_mock.contracts.kit.checks.create import coded, refused
from bland_sms_mock.contracts.kit.checks.paging import DEFAULT_PAGE, list_all, sequence_level, walk
from bland_sms_mock.contracts.kit.context import KitContext, Violation, fail
from bland_sms_mock.contracts.kit.oracle import Conversation, Message, matches, sort
from bland_sms_mock.contracts.kit.registry import check
from bland_sms_mock.contracts.models.api import ConversationItem, Level, SortField, parse_timestamp, timestamp_ms

ITEM_FIELDS = tuple(ConversationItem.model_fields)
"""The documented item fields, from the models (never restated by hand)."""
TIME_FIELDS = ("created_at", "updated_at", "last_message_at")

DATA_SET: list[dict[str, Any]] = [
    # Each entry is one conversation: its messages' bodies (beyond numbers), in order.
    {
        "messages": [{"message": "alpha"}],
        "curr_pathway_id": "pw_Alpha",
        "current_node_id": "start",
        "curr_pathway_version": "v1",
        "request_data": {"plan": "pro", "seats": 5},
    },
    {
        "messages": [{"message": "bravo"}, {"message": "bravo 2", "sender": "AGENT"}, {"message": "bravo 3"}],
        "curr_pathway_id": "pw_alpha",
        "current_node_id": "collect_info",
        "request_data": {"plan": "pro"},
    },
    {
        "messages": [{"message": "charlie"}, {"message": "charlie 2", "sender": "AGENT"}, {"message": "charlie 3"}],
        "curr_pathway_id": "billing",
        "curr_pathway_version": "v2",
        "request_data": {"plan": "free", "seats": 1},
    },
    {"messages": [{"message": "delta"}, {"message": "delta 2"}]},
    {
        "messages": [{"message": "echo"}],
        "curr_pathway_id": "pw_beta",
        "current_node_id": "restart",
        "request_data": {"plan": "pro", "seats": 5, "trial": True},
    },
    {"messages": [{"message": "foxtrot"}], "archive": True},
    {"messages": [{"message": "golf"}, {"message": "golf 2"}], "curr_pathway_id": "pw_beta"},
]


def data_set(ctx: KitContext) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Create the data set once per run (with the clock ticking between creates on a mock).

    Returns the target's full listing of it and the hidden fields the kit knows (`curr_pathway_version`,
    `timed_out_at`) by id.
    """
    if "listing" in ctx.cache:
        return ctx.cache["listing"]
    ctx.writing()
    hidden: dict[str, dict[str, Any]] = {}
    for spec in DATA_SET:
        user = ctx.user_number()
        conversation_id = None
        for index, message in enumerate(spec["messages"]):
            _tick(ctx)
            body = ctx.base_body(user, **message)
            if index == 0:
                body.update(
                    {
                        k: spec[k]
                        for k in ("curr_pathway_id", "current_node_id", "curr_pathway_version", "request_data")
                        if k in spec
                    }
                )
            conversation_id = ctx.ok(ctx.create(body), "create")["conversation_id"]
        hidden[conversation_id] = {"curr_pathway_version": spec.get("curr_pathway_version"), "timed_out_at": None}
        if spec.get("archive"):
            _tick(ctx)
            newer = ctx.ok(ctx.create(ctx.base_body(user, message="hotel", new_conversation=True)), "create")
            hidden[newer["conversation_id"]] = {"curr_pathway_version": None, "timed_out_at": None}
    items = list_all(ctx, what="list of the data set")
    missing = set(hidden) - {i.get("id") for i in items if isinstance(i, dict)}
    if missing:
        fail(f"conversations just created are missing from the list: {sorted(missing)}", Level.INFERRED)
    ctx.cache["listing"] = (items, hidden)
    return items, hidden


def _tick(ctx: KitContext) -> None:
    """On a mock with a clock, move it 1 s so that every create has its own instant."""
    if ctx.has_clock:
        ctx.move_clock(1)


def as_conversations(items: list[dict[str, Any]], hidden: dict[str, dict[str, Any]]) -> list[Conversation]:
    """The oracle's view of listed items (timestamps as epoch ms), hidden fields added from what the kit sent."""
    conversations = []
    for item in items:
        if item.get("id") not in hidden:
            continue
        conversation = Conversation(
            id=item["id"],
            account="",
            user_number=item["user_number"],
            agent_number=item["agent_number"],
            created_at=_ms(item["created_at"]),
            updated_at=_ms(item["updated_at"]),
            variables=item.get("variables") or {},
            current_node_id=item.get("current_node_id"),
            curr_pathway_id=item.get("curr_pathway_id"),
            is_active=item["is_active"],
            **hidden[item["id"]],
        )
        count = item.get("message_count") if isinstance(item.get("message_count"), int) else 0
        conversation.messages = [Message("USER", "message", "", 0)] * count
        conversations.append(conversation)
    return conversations


def _ms(text: str | None) -> int | None:
    return timestamp_ms(text) if text else None


@check("list.item_fields", Level.DOCUMENTED, "behaviour", writes=False, group="list")
def list_item_fields(ctx: KitContext) -> None:
    """Every list item carries the documented fields, with ISO timestamps and a boolean is_active."""
    items = ctx.ok(ctx.list({"pageSize": DEFAULT_PAGE}), "list") if ctx.read_only else data_set(ctx)[0]
    for item in items:
        missing = [f for f in ITEM_FIELDS if f not in item]
        if missing:
            fail(f"item {item.get('id')} lacks the documented fields {missing}", Level.DOCUMENTED)
        if not isinstance(item["is_active"], bool) or not isinstance(item["message_count"], int):
            fail(f"item {item.get('id')}: is_active must be a boolean and message_count an integer", Level.INFERRED)
        for name in TIME_FIELDS:
            if item[name] is not None:
                try:
                    parse_timestamp(item[name])
                except (ValueError, TypeError):
                    fail(f"item {item.get('id')}: {name} {item[name]!r} is not an ISO 8601 timestamp", Level.DOCUMENTED)


@check("list.defaults", Level.DOCUMENTED, "behaviour", writes=False, group="list")
def list_defaults(ctx: KitContext) -> None:
    """Without parameters: page 1, 25 per page, newest first by created_at, with the pagination block."""
    if not ctx.read_only:
        data_set(ctx)  # so that the default order is seen over conversations of distinct instants
    exchange = ctx.list({})
    ctx.ok(exchange, "list")
    pagination = exchange.pagination
    if not isinstance(pagination, dict):
        fail("the answer lacks extra.pagination", Level.DOCUMENTED)
    if pagination.get("currentPage") != 1 or pagination.get("pageSize") != 25:
        fail(f"defaults must be page 1 and pageSize 25, got {pagination}", Level.DOCUMENTED)
    stamps = [_ms(i.get("created_at")) for i in exchange.data]
    if stamps != sorted(stamps, reverse=True):
        fail("the default order is not created_at descending", Level.DOCUMENTED)


@check("list.pagination", Level.INFERRED, "behaviour", group="list")
def list_pagination(ctx: KitContext) -> None:
    """Totals are right, totalPages is the ceiling, and walking every page yields each item exactly once."""
    items, _ = data_set(ctx)
    total = len(items)
    for size in (1, 3, 4, total + 1):
        seen: list[str] = []
        pages = math.ceil(total / size)
        for page in range(1, pages + 1):
            exchange = ctx.list({"pageSize": size, "page": page, "sortBy": "created_at", "sortDir": "asc"})
            data = ctx.ok(exchange, "list page")
            pagination = exchange.pagination or {}
            expected = {"totalItems": total, "totalPages": pages, "currentPage": page}
            got = {k: pagination.get(k) for k in expected}
            if got != expected:
                fail(f"pageSize {size} page {page}: pagination {got}, expected {expected}", Level.INFERRED)
            if pagination.get("pageSize") != size:
                message = f"pagination.pageSize {pagination.get('pageSize')} is not the requested {size}"
                ctx.note(Violation(message, Level.MOCK, [exchange]))
            expected_count = min(size, total - (page - 1) * size)
            if len(data) != expected_count:
                fail(f"pageSize {size} page {page} holds {len(data)} items, expected {expected_count}", Level.INFERRED)
            seen += [i.get("id") for i in data]
        if sorted(seen) != sorted(i["id"] for i in items) or len(set(seen)) != len(seen):
            fail(f"walking pages of {size} did not yield every conversation exactly once: {seen}", Level.INFERRED)
    past = ctx.list({"pageSize": total + 1, "page": 3})
    if past.status != 200 or past.data != []:
        fail(f"a page past the end must be 200 with data [] (got {past.response_line(200)})", Level.MOCK)


@check("list.sorting", Level.INFERRED, "behaviour", group="list")
def list_sorting(ctx: KitContext) -> None:
    """Every sort key in both directions orders by that key; ties by id, nulls last (asc), false < true in the mock."""
    items, hidden = data_set(ctx)
    judge_sorts(ctx, as_conversations(items, hidden))


def judge_sorts(ctx: KitContext, conversations: list[Conversation], page_size: int | None = None) -> None:
    """List by every sort key both ways (whole listings, or walks of `page_size`) and judge each order.

    Keys out of order, nulls in the middle, or a walk that repeats or skips a conversation are [inferred];
    null placement, the `is_active` direction and the tie-break are [mock] notes.
    """
    by_id = {c.id: c for c in conversations}
    for field in SortField:
        for direction in ("asc", "desc"):
            query = {"sortBy": field.value, "sortDir": direction}
            what = f"sortBy {field} {direction}"
            if page_size is None:
                data = list_all(ctx, query, what=what)
            else:
                data = walk(ctx, query, page_size, what=what)
                what += f" walked in pages of {page_size}"
            ids = [i.get("id") for i in data]
            if len(set(ids)) != len(ids) or set(ids) != set(by_id):
                repeated = sorted({i for i in ids if ids.count(i) > 1})
                skipped = sorted(set(by_id) - set(ids))
                fail(
                    f"{what}: the listing does not hold every conversation exactly once "
                    f"(repeated {repeated}, missing {skipped})",
                    Level.INFERRED,
                )
            keys = [by_id[i].value(field.value) for i in ids]
            level = sequence_level(keys, field.value, direction)
            if level is Level.INFERRED:
                fail(f"{what}: the keys are out of order: {keys}", Level.INFERRED)
            expected = [c.id for c in sort(conversations, field.value, direction)]
            if level is Level.MOCK:
                ctx.note(Violation(f"{what}: nulls or is_active placed differently from the mock", Level.MOCK))
            elif ids != expected:
                ctx.note(Violation(f"{what}: ties placed differently from the id tie-break", Level.MOCK))


def filter_cases(conversations: list[Conversation]) -> list[tuple[dict[str, Any], Level]]:
    """Filters over every field family and operator, with values taken from the data set."""

    def instant(c: Conversation, name: str) -> str:
        return c.value(name) and _iso_offset(c.value(name))

    by_time = sorted(conversations, key=lambda c: (c.created_at, c.id))
    middle = by_time[len(by_time) // 2]
    some = next((c for c in conversations if c.curr_pathway_id == "pw_alpha"), conversations[0])
    cases: list[tuple[dict[str, Any], Level]] = [
        ({"field": "user_number", "operator": "eq", "value": some.user_number}, Level.INFERRED),
        ({"field": "user_number", "operator": "startsWith", "value": some.user_number[:-2]}, Level.INFERRED),
        ({"field": "user_number", "operator": "endsWith", "value": some.user_number[-4:]}, Level.INFERRED),
        ({"field": "curr_pathway_id", "operator": "contains", "value": "alpha"}, Level.MOCK),
        ({"field": "curr_pathway_id", "operator": "contains", "value": "beta"}, Level.INFERRED),
        ({"field": "curr_pathway_id", "operator": "startsWith", "value": "pw_"}, Level.INFERRED),
        ({"field": "curr_pathway_id", "operator": "endsWith", "value": "ing"}, Level.INFERRED),
        ({"field": "current_node_id", "operator": "endsWith", "value": "t"}, Level.INFERRED),
        ({"field": "curr_pathway_id", "operator": "startsWith", "value": "b"}, Level.INFERRED),
        ({"field": "curr_pathway_id", "operator": "gt", "value": "pw_a"}, Level.INFERRED),
        ({"field": "current_node_id", "operator": "eq", "value": "start"}, Level.INFERRED),
        ({"field": "curr_pathway_version", "operator": "eq", "value": "v2"}, Level.INFERRED),
        ({"field": "curr_pathway_id", "operator": "eq", "value": None}, Level.MOCK),
        ({"field": "agent_number", "operator": "eq", "value": some.agent_number}, Level.INFERRED),
        ({"field": "is_active", "operator": "eq", "value": False}, Level.INFERRED),
        ({"field": "is_active", "operator": "eq", "value": True}, Level.INFERRED),
        ({"field": "message_count", "operator": "eq", "value": 3}, Level.INFERRED),
        ({"field": "message_count", "operator": "gt", "value": 1}, Level.INFERRED),
        ({"field": "message_count", "operator": "gte", "value": 2}, Level.INFERRED),
        ({"field": "message_count", "operator": "lt", "value": 2}, Level.INFERRED),
        ({"field": "message_count", "operator": "lte", "value": 2}, Level.INFERRED),
        ({"field": "created_at", "operator": "gt", "value": instant(middle, "created_at")}, Level.INFERRED),
        ({"field": "created_at", "operator": "gte", "value": instant(middle, "created_at")}, Level.INFERRED),
        ({"field": "created_at", "operator": "lt", "value": instant(middle, "created_at")}, Level.INFERRED),
        ({"field": "created_at", "operator": "lte", "value": instant(middle, "created_at")}, Level.INFERRED),
        ({"field": "created_at", "operator": "eq", "value": instant(middle, "created_at")}, Level.INFERRED),
        ({"field": "updated_at", "operator": "gte", "value": instant(middle, "updated_at")}, Level.INFERRED),
        ({"field": "timed_out_at", "operator": "eq", "value": None}, Level.MOCK),
        ({"field": "variables", "operator": "contains", "value": {"plan": "pro"}}, Level.MOCK),
        ({"field": "variables", "operator": "contains", "value": {"plan": "pro", "seats": 5}}, Level.MOCK),
    ]
    return cases


def _iso_offset(ms: int) -> str:
    """The instant written with a +01:00 offset, so that text comparison of timestamps would go wrong."""
    from datetime import UTC, datetime, timedelta, timezone

    moment = datetime.fromtimestamp(ms / 1000, UTC).astimezone(timezone(timedelta(hours=1)))
    return moment.isoformat(timespec="milliseconds")


@check("list.filters", Level.INFERRED, "behaviour", group="list")
def list_filters(ctx: KitContext) -> None:
    """Each operator on each field family keeps exactly the conversations it should (filters ANDed)."""
    items, hidden = data_set(ctx)
    conversations = as_conversations(items, hidden)
    mock_problems = []
    for spec, level in filter_cases(conversations):
        if level is Level.MOCK:
            probe = ctx.list({"pageSize": 1, "filters": [spec]})
            if 400 <= probe.status < 500:  # the filter's meaning is a [mock] choice: refusing it is one too
                mock_problems.append(f"filter {spec} was refused ({probe.response_line(120)})")
                continue
        data = list_all(ctx, {"filters": [spec]}, what=f"filter {spec}")
        got = sorted(i.get("id") for i in data)
        expected = sorted(c.id for c in conversations if matches(c, spec))
        if got != expected:
            message = f"filter {spec} kept {len(got)} conversations, expected {len(expected)}"
            if level is Level.MOCK:
                mock_problems.append(message)
            else:
                fail(message, level)
    if mock_problems:
        fail("; ".join(mock_problems), Level.MOCK)


@check("list.rejects_bad_query", Level.INFERRED, "behaviour", writes=False, group="list")
def list_rejects_bad_query(ctx: KitContext) -> None:
    """An unknown sortBy or sortDir is refused with the envelope; bad pages and filters too, in the mock."""
    for what, params in (("sortBy last_message", {"sortBy": "last_message"}), ("sortDir up", {"sortDir": "up"})):
        exchange = ctx.list(params, scoped=False)
        refused(exchange, what)
        coded(exchange, what, 400, "INVALID_QUERY", what.split()[0])
    for what, params, code in (
        ("page 0", {"page": 0}, "INVALID_QUERY"),
        ("pageSize 0", {"pageSize": 0}, "INVALID_QUERY"),
        ("filters not JSON", {"filters": "is_active=true"}, "INVALID_FILTERS"),
        (
            "filter on an unknown field",
            {"filters": [{"field": "secret", "operator": "eq", "value": 1}]},
            "INVALID_FILTERS",
        ),
    ):
        exchange = ctx.list(params, scoped=False)
        if exchange.status >= 500:
            fail(f"{what}: answered {exchange.status}", Level.INFERRED)
        coded(exchange, what, 400, code)


TIES_SET: list[dict[str, Any]] = [
    # Heavy ties on every sort key: one agent, two pathway ids and none, counts of 1 and 2, archived pairs,
    # one version or none, no timeout; on a mock the frozen clock gives every conversation one instant.
    {
        "curr_pathway_id": ["pw_t", "pw_u", None][n % 3],
        "curr_pathway_version": "v1" if n % 2 else None,
        "extra": n % 2 == 0,
        "archive": n % 4 == 0,
    }
    for n in range(10)
]
WALK_SIZES = (3, 4)


def ties_set(ctx: KitContext) -> list[Conversation]:
    """Create the many-ties data set (no clock ticks) and return the oracle's view of the target's listing."""
    ctx.writing()
    hidden: dict[str, dict[str, Any]] = {}
    for spec in TIES_SET:
        user = ctx.user_number()
        body = ctx.base_body(user, message="tie")
        if spec["curr_pathway_id"]:
            body["curr_pathway_id"] = spec["curr_pathway_id"]
        if spec["curr_pathway_version"]:
            body["curr_pathway_version"] = spec["curr_pathway_version"]
        conversation = ctx.ok(ctx.create(body), "create")["conversation_id"]
        if spec["extra"]:
            ctx.ok(ctx.create(ctx.base_body(user, message="tie again")), "create")
        hidden[conversation] = {"curr_pathway_version": spec["curr_pathway_version"], "timed_out_at": None}
        if spec["archive"]:
            newer = ctx.ok(ctx.create(ctx.base_body(user, message="tie anew", new_conversation=True)), "create")
            hidden[newer["conversation_id"]] = {"curr_pathway_version": None, "timed_out_at": None}
    items = list_all(ctx, what="list of the ties data set")
    if {i.get("id") for i in items if isinstance(i, dict)} != set(hidden):
        fail("the list of the conversations just created is not exactly them", Level.INFERRED)
    return as_conversations(items, hidden)


@check("list.walk_ties", Level.INFERRED, "behaviour")
def list_walk_ties(ctx: KitContext) -> None:
    """Under heavy ties on every sort key, walking the pages yields each conversation exactly once, in order."""
    conversations = ties_set(ctx)
    for size in WALK_SIZES:
        judge_sorts(ctx, conversations, page_size=size)


COUNTS = (2, 9, 10, 11)
"""Message counts around the digit boundary (a text comparison puts "10" before "9")."""
BIG_COUNT = 100
LIVE_COUNT_MARGIN = 150
"""On a capped target, the 100-message conversation is made only while this many creates are left."""


def counts_set(ctx: KitContext) -> list[Conversation]:
    """Conversations of 2, 9, 10, 11 (and on a mock or a roomy budget 100) messages, as the target lists them.

    A follow-up create the target refuses (a [mock] cap on messages) is noted; the counts reached are used.
    """
    ctx.writing()
    roomy = ctx.max_creates is None or ctx.max_creates - ctx.creates >= LIVE_COUNT_MARGIN + BIG_COUNT
    hidden: dict[str, dict[str, Any]] = {}
    for count in (*COUNTS, *((BIG_COUNT,) if roomy else ())):
        user = ctx.user_number()
        conversation = ctx.ok(ctx.create(ctx.base_body(user, message="count 1")), "create")["conversation_id"]
        hidden[conversation] = {"curr_pathway_version": None, "timed_out_at": None}
        for n in range(2, count + 1):
            exchange = ctx.create(ctx.base_body(user, message=f"count {n}"))
            if 400 <= exchange.status < 500:
                message = f"message {n} of one conversation was refused ({exchange.response_line(120)})"
                ctx.note(Violation(message + "; the mock's cap is 10,000 [mock]", Level.MOCK, [exchange]))
                break
            ctx.ok(exchange, "create")
    items = list_all(ctx, what="list of the counts data set")
    return as_conversations(items, hidden)


@check("list.counts_numeric", Level.INFERRED, "behaviour")
def list_counts_numeric(ctx: KitContext) -> None:
    """message_count sorts and compares as a number across 9, 10 and 100 (never as text)."""
    conversations = counts_set(ctx)
    by_id = {c.id: c for c in conversations}
    for direction in ("asc", "desc"):
        data = list_all(ctx, {"sortBy": "message_count", "sortDir": direction}, what="sort by message_count")
        keys = [by_id[i["id"]].message_count for i in data if i.get("id") in by_id]
        if keys != sorted(keys, reverse=direction == "desc"):
            fail(f"sortBy message_count {direction} is not numeric order: {keys}", Level.INFERRED)
    for operator, value in (("gt", 9), ("gte", 10), ("lt", 10), ("lte", 9), ("eq", 10), ("gt", 99), ("lt", 11)):
        spec = {"field": "message_count", "operator": operator, "value": value}
        got = sorted(i.get("id") for i in list_all(ctx, {"filters": [spec]}, what=f"filter {spec}"))
        expected = sorted(c.id for c in conversations if matches(c, spec))
        if got != expected:
            counts = sorted(by_id[i].message_count for i in got if i in by_id)
            fail(f"filter message_count {operator} {value} kept the counts {counts}, not as numbers", Level.INFERRED)
