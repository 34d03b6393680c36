"""Fixtures for the mock's own tests: small actions over the Flask test client."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from mock_support import OTHER_KEY, START, TEST_CONFIG, USER
from werkzeug.test import TestResponse

Create = Callable[..., TestResponse]
ListFn = Callable[..., TestResponse]


@pytest.fixture
def create(client: FlaskClient, auth: dict[str, str], agent: str) -> Create:
    """POST a create with sensible defaults; keyword arguments override body fields (None drops one)."""

    def _create(headers: dict[str, str] | None = None, **fields: Any) -> TestResponse:
        body = {"user_number": USER, "agent_number": agent, "message": "hello"} | fields
        body = {k: v for k, v in body.items() if v is not None}
        return client.post("/v1/sms/create", json=body, headers=auth if headers is None else headers)

    return _create


@pytest.fixture
def list_conversations(client: FlaskClient, auth: dict[str, str]) -> ListFn:
    """GET the list; `filters` may be a Python list (JSON-encoded here)."""

    def _list(headers: dict[str, str] | None = None, **params: Any) -> TestResponse:
        if isinstance(params.get("filters"), list):
            params["filters"] = json.dumps(params["filters"])
        return client.get("/v1/sms/conversations", query_string=params, headers=auth if headers is None else headers)

    return _list


@pytest.fixture
def advance(client: FlaskClient) -> Callable[[float], dict]:
    """Move the mock's clock forward by seconds; return the clock answer (with `fired`)."""

    def _advance(seconds: float) -> dict:
        response = client.post("/_mock/clock", json={"advance": seconds})
        assert response.status_code == 200, response.json
        return response.json

    return _advance


@pytest.fixture
def detail(client: FlaskClient, auth: dict[str, str]) -> Callable[[str], dict]:
    """The control API's view of a conversation."""

    def _detail(conversation_id: str) -> dict:
        response = client.get(f"/_mock/conversations/{conversation_id}", headers=auth)
        assert response.status_code == 200, response.json
        return response.json["data"]

    return _detail


@pytest.fixture
def messages(client: FlaskClient, auth: dict[str, str]) -> Callable[[str], list[dict]]:
    """A conversation's whole history through the control API."""

    def _messages(conversation_id: str) -> list[dict]:
        response = client.get(f"/_mock/conversations/{conversation_id}/messages", headers=auth)
        assert response.status_code == 200, response.json
        return response.json["data"]

    return _messages


@pytest.fixture
def app():
    """A mock with two accounts (the demo one with three numbers), its clock frozen at START."""
    from bland_sms_mock.mock_server.app import create_app

    application = create_app(TEST_CONFIG)
    application.test_client().post("/_mock/clock", json={"set": START})
    return application


@pytest.fixture
def other_auth() -> dict[str, str]:
    """Headers of the second account."""
    return {"authorization": OTHER_KEY}
