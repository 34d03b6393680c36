"""The inspector page as served: no external resources, cheap version counters, absent without control."""

from __future__ import annotations

import re

from bland_sms_mock.mock_server.app import create_app
from bland_sms_mock.mock_server.request_io import EXTENSION
from bland_sms_mock.mock_server.serving import free_port
from mock_support import TEST_CONFIG


def test_page_is_served_with_local_assets_only(client) -> None:
    response = client.get("/_mock/ui/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<title>bland-sms-mock inspector</title>" in html
    assert not re.search(r"(src|href)=\"https?://", html)
    for asset in re.findall(r"(?:src|href)=\"(/_mock/ui/static/[^\"]+)\"", html):
        assert client.get(asset).status_code == 200
    assert "ui" in client.get("/_mock/health").json["capabilities"]


def test_version_counter_moves_with_state_and_fires_due_timers(client, create) -> None:
    before = client.get("/_mock/ui/version").json
    create(sender="AGENT", agent_number="+15552224444")
    after = client.get("/_mock/ui/version").json
    assert after["version"] > before["version"]
    assert client.get("/_mock/ui/version").json["version"] == after["version"]
    client.post("/_mock/clock", json={"set": "2026-01-05T10:00:00Z"})
    fired = client.get("/_mock/ui/version").json
    assert fired["frozen"] is True and fired["version"] > after["version"]


def test_no_page_without_control() -> None:
    assert create_app(TEST_CONFIG, control=False).test_client().get("/_mock/ui/").status_code == 404


INSPECTOR = {"x-mock-inspector": "refresh"}


def test_the_inspectors_refreshes_are_not_journalled_nor_faulted(client, create, auth) -> None:
    """Three creates give three journal entries however often the open inspector refreshes its list."""
    client.post("/_mock/faults", json={"method": "GET", "status": 503, "times": 1})
    for n in range(3):
        assert create(message=f"create {n}").status_code == 200
        refresh = client.get("/v1/sms/conversations", query_string={"pageSize": 25}, headers=auth | INSPECTOR)
        assert refresh.status_code == 200 and refresh.json["extra"]["pagination"]["totalItems"] == 1
        client.get("/_mock/ui/version", headers=INSPECTOR)
        client.get("/_mock/requests?limit=50", headers=INSPECTOR)
    journal = client.get("/_mock/requests").json["requests"]
    assert [(r["method"], r["path"]) for r in journal] == [("POST", "/v1/sms/create")] * 3
    assert client.get("/_mock/faults").json["faults"][0]["matched"] == 0
    assert client.get("/v1/sms/conversations", headers=auth).status_code == 503  # a client's read is faulted


def test_timed_out_lists_only_conversations_that_timed_out(client, create, advance) -> None:
    timed_out = create(sender="AGENT", user_number="+15550007777").json["data"]["conversation_id"]
    advance(3600)
    active = create(user_number="+15550008888").json["data"]["conversation_id"]
    answer = client.get(f"/_mock/ui/timed-out?ids={timed_out},{active},conv_unknown").json
    assert list(answer["timed_out"]) == [timed_out]


def test_webhooks_counter_moves_when_a_threads_delivery_or_a_rule_moves(client, create, advance, agent, auth) -> None:
    """The page re-reads a thread's webhooks when this counter moves: deliveries move with no request."""
    hooks = client.application.extensions[EXTENSION].webhooks
    dead = f"http://127.0.0.1:{free_port('127.0.0.1')}/hook"  # nothing listens: every attempt fails at once
    try:
        body = {"phone_number": agent, "webhook": dead}
        assert client.post("/v1/sms/number/update", json=body, headers=auth).status_code == 200
        conversation = create(message="first").json["data"]["conversation_id"]
        assert hooks.wait_idle()

        def counter(conversation_id: str = conversation) -> int:
            return client.get(f"/_mock/ui/version?conversation={conversation_id}", headers=INSPECTOR).json["webhooks"]

        failed_once = counter()
        assert counter() == failed_once and 0 <= failed_once < 2**53  # still; and exact in JavaScript
        assert counter("convo_other") != failed_once  # the counter is the asked conversation's
        advance(60)  # the retry falls due and fails again
        assert hooks.wait_idle()
        assert len(hooks.deliveries()[0].attempts) == 2
        failed_twice = counter()
        assert failed_twice != failed_once
        assert client.post("/_mock/webhooks/faults", json={"drop": True}).status_code == 201
        with_rule = counter()
        assert with_rule != failed_twice
        create(user_number="+15550009999", message="another conversation")  # the rule is hit: its counts move
        assert counter() != with_rule
    finally:
        assert hooks.shutdown()
