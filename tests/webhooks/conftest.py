"""Fixtures for the webhook tests: a served mock with its clock frozen, an API client, a receiver.

Every test here must leave no webhook worker, scheduler or receiver thread behind.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from webhook_support import START

from bland_sms_mock import BlandMock, WebhookReceiver

OUR_THREADS = ("bland-sms-mock:webhook", "webhook-receiver")


@pytest.fixture(autouse=True)
def no_thread_left_behind() -> Iterator[None]:
    """Fail a test that leaves a webhook or receiver thread running after its fixtures are torn down.

    Only threads the test started count: a test of another folder run earlier in the same worker process
    may have left a mock of its own unstopped.
    """
    before = set(threading.enumerate())

    def ours() -> list[str]:
        return [t.name for t in threading.enumerate() if t.name.startswith(OUR_THREADS) and t not in before]

    yield
    deadline = time.monotonic() + 2
    while (left := ours()) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not left, f"threads still running: {left}"


@pytest.fixture
def mock(bland_mock: BlandMock) -> BlandMock:
    """The demo account's mock (15-minute timeout, warning at 10), served, its clock frozen at START."""
    bland_mock.clock.set(START)
    return bland_mock


@pytest.fixture
def api(mock: BlandMock) -> Iterator[httpx.Client]:
    """An httpx client on the mock's URL, authenticated as the demo account: what an app would use."""
    with httpx.Client(base_url=mock.url, headers={"authorization": mock.api_key}, timeout=10) as client:
        yield client


@pytest.fixture
def receiver(bland_webhook_receiver: WebhookReceiver) -> WebhookReceiver:
    """The app's webhook endpoint."""
    return bland_webhook_receiver
