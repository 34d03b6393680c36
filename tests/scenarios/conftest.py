"""Fixtures for replay tests: a served mock per module (reset by the runner per scenario), a `serve
--no-control` process, and the CLI."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest
from bland_sms_mock.contracts.client import Client
from bland_sms_mock.contracts.scenarios.runner import Target
from bland_sms_mock.mock_server.bland_mock import BlandMock
from click.testing import CliRunner
from serve_support import start_serve


@pytest.fixture(scope="module")
def served_mock() -> Iterator[BlandMock]:
    """One mock served on a free loopback port for the module."""
    with BlandMock() as mock:
        mock.start()
        yield mock


@pytest.fixture
def mock_target(served_mock: BlandMock) -> Iterator[Target]:
    """A replay target on the served mock, with its control API."""
    with Client(served_mock.url, served_mock.api_key) as client:
        yield Target(client, True, served_mock.api_key, "the test mock")


@pytest.fixture
def cli() -> CliRunner:
    """Runs `bland-sms-mock` commands in-process."""
    return CliRunner()


@pytest.fixture(scope="module")
def no_control_url() -> Iterator[str]:
    """The URL of `bland-sms-mock serve --no-control` (a target without the control API), stopped by its PID."""
    process, url, _ = start_serve("--no-control")
    try:
        yield url
    finally:
        os.kill(process.pid, signal.SIGTERM)
        process.communicate(timeout=15)
