"""`X-Webhook-Signature`: HMAC-SHA256 of the raw body with the account's webhook secret."""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx
from bland_sms_mock.mock_server.state import default_webhook_secret
from webhook_support import send

from bland_sms_mock import BlandMock, WebhookReceiver


# The verifier docs/webhooks.md shows, as an app would paste it.
def verify(secret: str, body: bytes, signature: str) -> bool:
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def test_the_documented_verifier_accepts_the_mocks_webhook_and_refuses_a_tampered_one(
    mock: BlandMock, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    send(api, mock, "Your code is 123456", webhook=receiver.url)
    [request] = receiver.wait_for(1)
    secret = httpx.get(f"{mock.url}/_mock/accounts").json()["accounts"][0]["webhook_secret"]

    assert verify(secret, request.body, request.headers["x-webhook-signature"])
    assert not verify(secret, request.body.replace(b"123456", b"654321"), request.headers["x-webhook-signature"])
    assert not verify("whsec_wrong", request.body, request.headers["x-webhook-signature"])


def test_a_verifier_that_serialises_the_parsed_body_again_still_matches(
    mock: BlandMock, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    send(api, mock, "Café ☕ at 5?", webhook=receiver.url, metadata={"nested": {"a": [1, "ü"]}})
    [request] = receiver.wait_for(1)

    again = json.dumps(request.json, separators=(",", ":"), ensure_ascii=False).encode()  # JSON.stringify's form

    assert again == request.body
    assert verify(mock.webhook_secret(), again, request.headers["x-webhook-signature"])


def test_an_account_without_a_configured_secret_has_a_stable_derived_one(mock: BlandMock) -> None:
    secret = mock.webhook_secret("demo")

    assert secret == default_webhook_secret("demo") == BlandMock().webhook_secret("demo")
    assert secret.startswith("whsec_") and len(secret) == 38


def test_a_secret_given_for_an_account_signs_its_webhooks(mock: BlandMock, receiver: WebhookReceiver) -> None:
    added = httpx.post(
        f"{mock.url}/_mock/accounts",
        json={
            "api_key": "sk-clinic",
            "agent_numbers": [{"number": "+15552228888", "sms_config": {"webhook": receiver.url}}],
            "webhook_secret": "whsec_clinic_secret",
        },
    )
    assert added.status_code == 201 and added.json()["webhook_secret"] == "whsec_clinic_secret"
    body = {"user_number": "+15550001111", "agent_number": "+15552228888", "agent_message": "hi"}

    httpx.post(f"{mock.url}/v1/sms/send", json=body, headers={"authorization": "sk-clinic"})

    [request] = receiver.wait_for(1)
    assert verify("whsec_clinic_secret", request.body, request.headers["x-webhook-signature"])
