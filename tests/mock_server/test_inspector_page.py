"""The inspector page as served: no external resources, a cheap version counter, absent without control."""

from __future__ import annotations

import re

from bland_sms_mock.mock_server.app import create_app
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
