"""The inspector page as served: no external resources, a cheap version counter, absent without control."""

from __future__ import annotations

import re

from mock_support import TEST_CONFIG

from mock_server.app import create_app


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
