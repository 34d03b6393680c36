"""README promises that once survived a planted one-line bug: each test here fails on that bug."""

from __future__ import annotations

from bland_sms_mock.mock_server.app import create_app
from mock_support import DEMO_AGENT, DEMO_KEY, USER

from bland_sms_mock import BlandMock

BODY = {"user_number": USER, "agent_number": DEMO_AGENT, "message": "hi"}


def test_bearer_prefix_is_matched_in_any_case(client) -> None:
    for scheme in ("bearer", "BEARER", "BeArEr"):
        headers = {"authorization": f"{scheme} {DEMO_KEY}"}
        assert client.post("/v1/sms/create", json=BODY, headers=headers).status_code == 200, scheme
        assert client.get("/v1/sms/conversations", headers=headers).status_code == 200, scheme
    guarded = create_app(control_token="s3cret").test_client()
    assert guarded.get("/_mock/health", headers={"authorization": "bearer s3cret"}).status_code == 200


def test_an_eight_character_key_is_masked_in_the_journal(client) -> None:
    short = "sk-abcde"
    added = client.post("/_mock/accounts", json={"api_key": short, "agent_numbers": [{"number": "+15557778888"}]})
    assert added.status_code == 201, added.json
    body = {**BODY, "agent_number": "+15557778888"}
    assert client.post("/v1/sms/create", json=body, headers={"authorization": short}).status_code == 200
    assert client.get("/v1/sms/conversations", headers={"authorization": f"Bearer {short}"}).status_code == 200
    journal = client.get("/_mock/requests").json["requests"]
    assert [e["headers"]["authorization"] for e in journal] == ["…", "Bearer …"]


def test_restoring_a_snapshot_of_a_running_clock_keeps_it_running() -> None:
    mock = BlandMock()
    assert not mock.clock.frozen
    snapshot = mock.snapshot()
    mock.clock.freeze()
    mock.restore(snapshot)
    assert not mock.clock.frozen
    mock.clock.set("2026-01-05T09:00:00Z")
    mock.restore(mock.snapshot())
    assert mock.clock.frozen and mock.clock.now.isoformat() == "2026-01-05T09:00:00+00:00"
