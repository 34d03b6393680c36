"""The SMS endpoints driven with plain `requests` against a served mock, the way open integrations call them.

An integration sends an AGENT message, reads the conversation back, finds it again in the list with a
`created_at` window and a `user_number` search (filters as URL-encoded JSON), ends it with a PATCH and
finally deletes it. Each step checks what the integration's user would notice. The control API is used
only to put the mock's clock at known instants.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from bland_sms_mock.mock_server.config import DEMO_AGENT_NUMBER, DEMO_API_KEY

pytestmark = pytest.mark.e2e

USER = "+15550001111"
OTHER_USER = "+15550007777"


@pytest.fixture
def session(url: str) -> Iterator[requests.Session]:
    """A `requests` session authenticated as the demo account, on a freshly reset mock."""
    with requests.Session() as client:
        client.headers["authorization"] = DEMO_API_KEY
        assert client.post(f"{url}/_mock/reset", timeout=10).status_code == 200
        yield client


def _set_clock(session: requests.Session, url: str, instant: str) -> None:
    assert session.post(f"{url}/_mock/clock", json={"set": instant}, timeout=10).status_code == 200


def _send(session: requests.Session, url: str, user: str, text: str) -> dict[str, Any]:
    body = {"user_number": user, "agent_number": DEMO_AGENT_NUMBER, "agent_message": text}
    response = session.post(f"{url}/v1/sms/send", json=body, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def _list(session: requests.Session, url: str, *filters: dict[str, Any]) -> dict[str, Any]:
    params = {"filters": json.dumps(list(filters))} if filters else {}
    response = session.get(f"{url}/v1/sms/conversations", params=params, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_send_get_list_end_and_delete_as_an_integration_does(session: requests.Session, url: str) -> None:
    # Yesterday's conversation with the same customer: the created_at window must leave it out.
    _set_clock(session, url, "2026-03-01T09:00:00Z")
    old = _send(session, url, USER, "Yesterday's reminder")["data"]["conversation_id"]
    assert session.patch(f"{url}/v1/sms/conversations/{old}", json={"is_active": False}, timeout=10).ok
    _set_clock(session, url, "2026-03-02T09:00:00Z")
    since = datetime(2026, 3, 2, 8, 0, tzinfo=UTC).isoformat()  # "2026-03-02T08:00:00+00:00", as Python writes it

    # 1. send: the answer names the conversation and the message.
    sent = _send(session, url, USER, "Your order #1042 has shipped.")
    assert sent["errors"] is None and sent["data"]["message"] == "SMS sent successfully"
    conversation_id, message_id = sent["data"]["conversation_id"], sent["data"]["message_id"]
    assert conversation_id != old  # the ended conversation stays ended; a fresh one opens
    _send(session, url, OTHER_USER, "Your order #1043 has shipped.")  # another customer, same window

    # 2. get: the message is there, from the agent number to the customer, delivered.
    one = session.get(f"{url}/v1/sms/conversations/{conversation_id}", timeout=10)
    assert one.status_code == 200
    conversation = one.json()["data"]
    assert conversation["is_active"] is True and conversation["timed_out_at"] is None
    assert [(m["id"], m["sender"], m["from"], m["to"], m["text"], m["status"]) for m in conversation["messages"]] == [
        (message_id, "AGENT", DEMO_AGENT_NUMBER, USER, "Your order #1042 has shipped.", "delivered")
    ]
    assert conversation["created_at"] == "2026-03-02T09:00:00.000Z"

    # 3. list: a created_at window, a number search, and both together.
    window = {"field": "created_at", "operator": "gte", "value": since}
    search = {"field": "user_number", "operator": "contains", "value": "0001111"}
    recent = _list(session, url, window)
    assert recent["extra"]["pagination"]["totalItems"] == 2 and old not in [c["id"] for c in recent["data"]]
    assert {c["id"] for c in _list(session, url, search)["data"]} == {conversation_id, old}
    both = _list(session, url, window, search)
    assert [c["id"] for c in both["data"]] == [conversation_id]
    [item] = both["data"]
    assert (item["is_active"], item["message_count"], item["last_message"]) == (
        True,
        1,
        "Your order #1042 has shipped.",
    )

    # 4. patch: ended, answered without the `data` wrapper; no timeout message arrives later.
    _set_clock(session, url, "2026-03-02T09:05:00Z")
    patched = session.patch(f"{url}/v1/sms/conversations/{conversation_id}", json={"is_active": False}, timeout=10)
    assert patched.status_code == 200
    assert patched.json() == {
        "message": "Conversation updated successfully",
        "conversation": {"id": conversation_id, "is_active": False, "updated_at": "2026-03-02T09:05:00.000Z"},
    }
    _set_clock(session, url, "2026-03-02T10:00:00Z")  # past the demo number's 15-minute timeout
    ended = session.get(f"{url}/v1/sms/conversations/{conversation_id}", timeout=10).json()["data"]
    assert ended["is_active"] is False and ended["timed_out_at"] is None
    assert [m["text"] for m in ended["messages"]] == ["Your order #1042 has shipped."]  # no warning, no timeout
    [listed] = _list(session, url, window, search)["data"]
    assert listed["is_active"] is False

    # 5. delete: gone from reads, lists and counts; a second delete finds nothing.
    deleted = session.delete(f"{url}/v1/sms/conversations/{conversation_id}", timeout=10)
    assert deleted.status_code == 200
    assert deleted.json() == {
        "data": {"message": "Conversation and all associated messages deleted successfully"},
        "errors": None,
    }
    missing = session.get(f"{url}/v1/sms/conversations/{conversation_id}", timeout=10)
    assert missing.status_code == 404 and missing.json()["errors"][0]["error"] == "CONVERSATION_NOT_FOUND"
    after = _list(session, url, window, search)
    assert after["data"] == [] and after["extra"]["pagination"]["totalItems"] == 0
    remaining = [c["id"] for c in _list(session, url)["data"]]
    assert conversation_id not in remaining and len(remaining) == 2
    numbers = session.get(f"{url}/v1/sms/numbers", timeout=10).json()["data"]
    assert numbers[0]["conversation_count"] == 2  # yesterday's and the other customer's
    again = session.delete(f"{url}/v1/sms/conversations/{conversation_id}", timeout=10)
    assert again.status_code == 404 and again.json()["errors"][0]["error"] == "CONVERSATION_NOT_FOUND"
