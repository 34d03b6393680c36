"""Which webhooks an app receives: a message webhook per stored message, a status webhook per status change."""

from __future__ import annotations

import time

import httpx
import pytest
from bland_sms_mock.contracts.models.api import MessageWebhook, StatusWebhook
from webhook_support import USER, point_number_at, reply, send

from bland_sms_mock import BlandMock, WebhookReceiver


def test_a_timeout_reaches_the_apps_handler_signed_and_in_order(
    mock: BlandMock, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    point_number_at(api, mock.agent_number, receiver.url)
    conversation_id = send(api, mock, "Your order has shipped.", metadata={"order_id": "A-17"})

    mock.clock.advance("15m")

    got = receiver.wait_for(4)
    assert [(r.json["type"], r.json.get("message_kind"), r.json.get("status")) for r in got] == [
        ("message", "message", None),
        ("message", "warning", None),
        ("message", "timeout", None),
        ("status", None, "timeout"),
    ]
    secret = mock.webhook_secret()
    assert all(r.signed_with(secret) for r in got)
    status = got[-1].json
    assert status["conversation_id"] == conversation_id
    assert status["metadata"] == {"order_id": "A-17"}
    assert status["created_at"] == "2026-03-02T10:15:00.000Z"  # the instant the timeout fell due
    assert status["message_count"] == 3
    assert status["chat_history"][0] == {"role": "assistant", "content": "Your order has shipped."}
    StatusWebhook.model_validate(status)
    for message in got[:3]:
        MessageWebhook.model_validate(message.json)


def test_with_a_running_clock_the_timeout_webhook_comes_without_any_request(
    mock: BlandMock, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    mock.clock.resume()
    number = mock.add_account(["+15552227777"], sms_config={"time_out": 1, "webhook": receiver.url})
    body = {"user_number": USER, "agent_number": "+15552227777", "agent_message": "hello"}
    assert api.post("/v1/sms/send", json=body, headers={"authorization": number["api_key"]}).status_code == 200
    sent = time.monotonic()

    status = receiver.wait_for(1, timeout=4, type="status")[0]

    assert status.json["status"] == "timeout"
    assert time.monotonic() - sent < 3


def test_a_user_message_is_a_message_webhook_from_the_user(
    mock: BlandMock, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    point_number_at(api, mock.agent_number, receiver.url)
    reply(api, mock, "Can I change the address?", request_data={"customer": 42})

    message = receiver.wait_for(1)[0].json

    assert (message["sender"], message["phone_number"]) == ("USER", USER)
    assert message["message"] == "Can I change the address?"
    assert message["variables"] == {"customer": 42}
    assert message["chat_history"] == [{"role": "user", "content": "Can I change the address?"}]


def test_ending_a_conversation_sends_an_ended_status(
    mock: BlandMock, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    point_number_at(api, mock.agent_number, receiver.url)
    conversation_id = send(api, mock)

    assert api.patch(f"/v1/sms/conversations/{conversation_id}", json={"is_active": False}).status_code == 200

    assert receiver.wait_for(1, type="status")[0].json["status"] == "ended"


def test_new_conversation_archives_the_old_one_with_an_inactive_status(
    mock: BlandMock, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    point_number_at(api, mock.agent_number, receiver.url)
    first = send(api, mock, "one")

    second = send(api, mock, "two", new_conversation=True)

    got = [r.json for r in receiver.wait_for(3)]  # in order within a conversation, not across conversations
    assert [(p["type"], p.get("status")) for p in got if p["conversation_id"] == first] == [
        ("message", None),
        ("status", "inactive"),
    ]
    assert [(p["type"], p["message"]) for p in got if p["conversation_id"] == second] == [("message", "two")]


def test_reactivating_a_conversation_sends_an_active_status(
    mock: BlandMock, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    point_number_at(api, mock.agent_number, receiver.url)
    conversation_id = send(api, mock)
    api.patch(f"/v1/sms/conversations/{conversation_id}", json={"is_active": False})

    api.patch(f"/v1/sms/conversations/{conversation_id}", json={"is_active": True})

    assert [r.json["status"] for r in receiver.wait_for(2, type="status")] == ["ended", "active"]


def test_deleting_a_conversation_sends_no_webhook(
    mock: BlandMock, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    point_number_at(api, mock.agent_number, receiver.url)
    conversation_id = send(api, mock)
    receiver.wait_for(1)

    assert api.delete(f"/v1/sms/conversations/{conversation_id}").status_code == 200
    mock.clock.advance("1h")
    mock.settle_webhooks()

    assert len(receiver.requests) == 1


def test_the_sends_webhook_wins_over_the_numbers(mock: BlandMock, api: httpx.Client, receiver: WebhookReceiver) -> None:
    point_number_at(api, mock.agent_number, "http://127.0.0.1:9/never")

    send(api, mock, webhook=receiver.url)

    assert receiver.wait_for(1)[0].json["type"] == "message"
    assert [d["url"] for d in mock.webhooks] == [receiver.url]


def test_the_numbers_webhook_is_read_at_each_events_instant(
    mock: BlandMock, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    send(api, mock, "before any webhook")
    point_number_at(api, mock.agent_number, receiver.url)

    mock.clock.advance("10m")  # the warning

    got = receiver.wait_for(1)
    assert got[0].json["message_kind"] == "warning"
    assert len(mock.webhooks) == 1  # the first message had nowhere to go


@pytest.mark.parametrize("where", ["nowhere", "cleared"])
def test_without_a_webhook_nothing_is_delivered(mock: BlandMock, api: httpx.Client, where: str) -> None:
    if where == "cleared":
        point_number_at(api, mock.agent_number, "http://127.0.0.1:9/hook")
        point_number_at(api, mock.agent_number, None)
    send(api, mock)

    mock.clock.advance("15m")

    assert mock.webhooks == []
