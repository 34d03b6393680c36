"""Webhook fault rules: drop, delay or duplicate chosen webhooks, on purpose."""

from __future__ import annotations

import httpx
import pytest
from webhook_support import send

from bland_sms_mock import BlandMock, MockError, WebhookReceiver


def test_a_drop_rule_means_the_app_never_hears_of_the_event(
    mock: BlandMock, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    rule = httpx.post(f"{mock.url}/_mock/webhooks/faults", json={"event": "message", "drop": True, "times": 1})
    assert rule.status_code == 201 and rule.json()["id"] == "wf-1"

    send(api, mock, "lost", webhook=receiver.url)
    send(api, mock, "kept")

    assert [r.json["message"] for r in receiver.wait_for(1)] == ["kept"]
    lost = mock.webhook_deliveries(status="dropped")
    assert [(d["payload"]["message"], d["fault"], d["attempts"]) for d in lost] == [("lost", "wf-1", [])]


def test_a_delay_rule_holds_the_webhook_until_the_mock_clock_gets_there(
    mock: BlandMock, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    mock.webhook_faults.add(delay="30s")
    send(api, mock, webhook=receiver.url)
    mock.clock.advance(29)
    mock.settle_webhooks()
    assert receiver.requests == []

    mock.clock.advance(1)

    delivered = mock.wait_for_webhook()
    assert delivered["attempts"][0]["sent_at"] == "2026-03-02T10:00:30.000Z"
    assert [r.json["message"] for r in receiver.requests] == ["Your order has shipped."]


def test_a_duplicate_rule_delivers_the_same_webhook_twice(
    mock: BlandMock, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    mock.webhook_faults.add(event="message", duplicate=True, duplicate_after=40)
    send(api, mock, webhook=receiver.url)
    receiver.wait_for(1)

    mock.clock.advance(40)

    first, second = receiver.wait_for(2)
    assert first.body == second.body and first.signature == second.signature
    original, copy = mock.webhooks
    assert copy["duplicate_of"] == original["id"]
    assert [f["applied"] for f in mock.webhook_faults.list()] == [1]


@pytest.mark.parametrize(
    "rule",
    [{}, {"drop": True, "delay": 5}, {"duplicate_after": 5}, {"delay": 0}, {"drop": True, "path": "/x"}],
)
def test_a_rule_without_exactly_one_effect_is_refused(mock: BlandMock, rule: dict) -> None:
    assert httpx.post(f"{mock.url}/_mock/webhooks/faults", json=rule).status_code == 400
    with pytest.raises(MockError):
        mock.webhook_faults.add(**rule)


def test_rules_are_listed_removed_and_cleared(mock: BlandMock) -> None:
    first = mock.webhook_faults.add(drop=True)
    mock.webhook_faults.add(delay=5)

    mock.webhook_faults.remove(first["id"])
    assert [f["id"] for f in httpx.get(f"{mock.url}/_mock/webhooks/faults").json()["faults"]] == ["wf-2"]
    assert httpx.delete(f"{mock.url}/_mock/webhooks/faults/wf-1").status_code == 404
    assert httpx.delete(f"{mock.url}/_mock/webhooks/faults").json() == {"status": "ok", "cleared": 1}
    assert mock.webhook_faults.list() == []
