"""Webhooks from Python: `BlandMock.webhooks`, `wait_for_webhook`, and the receiver fixture."""

from __future__ import annotations

import httpx
import pytest
from webhook_support import send

from bland_sms_mock import BlandMock, WebhookReceiver


def test_wait_for_webhook_returns_the_first_delivery_that_matches(
    mock: BlandMock, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    conversation_id = send(api, mock, "one", webhook=receiver.url)
    send(api, mock, "two")

    found = mock.wait_for_webhook(conversation_id=conversation_id, payload={"message": "two"})

    assert (found["event"], found["status"], found["payload"]["sender"]) == ("message", "delivered", "AGENT")


def test_wait_for_webhook_fails_with_the_closest_delivery(
    mock: BlandMock, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    send(api, mock, "one", webhook=receiver.url)
    mock.wait_for_webhook()

    with pytest.raises(AssertionError) as failure:
        mock.wait_for_webhook(timeout=0.2, event="status")

    message = str(failure.value)
    assert "No webhook delivery matched" in message
    assert "Closest: whd_1 message delivered" in message
    assert 'event: expected "status", got "message"' in message


def test_the_receiver_fixture_records_headers_and_json(
    mock: BlandMock, api: httpx.Client, bland_webhook_receiver: WebhookReceiver
) -> None:
    send(api, mock, webhook=bland_webhook_receiver.url)

    [request] = bland_webhook_receiver.wait_for(1, type="message")

    assert (request.method, request.path) == ("POST", "/webhook")
    assert request.headers["content-type"] == "application/json"
    assert request.json["agent_number"] == mock.agent_number
    assert request.signed_with(mock.webhook_secret())


def test_stopping_the_mock_stops_its_webhook_threads_and_a_new_webhook_starts_them(
    mock: BlandMock, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    send(api, mock, webhook=receiver.url)
    mock.wait_for_webhook()
    assert mock.store.webhooks.shutdown(timeout=2)

    send(api, mock, "again")

    assert mock.wait_for_webhook(payload={"message": "again"})


def test_an_intercept_that_blocks_other_hosts_does_not_block_the_mocks_own_webhooks(
    bland_webhook_receiver: WebhookReceiver,
) -> None:
    from bland_sms_mock import intercept

    with intercept(block_other_hosts=True) as mock:
        body = {"user_number": "+15550001111", "agent_number": mock.agent_number, "webhook": bland_webhook_receiver.url}
        made = httpx.post("https://api.bland.ai/v1/sms/send", json=body, headers={"authorization": mock.api_key})
        assert made.status_code == 200
        with pytest.raises(httpx.ConnectError):
            httpx.get(bland_webhook_receiver.url)  # the app's own calls elsewhere are blocked

        assert mock.wait_for_webhook()["payload"]["phone_number"] == "+15550001111"
    mock.stop()
