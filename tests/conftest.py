"""Shared fixtures: an app built fresh per test from the demo config, with a frozen clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from bland_sms_mock.mock_server.app import create_app
from bland_sms_mock.mock_server.config import DEMO_AGENT_NUMBER, DEMO_API_KEY
from flask import Flask
from flask.testing import FlaskClient

START = "2026-01-05T09:00:00.000Z"


@pytest.fixture
def app() -> Flask:
    """A mock app with the demo account, its clock frozen at START."""
    application = create_app()
    application.test_client().post("/_mock/clock", json={"set": START})
    return application


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    """A test client for `app`."""
    with app.test_client() as test_client:
        yield test_client


@pytest.fixture
def auth() -> dict[str, str]:
    """Headers that authenticate as the demo account."""
    return {"authorization": DEMO_API_KEY}


@pytest.fixture
def agent() -> str:
    """The demo account's agent number."""
    return DEMO_AGENT_NUMBER
