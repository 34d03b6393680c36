"""One account with many conversations, seeded through the store (no HTTP): list latency and memory."""

from __future__ import annotations

import gc
import json
import statistics
import time
from dataclasses import dataclass

from bland_sms_mock.contracts.models.api import CreateRequest, SortField
from bland_sms_mock.mock_server.app import create_app
from bland_sms_mock.mock_server.request_io import EXTENSION

KEY = "sk-demo-bland-sms-mock"
AGENT = "+15552223333"


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


@dataclass
class PageTiming:
    """Latency of one kind of list request."""

    label: str
    p50_ms: float
    p99_ms: float


def seed(count: int) -> tuple[object, float, float]:
    """Build an app with `count` conversations of 3 messages; return it, seconds taken, bytes per conversation."""
    app = create_app()
    store = app.extensions[EXTENSION]
    account = store.account_for_key(KEY)
    store.move_clock(set_ms=1_767_600_000_000)
    gc.collect()
    before = _rss_bytes()
    began = time.perf_counter()
    for i in range(count):
        user = f"+1555{i:07d}"
        for n, sender in enumerate(("USER", "AGENT", "USER")):
            request = CreateRequest.model_construct(
                user_number=user,
                agent_number=AGENT,
                message=f"message {n} of conversation {i}",
                sender=sender,
                request_data={"campaign": f"c{i % 50}"} if n == 0 else None,
                new_conversation=False,
                message_sid=None,
                curr_pathway_id=f"pathway_{i % 7}" if i % 3 else None,
                curr_pathway_version=None,
                current_node_id=None,
                time_out=None,
                timeout_message=None,
                warning_time=None,
                warning_message=None,
            )
            store.create(account, request)
        if i % 1000 == 999:
            store.clock.advance(1)
    took = time.perf_counter() - began
    gc.collect()
    return app, took, (_rss_bytes() - before) / count


def time_pages(app: object, repeats: int) -> list[PageTiming]:
    """p50/p99 of list requests through the Flask test client, for each order and two filters."""
    client = app.test_client()
    headers = {"authorization": KEY}
    cases: list[tuple[str, dict]] = [("default order (created_at desc)", {})]
    cases += [
        (f"sortBy={field.value}", {"sortBy": field.value}) for field in SortField if field != SortField.CREATED_AT
    ]
    cases.append(
        (
            "contains filter (user_number)",
            {"filters": json.dumps([{"field": "user_number", "operator": "contains", "value": "99"}])},
        )
    )
    cases.append(
        (
            "created_at range filter",
            {
                "filters": json.dumps(
                    [
                        {"field": "created_at", "operator": "gte", "value": "2026-01-05T08:00:10Z"},
                        {"field": "created_at", "operator": "lt", "value": "2026-01-05T08:00:40Z"},
                    ]
                )
            },
        )
    )
    timings = []
    for label, params in cases:
        samples = []
        for page in range(1, repeats + 1):
            began = time.perf_counter()
            response = client.get("/v1/sms/conversations", query_string={**params, "page": page}, headers=headers)
            samples.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, response.json
        samples.sort()
        timings.append(
            PageTiming(label, statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))])
        )
    return timings
