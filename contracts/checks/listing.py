"""Checks of `GET /v1/sms/conversations`: item fields, defaults, pagination, sorting, filters, bad queries.

They run over a small data set the kit creates (tagged with the run id, and scoped to it with a
`variables` filter), and judge each answer with the oracle's brute-force filter and sort over the
target's own full listing, so other data on a live account cannot confuse them.
"""

from __future__ import annotations

import math
from typing import Any

from contracts.checks import KitContext, check, fail
from contracts.checks.create import coded, refused
from contracts.models import ConversationItem, Level, SortField, parse_timestamp, timestamp_ms
from contracts.oracle import Conversation, Message, matches, sort

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
    items = ctx.ok(ctx.list({"pageSize": 1000}), "list of the data set")
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
    items = ctx.ok(ctx.list({"pageSize": 50}), "list") if ctx.read_only else data_set(ctx)[0]
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
                fail(f"pagination.pageSize {pagination.get('pageSize')} is not the requested {size}", Level.MOCK)
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
    """Every sort key in both directions orders by that key; ties by id and nulls last (asc) in the mock."""
    items, hidden = data_set(ctx)
    conversations = as_conversations(items, hidden)
    mock_problems = []
    for field in SortField:
        for direction in ("asc", "desc"):
            data = ctx.ok(ctx.list({"pageSize": 1000, "sortBy": field.value, "sortDir": direction}), "list")
            ids = [i.get("id") for i in data]
            if sorted(ids) != sorted(c.id for c in conversations):
                fail(f"sortBy {field} {direction} changed which conversations are listed", Level.INFERRED)
            by_id = {c.id: c for c in conversations}
            keys = [by_id[i].value(field.value) for i in ids]
            present = [k for k in keys if k is not None]
            ordered = sorted(present, reverse=direction == "desc")
            if present != ordered:
                fail(f"sortBy {field} {direction}: the keys are out of order: {present}", Level.INFERRED)
            expected = [c.id for c in sort(conversations, field.value, direction)]
            if ids != expected:
                mock_problems.append(f"sortBy {field} {direction}: ties or nulls placed differently")
    if mock_problems:
        fail("; ".join(mock_problems), Level.MOCK)


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
        data = ctx.ok(ctx.list({"pageSize": 1000, "filters": [spec]}), f"filter {spec}")
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
