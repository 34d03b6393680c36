"""`BlandMock` driven from Python: clock, accounts, messages, journal verification, faults, snapshots."""

from __future__ import annotations

import httpx
import pytest

from bland_sms_mock import BlandMock, MockError

USER = "+15550001111"


def _create(mock: BlandMock, client: httpx.Client, **fields: object) -> dict:
    body = {"user_number": USER, "agent_number": mock.agent_number, "message": "hi", **fields}
    response = client.post("/v1/sms/create", json=body, headers={"authorization": mock.api_key})
    assert response.status_code == 200, response.text
    return response.json()["data"]


@pytest.fixture
def served():
    """A started mock and an httpx client on its URL."""
    with BlandMock() as mock, httpx.Client(base_url=mock.url, timeout=5) as client:
        yield mock, client


def test_clock_durations_fire_the_timeline_in_order(served) -> None:
    mock, client = served
    mock.clock.set("2026-02-01T12:00:00Z")
    assert mock.clock.frozen and mock.clock.now.isoformat() == "2026-02-01T12:00:00+00:00"
    made = _create(mock, client, sender="AGENT")
    assert mock.clock.advance("9m59s") == []
    assert [f["kind"] for f in mock.clock.advance(1)] == ["warning"]
    assert mock.clock.advance("5m") == [
        {"conversation_id": made["conversation_id"], "kind": "timeout", "due_at": "2026-02-01T12:15:00.000Z"}
    ]
    assert [m["kind"] for m in mock.messages(made["conversation_id"])] == ["message", "warning", "timeout"]
    assert mock.conversation(made["conversation_id"])["is_active"] is False
    with pytest.raises(ValueError, match="not a duration"):
        mock.clock.advance("soon")


def test_added_account_is_usable_over_http_and_isolated(served) -> None:
    mock, client = served
    account = mock.add_account(["+15557770000"], sms_config={"time_out": 60, "timeout_message": "bye"})
    key = account["api_key"]
    assert key.startswith("sk-test-") and account["agent_numbers"][0]["sms_config"]["time_out"] == 60
    body = {"user_number": USER, "agent_number": "+15557770000", "message": "hello", "sender": "AGENT"}
    assert client.post("/v1/sms/create", json=body, headers={"authorization": key}).status_code == 200
    own = client.get("/v1/sms/conversations", headers={"authorization": mock.api_key}).json()
    assert own["extra"]["pagination"]["totalItems"] == 0
    with pytest.raises(MockError, match="belongs to another account"):
        mock.add_account(["+15557770000"])
    with pytest.raises(MockError, match="number"):
        mock.add_account(["not-a-number"])


def test_add_account_takes_a_single_number_as_one_number() -> None:
    account = BlandMock().add_account("+15557778888")
    assert [n["number"] for n in account["agent_numbers"]] == ["+15557778888"]


def test_requests_and_assert_request_made(served) -> None:
    mock, client = served
    _create(mock, client, message="first")
    _create(mock, client, message="second")
    client.get("/v1/sms/conversations", params={"sortBy": "created_at"}, headers={"authorization": mock.api_key})
    assert [r["body"]["message"] for r in mock.requests("POST", "/v1/sms/create")] == ["first", "second"]
    assert len(mock.assert_request_made("POST", "/v1/sms/*", body={"message": "second"}, count=1)) == 1
    mock.assert_request_made("GET", query={"sortBy": "created_at"})
    with pytest.raises(AssertionError) as failure:
        mock.assert_request_made("POST", "/v1/sms/create", body={"message": "third", "user_number": USER})
    text = str(failure.value)
    assert "0 matched among 3 journalled request(s)" in text
    assert 'body.message: expected "third", got "second"' in text  # the closest: the newest of the two creates
    with pytest.raises(AssertionError, match="exactly 1 time"):
        mock.assert_request_made("POST", count=1)
    mock.clear_requests()
    assert mock.requests() == []


def test_faults_from_python(served) -> None:
    mock, client = served
    rule = mock.faults.add(path="/v1/sms/conversations", status=503, times=1)
    headers = {"authorization": mock.api_key}
    assert client.get("/v1/sms/conversations", headers=headers).status_code == 503
    assert client.get("/v1/sms/conversations", headers=headers).status_code == 200
    assert mock.faults.list()[0] | {"applied": 1} == mock.faults.list()[0] and rule["id"] == "fault-1"
    with pytest.raises(MockError, match="status"):
        mock.faults.add(status=302)
    mock.faults.remove("fault-1")
    with pytest.raises(MockError, match="not found"):
        mock.faults.remove("fault-1")


def test_snapshot_round_trip_fires_a_pending_timeout_after_restore(served) -> None:
    mock, client = served
    mock.clock.set("2026-02-01T12:00:00Z")
    made = _create(mock, client, sender="AGENT")
    mock.clock.advance("11m")  # the warning has fired, the timeout is pending
    saved = mock.snapshot()
    assert saved["format"] == "bland-sms-mock/snapshot" and saved["version"] == 1

    other = BlandMock()
    other.restore(saved)
    assert other.clock.now == mock.clock.now and other.clock.frozen
    assert other.conversation(made["conversation_id"])["next_timer"]["due_at"] == "2026-02-01T12:15:00.000Z"
    assert [(f["kind"], f["due_at"]) for f in other.clock.advance("4m")] == [("timeout", "2026-02-01T12:15:00.000Z")]
    assert [m["kind"] for m in other.messages(made["conversation_id"])] == ["message", "warning", "timeout"]
    assert mock.conversation(made["conversation_id"])["is_active"] is True  # the original is untouched
    with pytest.raises(MockError):
        other.restore({"format": "bland-sms-mock/snapshot", "version": 1, "conversations": [{"bad": 1}]})
    assert other.conversation(made["conversation_id"])["is_active"] is False  # a refused restore changes nothing


def test_reset_returns_to_the_configured_state(served) -> None:
    mock, client = served
    mock.add_account(["+15557770001"])
    made = _create(mock, client)["conversation_id"]
    assert mock.messages(made)  # it exists before the reset
    mock.faults.add(status=500)
    mock.clock.freeze()
    mock.reset()
    assert len(mock.store.accounts) == 1 and mock.requests() == [] and mock.faults.list() == []
    assert not mock.clock.frozen
    with pytest.raises(MockError, match="not found"):
        mock.messages(made)


def test_url_needs_a_started_mock() -> None:
    with pytest.raises(RuntimeError, match="not serving"):
        _ = BlandMock().url


def _send(mock: BlandMock, client: httpx.Client, **fields: object) -> dict:
    body = {"user_number": USER, "agent_number": mock.agent_number, "agent_message": "Your order shipped", **fields}
    response = client.post("/v1/sms/send", json=body, headers={"authorization": mock.api_key})
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_conversation_and_messages_read_what_a_send_stored(served) -> None:
    mock, client = served
    mock.clock.set("2026-02-01T12:00:00Z")
    sent = _send(mock, client)
    conversation = mock.conversation(sent["conversation_id"])
    assert conversation["is_active"] is True and conversation["message_count"] == 1
    assert conversation["last_message"] == "Your order shipped"
    assert conversation["next_timer"] == {"kind": "warning", "due_at": "2026-02-01T12:10:00.000Z"}  # a send starts it
    [message] = mock.messages(sent["conversation_id"])
    assert message["id"] == sent["message_id"]  # the id the send answered
    assert (message["sender"], message["kind"], message["message"]) == ("AGENT", "message", "Your order shipped")
    again = _send(mock, client, agent_message="Still there?")  # the pair's active conversation continues
    assert again["conversation_id"] == sent["conversation_id"]
    mock.clock.advance("15m")
    assert [m["kind"] for m in mock.messages(sent["conversation_id"])] == ["message", "message", "warning", "timeout"]
    ended = mock.conversation(sent["conversation_id"])
    assert ended["is_active"] is False and ended["timed_out_at"] == "2026-02-01T12:15:00.000Z"


def test_numbers_and_update_number_match_the_api(served) -> None:
    mock, client = served
    headers = {"authorization": mock.api_key}
    _send(mock, client)
    [number] = mock.numbers()
    assert number["phone_number"] == mock.agent_number and number["conversation_count"] == 1
    assert number["sms_config"]["time_out"] == 900 and number["sms_config"]["webhook"] is None  # unset ones shown
    assert mock.numbers(mock.api_key) == client.get("/v1/sms/numbers", headers=headers).json()["data"]

    settings = mock.update_number(mock.agent_number, time_out=60, warning_time=None, timeout_message="Closed.")
    assert (settings["time_out"], settings["warning_time"], settings["timeout_message"]) == (60, None, "Closed.")
    assert settings["warning_message"] == mock.numbers()[0]["sms_config"]["warning_message"]  # left out: kept
    assert client.get("/v1/sms/numbers", headers=headers).json()["data"][0]["sms_config"] == settings
    mock.clock.freeze()
    later = _send(mock, client, user_number="+15550002222")  # a conversation opened afterwards uses them
    assert [f["kind"] for f in mock.clock.advance(60)] == ["timeout"]
    assert mock.messages(later["conversation_id"])[-1]["message"] == "Closed."

    with pytest.raises(MockError, match="warning_time: must be less than"):
        mock.update_number(mock.agent_number, warning_time=60)
    assert mock.numbers()[0]["sms_config"]["warning_time"] is None  # a refused update changes nothing
    with pytest.raises(MockError, match="not an agent number of any account"):
        mock.update_number("+15559998888", time_out=60)
    with pytest.raises(MockError, match="time_out"):
        mock.update_number(mock.agent_number, time_out="soon")
    other = mock.add_account("+15557770002")
    assert [n["phone_number"] for n in mock.numbers(other["api_key"])] == ["+15557770002"]
    assert mock.update_number("+15557770002", time_out=30)["time_out"] == 30  # any account's number
    with pytest.raises(MockError, match="no account has this key"):
        mock.numbers("sk-nobody")


def test_deleted_lists_conversations_deleted_over_the_api(served) -> None:
    mock, client = served
    headers = {"authorization": mock.api_key}
    mock.clock.set("2026-02-01T12:00:00Z")
    first = _send(mock, client)["conversation_id"]
    second = _send(mock, client, user_number="+15550002222")["conversation_id"]
    other = mock.add_account("+15557770003")
    assert mock.deleted() == []
    mock.clock.advance("1m")
    assert client.delete(f"/v1/sms/conversations/{first}", headers=headers).status_code == 200
    mock.clock.advance("1m")
    assert client.delete(f"/v1/sms/conversations/{second}", headers=headers).status_code == 200
    gone = mock.deleted()
    assert [(c["id"], c["deleted_at"]) for c in gone] == [
        (second, "2026-02-01T12:02:00.000Z"),  # newest first
        (first, "2026-02-01T12:01:00.000Z"),
    ]
    assert gone[1]["last_message"] == "Your order shipped" and gone[1]["message_count"] == 1
    assert mock.deleted(mock.api_key) == gone and mock.deleted(other["api_key"]) == []
    with pytest.raises(MockError, match=r"not found \(deleted at 2026-02-01T12:01:00.000Z\)"):
        mock.conversation(first)
    with pytest.raises(MockError, match="deleted at"):
        mock.messages(second)
    mock.reset()
    assert mock.deleted() == []
