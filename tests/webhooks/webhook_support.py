"""Helpers shared by the webhook tests: acting as an app through the API."""

from __future__ import annotations

import socket
from typing import Any

import httpx

from bland_sms_mock import BlandMock

USER = "+15550001111"
OTHER_USER = "+15550002222"
START = "2026-03-02T10:00:00Z"


def point_number_at(api: httpx.Client, number: str, url: str | None) -> None:
    """Set (or clear) a number's sms_config.webhook through the API."""
    response = api.post("/v1/sms/number/update", json={"phone_number": number, "webhook": url})
    assert response.status_code == 200, response.text


def send(api: httpx.Client, mock: BlandMock, text: str = "Your order has shipped.", **fields: Any) -> str:
    """Send an agent message through the API; return the conversation id."""
    body = {"user_number": USER, "agent_number": mock.agent_number, "agent_message": text, **fields}
    response = api.post("/v1/sms/send", json=body)
    assert response.status_code == 200, response.text
    return response.json()["data"]["conversation_id"]


def reply(api: httpx.Client, mock: BlandMock, text: str = "thanks", **fields: Any) -> str:
    """Store a USER message through the API; return the conversation id."""
    body = {"user_number": USER, "agent_number": mock.agent_number, "message": text, **fields}
    response = api.post("/v1/sms/create", json=body)
    assert response.status_code == 200, response.text
    return response.json()["data"]["conversation_id"]


def closed_port_url() -> str:
    """A loopback URL nothing listens on (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/webhook"
