"""`POST /v1/sms/send`: AGENT messages, old field names, the AI stand-in text, timers and idempotency keys."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from bland_sms_mock.contracts.models.api import MOCK_AI_MESSAGE
from flask.testing import FlaskClient
from mock_support import DEMO_AGENT, OTHER_AGENT, PLAIN_AGENT, USER, error_codes, error_for
from werkzeug.test import TestResponse

Send = Callable[..., TestResponse]


@pytest.fixture
def send(client: FlaskClient, auth: dict[str, str]) -> Send:
    """POST a send with the current field names; keyword arguments override body fields (None drops one)."""

    def _send(headers: dict[str, str] | None = None, **fields: Any) -> TestResponse:
        body = {"user_number": USER, "agent_number": DEMO_AGENT, "agent_message": "Your order shipped"} | fields
        body = {k: v for k, v in body.items() if v is not None}
        return client.post("/v1/sms/send", json=body, headers={**auth, **(headers or {})})

    return _send


def _conversation(client: FlaskClient, auth: dict[str, str], conversation_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/sms/conversations/{conversation_id}", headers=auth)
    assert response.status_code == 200, response.json
    return response.json["data"]


def test_send_stores_an_agent_message_and_answers_its_id(send: Send, client: FlaskClient, auth) -> None:
    response = send()
    assert response.status_code == 200
    data = response.json["data"]
    assert response.json["errors"] is None
    assert data["message"] == "SMS sent successfully"
    conversation = _conversation(client, auth, data["conversation_id"])
    [message] = conversation["messages"]
    assert (message["id"], message["sender"], message["message"]) == (data["message_id"], "AGENT", "Your order shipped")
    assert (message["from"], message["to"], message["status"]) == (DEMO_AGENT, USER, "delivered")


def test_send_continues_the_active_conversation_of_the_pair(send: Send, create) -> None:
    first = send().json["data"]["conversation_id"]
    assert create(message="ok").json["data"]["conversation_id"] == first
    assert send(agent_message="Great").json["data"]["conversation_id"] == first


def test_new_conversation_archives_the_active_one(send: Send, client: FlaskClient, auth) -> None:
    first = send().json["data"]["conversation_id"]
    second = send(new_conversation=True).json["data"]["conversation_id"]
    assert second != first
    assert _conversation(client, auth, first)["is_active"] is False
    assert _conversation(client, auth, second)["is_active"] is True


def test_the_cli_field_names_are_accepted(client: FlaskClient, auth) -> None:
    body = {"phone_number": USER, "from": DEMO_AGENT, "message": "sent the old way"}
    data = client.post("/v1/sms/send", json=body, headers=auth).json["data"]
    [message] = _conversation(client, auth, data["conversation_id"])["messages"]
    assert message["message"] == "sent the old way"


def test_the_current_name_wins_over_the_old_one(send: Send, client: FlaskClient, auth) -> None:
    data = send(message="old name", agent_message="new name").json["data"]
    assert _conversation(client, auth, data["conversation_id"])["last_message"] == "new name"


def test_without_agent_message_the_mock_sends_its_documented_text(send: Send, client: FlaskClient, auth) -> None:
    data = send(agent_message=None).json["data"]
    assert _conversation(client, auth, data["conversation_id"])["last_message"] == MOCK_AI_MESSAGE


def test_a_send_starts_the_silence_timer(send: Send, advance, detail) -> None:
    conversation_id = send().json["data"]["conversation_id"]
    assert detail(conversation_id)["next_timer"]["kind"] == "warning"
    advance(900)
    assert detail(conversation_id)["is_active"] is False
    assert detail(conversation_id)["timed_out_at"] == "2026-01-05T09:15:00.000Z"


def test_overrides_and_pathway_fields_land_on_the_conversation(send: Send, detail) -> None:
    conversation_id = send(
        time_out=60, warning_time=30, pathway_id="pw-1", pathway_version=3, start_node_id="n-2", channel="whatsapp"
    ).json["data"]["conversation_id"]
    shown = detail(conversation_id)
    assert (shown["time_out"], shown["warning_time"]) == (60, 30)
    assert (shown["curr_pathway_id"], shown["curr_pathway_version"], shown["current_node_id"]) == ("pw-1", "3", "n-2")
    assert shown["effective_channel"] == "whatsapp"


def test_warning_not_below_time_out_is_refused_and_stores_nothing(send: Send, list_conversations) -> None:
    response = send(time_out=60, warning_time=60)
    assert response.status_code == 400
    assert error_codes(response) == ["INVALID_TIMEOUT_CONFIG"]
    assert list_conversations().json["data"] == []


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"user_number": "555"}, "user_number", "INVALID_PHONE_NUMBER"),
        ({"user_number": None}, "user_number", "MISSING_REQUIRED_FIELDS"),
        ({"agent_message": "   "}, "agent_message", "INVALID_FIELD"),
        ({"webhook": "ftp://example.com/hook"}, "webhook", "INVALID_FIELD"),
        ({"channel": "fax"}, "channel", "INVALID_FIELD"),
        ({"metadata": "not an object"}, "metadata", "INVALID_FIELD"),
        ({"persona_version": "beta"}, "persona_version", "INVALID_FIELD"),
    ],
)
def test_bad_fields_are_named_and_store_nothing(send: Send, list_conversations, fields, field, code) -> None:
    response = send(**fields)
    assert response.status_code == 400
    assert error_for(response, field) == code
    assert list_conversations().json["data"] == []


def test_an_agent_number_of_another_account_is_refused(send: Send) -> None:
    response = send(agent_number=OTHER_AGENT)
    assert response.status_code == 400
    assert error_codes(response) == ["AGENT_NUMBER_NOT_FOUND"]


def test_the_same_idempotency_key_and_body_answer_the_same_and_store_once(send: Send, client, auth) -> None:
    first = send(headers={"idempotency-key": "retry-1"})
    again = send(headers={"idempotency-key": "retry-1"})
    assert again.status_code == 200
    assert again.json["data"] == first.json["data"]
    assert len(_conversation(client, auth, first.json["data"]["conversation_id"])["messages"]) == 1


def test_the_same_key_with_another_body_is_409_and_stores_nothing(send: Send, client, auth) -> None:
    first = send(headers={"idempotency-key": "k"}).json["data"]
    response = send(headers={"idempotency-key": "k"}, agent_message="something else")
    assert response.status_code == 409
    assert error_codes(response) == ["IDEMPOTENCY_KEY_REUSED"]
    assert len(_conversation(client, auth, first["conversation_id"])["messages"]) == 1


def test_keys_are_per_account_and_a_refused_send_does_not_use_one_up(send: Send, client, other_auth) -> None:
    assert send(headers={"idempotency-key": "k"}, user_number="bad").status_code == 400
    assert send(headers={"idempotency-key": "k"}).status_code == 200
    body = {"user_number": USER, "agent_number": OTHER_AGENT, "agent_message": "other account"}
    other = client.post("/v1/sms/send", json=body, headers={**other_auth, "idempotency-key": "k"})
    assert other.status_code == 200


def test_a_reset_forgets_the_keys(send: Send, client) -> None:
    first = send(headers={"idempotency-key": "k"}).json["data"]
    client.post("/_mock/reset", json={})
    assert send(headers={"idempotency-key": "k"}).json["data"]["conversation_id"] != first["conversation_id"]


def test_an_empty_key_is_refused(send: Send) -> None:
    response = send(headers={"idempotency-key": " "})
    assert response.status_code == 400
    assert error_for(response, "idempotency-key") == "INVALID_FIELD"


def test_a_number_without_settings_starts_no_timer(send: Send, detail) -> None:
    conversation_id = send(agent_number=PLAIN_AGENT).json["data"]["conversation_id"]
    assert detail(conversation_id)["next_timer"] is None


def test_a_bad_number_under_an_old_name_is_named_as_sent(client: FlaskClient, auth) -> None:
    body = {"phone_number": "555", "from": DEMO_AGENT, "message": "hi"}
    response = client.post("/v1/sms/send", json=body, headers=auth)
    assert response.status_code == 400
    assert error_for(response, "phone_number") == "INVALID_PHONE_NUMBER"
