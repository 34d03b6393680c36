"""The webhook logs: `GET /v1/sms/conversations/{id}/webhook` and the control API's `/_mock/webhooks`."""

from __future__ import annotations

import re

import httpx
from bland_sms_mock.contracts.models.api import WebhookLogResponse
from bland_sms_mock.contracts.models.control import WebhookListing
from webhook_support import point_number_at, send

from bland_sms_mock import BlandMock, WebhookReceiver


def test_the_v1_log_is_null_until_a_status_webhook_and_then_shows_it_with_its_attempts(
    mock: BlandMock, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    point_number_at(api, mock.agent_number, receiver.url)
    conversation_id = send(api, mock)
    mock.wait_for_webhook()
    assert api.get(f"/v1/sms/conversations/{conversation_id}/webhook").json() == {"data": None, "errors": None}

    mock.clock.advance("15m")
    mock.wait_for_webhook(event="status")

    body = api.get(f"/v1/sms/conversations/{conversation_id}/webhook").json()
    WebhookLogResponse.model_validate(body)
    log = body["data"]
    assert list(log) == ["conversation_id", "url", "payload", "created_at", "user_id", "metadata"]
    assert (log["conversation_id"], log["url"], log["user_id"]) == (conversation_id, receiver.url, "demo")
    assert (log["payload"]["type"], log["payload"]["status"]) == ("status", "timeout")
    assert log["created_at"] == "2026-03-02T10:15:00.000Z"
    [attempt] = log["metadata"]
    assert list(attempt) == ["sent_at", "response_code", "response_time", "send_type", "error_message"]
    assert (attempt["response_code"], attempt["send_type"], attempt["error_message"]) == (200, "spawn", None)
    assert re.fullmatch(r"\d+ms", attempt["response_time"])


def test_the_v1_log_of_an_unknown_or_foreign_conversation_is_404(mock: BlandMock, api: httpx.Client) -> None:
    other = mock.add_account(["+15552228888"])
    body = {"user_number": "+15550001111", "agent_number": "+15552228888", "agent_message": "hi"}
    foreign = httpx.post(f"{mock.url}/v1/sms/send", json=body, headers={"authorization": other["api_key"]})

    for conversation_id in ("convo_nope", foreign.json()["data"]["conversation_id"]):
        response = api.get(f"/v1/sms/conversations/{conversation_id}/webhook")
        assert response.status_code == 404
        assert response.json()["errors"][0]["error"] == "CONVERSATION_NOT_FOUND"


def test_the_control_log_lists_every_delivery_and_narrows_by_filters(
    mock: BlandMock, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    point_number_at(api, mock.agent_number, receiver.url)
    conversation_id = send(api, mock)
    mock.clock.advance("15m")
    mock.wait_for_webhook(event="status")

    everything = httpx.get(f"{mock.url}/_mock/webhooks").json()
    WebhookListing.model_validate(everything)
    assert [d["event"] for d in everything["deliveries"]] == ["message", "message", "message", "status"]
    assert {d["status"] for d in everything["deliveries"]} == {"delivered"}

    def ids(**params: object) -> list[str]:
        return [d["id"] for d in httpx.get(f"{mock.url}/_mock/webhooks", params=params).json()["deliveries"]]

    assert ids(event="status") == [everything["deliveries"][-1]["id"]]
    assert ids(limit=2) == [d["id"] for d in everything["deliveries"][-2:]]
    assert len(ids(conversation_id=conversation_id, account="demo", status="delivered")) == 4
    assert ids(status="failed") == ids(conversation_id="convo_other") == []
    assert httpx.get(f"{mock.url}/_mock/webhooks", params={"status": "lost"}).status_code == 400


def test_deleting_the_control_log_empties_it(mock: BlandMock, api: httpx.Client, receiver: WebhookReceiver) -> None:
    send(api, mock, webhook=receiver.url)
    mock.wait_for_webhook()

    assert httpx.delete(f"{mock.url}/_mock/webhooks").json() == {"status": "ok", "cleared": 1}

    assert mock.webhooks == []
