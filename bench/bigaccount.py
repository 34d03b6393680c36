"""One account with many conversations, seeded through the store (no HTTP): list latency, filters, memory.

Run alone with `python -m bench.bigaccount --conversations 100000` (or 1000000); `python -m bench` runs the
seed and the list pages as part of its big-account section.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import os
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bland_sms_mock.contracts.models.api import (
    FILTER_FIELD_KIND,
    OPERATORS_BY_KIND,
    FieldKind,
    FilterField,
    FilterOperator,
    MessageKind,
    Sender,
    SortField,
    format_timestamp,
)
from bland_sms_mock.contracts.models.control import Limits
from bland_sms_mock.mock_server.app import create_app
from bland_sms_mock.mock_server.request_io import EXTENSION
from bland_sms_mock.mock_server.state import Conversation, Message, new_id

KEY = "sk-demo-bland-sms-mock"
AGENT = "+15552223333"
START_MS = 1_767_600_000_000
"""2026-01-05T08:00:00Z: the first conversation's creation."""
STEP_MS = 7
"""Conversations open 7 ms apart, so every creation instant is distinct (the worst case for timestamp text)."""
HEADERS = {"authorization": KEY}


def rss_bytes() -> int:
    """The resident memory of this process, in bytes."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@dataclass
class PageTiming:
    """Latency of one kind of list request."""

    label: str
    p50_ms: float
    p99_ms: float


def _conversation(i: int, next_message_id: Callable[[], str]) -> Conversation:
    """Conversation `i` of the big account: 3 messages, a campaign variable, every tenth one timed out."""
    created = START_MS + i * STEP_MS
    messages = [
        Message(next_message_id(), sender, MessageKind.MESSAGE, f"message {n} of conversation {i}", None, created + n)
        for n, sender in enumerate((Sender.USER, Sender.AGENT, Sender.USER))
    ]
    timed_out = created + 60_000 if i % 10 == 0 else None
    return Conversation(
        new_id("convo"),
        f"+1555{i:07d}",
        AGENT,
        created,
        timed_out or messages[-1].created_at,
        None,  # set below from the number's settings
        messages,
        {"campaign": f"c{i % 50}"},
        current_node_id=f"node_{i % 5}" if i % 2 else None,
        curr_pathway_id=f"pathway_{i % 7}" if i % 3 else None,
        curr_pathway_version=f"v{i % 4}" if i % 4 == 0 else None,
        is_active=timed_out is None,
        timed_out_at=timed_out,
    )


def seed(count: int) -> tuple[Any, float, float]:
    """Build an app with `count` conversations of 3 messages stored through the store's seeding path.

    Returns the app, the seconds the store took to take them in, and resident bytes per conversation
    (the conversations, their messages and every index the store keeps after the seed).
    """
    app = create_app()
    store = app.extensions[EXTENSION]
    store.limits = Limits(max_conversations_per_account=max(1_000_000, 2 * count))
    account = store.account_for_key(KEY)
    store.move_clock(set_ms=START_MS + count * STEP_MS + 120_000)
    settings = account.numbers[AGENT]
    ids = (str(n) for n in itertools.count(1))
    gc.collect()
    before = rss_bytes()
    conversations = []
    for i in range(count):
        conversation = _conversation(i, ids.__next__)
        conversation.sms_config = settings
        conversations.append(conversation)
    began = time.perf_counter()
    with store.lock:
        adopt_all = getattr(store, "adopt_all", None)
        if adopt_all is not None:
            adopt_all((account, c) for c in conversations)
        else:  # the store before bulk seeding: one conversation at a time
            for conversation in conversations:
                store.adopt(account, conversation)
    took = time.perf_counter() - began
    del conversations
    gc.collect()
    app.extensions["bench.rss_before_seed"] = before
    return app, took, (rss_bytes() - before) / count


def _percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def _get(client: Any, params: dict[str, Any]) -> float:
    began = time.perf_counter()
    response = client.get("/v1/sms/conversations", query_string=params, headers=HEADERS)
    took = (time.perf_counter() - began) * 1000
    assert response.status_code == 200, response.json
    return took


def _filters(*specs: tuple[str, str, Any]) -> dict[str, str]:
    return {"filters": json.dumps([{"field": f, "operator": o, "value": v} for f, o, v in specs])}


def time_pages(app: Any, repeats: int) -> list[PageTiming]:
    """p50/p99 of list requests through the Flask test client: every order (pages 1..repeats) and two filters."""
    client = app.test_client()
    cases: list[tuple[str, dict]] = [("default order (created_at desc)", {})]
    cases += [
        (f"sortBy={field.value}", {"sortBy": field.value}) for field in SortField if field != SortField.CREATED_AT
    ]
    cases.append(("contains filter (user_number)", _filters(("user_number", "contains", "99"))))
    cases.append(
        (
            "created_at range filter",
            _filters(
                ("created_at", "gte", format_timestamp(START_MS + 10_000)),
                ("created_at", "lt", format_timestamp(START_MS + 40_000)),
            ),
        )
    )
    timings = []
    for label, params in cases:
        samples = [_get(client, {**params, "page": page}) for page in range(1, repeats + 1)]
        timings.append(PageTiming(label, *_percentiles(samples)))
    return timings


def time_write_then_list(app: Any, count: int, repeats: int) -> list[PageTiming]:
    """The pattern every app follows: a create (on an existing conversation, or a new one every fourth), then
    page 1 of the list by each sort key and direction. Times the list (and, last row, the create).
    """
    client = app.test_client()
    rng = random.Random(7)
    creates: list[float] = []
    timings = []
    for field, direction in itertools.product(SortField, ("desc", "asc")):
        samples = []
        for n in range(repeats):
            user = f"+1555{rng.randrange(count):07d}" if n % 4 else f"+1666{rng.randrange(10**7):07d}"
            body = {"user_number": user, "agent_number": AGENT, "message": "hi", "sender": "USER"}
            began = time.perf_counter()
            response = client.post("/v1/sms/create", json=body, headers=HEADERS)
            creates.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, response.json
            samples.append(_get(client, {"sortBy": field.value, "sortDir": direction}))
        timings.append(PageTiming(f"create, then list sortBy={field.value} {direction}", *_percentiles(samples)))
    timings.append(PageTiming("(the create itself)", *_percentiles(creates)))
    return timings


_TEXT_VALUES = {
    FilterField.USER_NUMBER: ("+15550001234", "99", "+155500", "7"),
    FilterField.AGENT_NUMBER: (AGENT, "222", "+1555", "333"),
    FilterField.CURRENT_NODE_ID: ("node_3", "de_", "node", "_3"),
    FilterField.CURR_PATHWAY_ID: ("pathway_3", "way_", "path", "_3"),
    FilterField.CURR_PATHWAY_VERSION: ("v2", "v", "v", "0"),
}
"""Per text field: the value for eq (and the order operators), contains, startsWith, endsWith."""


def single_filters(count: int) -> list[tuple[str, dict[str, str]]]:
    """One list request per filter field and operator the contract accepts, with a value that matches some."""
    mid = START_MS + (count // 2) * STEP_MS
    cases = []
    for field, kind in FILTER_FIELD_KIND.items():
        for operator in sorted(OPERATORS_BY_KIND[kind]):
            value: Any
            if kind is FieldKind.TIMESTAMP:
                text = format_timestamp(mid)
                value = {
                    FilterOperator.CONTAINS: text[11:19],  # a second of the day: HH:MM:SS
                    FilterOperator.STARTS_WITH: text[:16],  # a minute
                    FilterOperator.ENDS_WITH: "7Z",
                }.get(operator, text)
            elif kind is FieldKind.TEXT:
                eq, contains, starts, ends = _TEXT_VALUES[field]
                value = {FilterOperator.CONTAINS: contains, FilterOperator.STARTS_WITH: starts}.get(operator, eq)
                value = ends if operator is FilterOperator.ENDS_WITH else value
            elif kind is FieldKind.BOOLEAN:
                value = operator is not FilterOperator.GT  # gt false, lt/lte/gte/eq true
            elif kind is FieldKind.INTEGER:
                value = 3
            else:
                value = {"campaign": "c7"}
            cases.append((f"{field.value} {operator.value}", _filters((field.value, operator.value, value))))
        if kind is not FieldKind.OBJECT and field is not FilterField.IS_ACTIVE:
            cases.append((f"{field.value} eq null", _filters((field.value, "eq", None))))
    return cases


def combinations(count: int) -> list[tuple[str, dict[str, Any]]]:
    """Filter and order combinations that defeat the indexes, to find the worst."""
    mid = format_timestamp(START_MS + (count // 2) * STEP_MS)
    return [
        (
            "user_number contains + sortBy=updated_at asc, page 200",
            {**_filters(("user_number", "contains", "9")), "sortBy": "updated_at", "sortDir": "asc", "page": 200},
        ),
        (
            "updated_at contains (text) + sortBy=user_number",
            {**_filters(("updated_at", "contains", mid[11:16])), "sortBy": "user_number"},
        ),
        (
            "variables contains + is_active eq true + sortBy=message_count",
            {
                **_filters(("variables", "contains", {"campaign": "c7"}), ("is_active", "eq", True)),
                "sortBy": "message_count",
            },
        ),
        (
            "is_active eq true + created_at gte (half) + sortBy=curr_pathway_id desc, last page",
            {
                **_filters(("is_active", "eq", True), ("created_at", "gte", mid)),
                "sortBy": "curr_pathway_id",
                "pageSize": 100,
                "page": max(1, count * 45 // 100 // 100),
            },
        ),
        (
            "is_active eq true + created_at gte (half) + sortBy=curr_pathway_id desc, middle page",
            {
                **_filters(("is_active", "eq", True), ("created_at", "gte", mid)),
                "sortBy": "curr_pathway_id",
                "pageSize": 100,
                "page": max(1, count * 45 // 100 // 100 // 2),
            },
        ),
        (
            "user_number contains 9 (41%) + sortBy=updated_at desc, middle page",
            {
                **_filters(("user_number", "contains", "9")),
                "sortBy": "updated_at",
                "pageSize": 100,
                "page": max(1, count * 41 // 100 // 100 // 2),
            },
        ),
        (
            "user_number endsWith + agent_number contains + current_node_id startsWith",
            _filters(
                ("user_number", "endsWith", "1"),
                ("agent_number", "contains", "5"),
                ("current_node_id", "startsWith", "n"),
            ),
        ),
        (
            "timed_out_at lte + message_count gte 3 + sortBy=timed_out_at asc, page 100",
            {
                **_filters(("timed_out_at", "lte", mid), ("message_count", "gte", 3)),
                "sortBy": "timed_out_at",
                "sortDir": "asc",
                "page": 100,
            },
        ),
    ]


def time_requests(app: Any, cases: list[tuple[str, dict[str, Any]]], repeats: int) -> list[PageTiming]:
    """p50/p99 of each request repeated `repeats` times (the state does not change between them)."""
    client = app.test_client()
    return [PageTiming(label, *_percentiles([_get(client, params) for _ in range(repeats)])) for label, params in cases]


def memory_with_every_order(app: Any, count: int) -> float:
    """Resident bytes per conversation after a list by every sort key (so every order is in use)."""
    client = app.test_client()
    for field in SortField:
        _get(client, {"sortBy": field.value})
    gc.collect()
    return (rss_bytes() - app.extensions["bench.rss_before_seed"]) / count


def _print(title: str, timings: list[PageTiming]) -> None:
    print(f"\n  {title:70} {'p50 ms':>8} {'p99 ms':>8}")
    for timing in timings:
        print(f"  {timing.label:70} {timing.p50_ms:8.2f} {timing.p99_ms:8.2f}")


def report(conversations: int, repeats: int, skip: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    """Seed one big account of `conversations` and print every big-account figure (`skip`: sections left out)."""
    print(f"big account: {conversations:,} conversations x 3 messages; load average {os.getloadavg()[0]:.1f}")
    app, took, per_conversation = seed(conversations)
    print(
        f"  stored through the seeding path in {took:.2f} s; resident bytes per conversation: {per_conversation:,.0f}"
    )
    if "pages" not in skip:
        _print("list pages 1..repeats (page of 25)", time_pages(app, repeats))
    if "writes" not in skip:
        _print("create then list, page 1", time_write_then_list(app, conversations, repeats))
    if "filters" not in skip:
        timings = time_requests(app, single_filters(conversations), repeats)
        _print("single filter, default order, page 1", timings)
        worst = max(timings, key=lambda t: t.p50_ms)
        print(f"  worst single filter: {worst.label} ({worst.p50_ms:.2f} ms p50)")
    if "combos" not in skip:
        timings = time_requests(app, combinations(conversations), max(5, repeats // 5))
        _print("combinations", timings)
        worst = max(timings, key=lambda t: t.p50_ms)
        print(f"  worst combination: {worst.label} ({worst.p50_ms:.2f} ms p50)")
    every_order = memory_with_every_order(app, conversations)
    print(f"  resident bytes per conversation with every order (and any filter index) in use: {every_order:,.0f}")
    print(f"  load average after: {os.getloadavg()[0]:.1f}")


def main() -> None:
    """`python -m bench.bigaccount`: the big-account figures alone."""
    parser = argparse.ArgumentParser(prog="python -m bench.bigaccount")
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=50, help="requests per measured case")
    parser.add_argument("--skip", default="", help="comma-separated sections to skip: pages,writes,filters,combos")
    args = parser.parse_args()
    report(args.conversations, args.repeats, set(args.skip.split(",")))


if __name__ == "__main__":
    main()
