"""Fixtures for replay tests: a served mock per module (reset by the runner per scenario), and the CLI."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from contracts.client import Client
from contracts.scenarios.runner import Target
from mock_server.handle import BlandMock


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
