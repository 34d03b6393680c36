"""pytest fixtures for code that talks to the Bland SMS API: an in-process mock per test, or one per session.

Registered through the `pytest11` entry point, so installing bland-sms-mock is enough:

- `bland_mock`: a fresh mock served on a free 127.0.0.1 port for one test, then stopped.
- `bland_mock_session`: one served mock for the whole session; `bland_mock_shared` hands it to a test
  after resetting it (accounts, conversations, journal, faults, clock), so tests never see each other.
- `bland_mock_intercept`: a fresh mock that `requests`/`httpx` calls to https://api.bland.ai reach with
  no socket, for code whose base URL is not configurable.
- `bland_mock_intercept_shared`: the same without a socket, but one in-memory mock for the session, reset
  before each test: the cheapest fixture (tens of microseconds per test).
- `bland_webhook_receiver`: a local HTTP server on a free 127.0.0.1 port that records the webhooks it
  receives (`.url`, `.requests`, `.wait_for(...)`), stopped after the test.

Choose accounts and seeds with `@pytest.mark.bland_mock(config=..., seeds=[...])` (function-scoped fixtures;
each argument given replaces the ini's, so `seeds=[]` loads none) or the ini options `bland_mock_config` /
`bland_mock_seeds` (all fixtures).
This module imports the mock only when a fixture is used, so loading the plugin costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from bland_sms_mock.mock_server.bland_mock import BlandMock
    from bland_sms_mock.mock_server.receiver import WebhookReceiver


def pytest_addoption(parser: pytest.Parser) -> None:
    """Ini options for the mock's accounts and seeds; command-line options for the contract kit's tests."""
    parser.addini("bland_mock_config", "Accounts file (YAML/JSON) for the bland_mock fixtures", default="")
    parser.addini("bland_mock_seeds", "Seed files loaded into every bland_mock fixture", type="linelist", default=[])
    group = parser.getgroup(
        "bland-sms-mock contract", "the contract kit (pytest --pyargs bland_sms_mock.contracts.kit.contract_tests)"
    )
    group.addoption("--contract-base-url", help="Target of the contract checks (a deployment or a mock).")
    group.addoption("--contract-api-key", help="API key for a target that is not a mock.")
    group.addoption("--contract-agent-number", help="An agent number of that key's account.")
    group.addoption(
        "--contract-level",
        default="inferred",
        choices=["documented", "inferred", "mock"],
        help="Strictest rule level that fails a check (default inferred).",
    )
    group.addoption("--contract-max-examples", type=int, default=50, help="Examples per generated suite.")
    group.addoption("--contract-read-only", action="store_true", help="Run only the checks that create nothing.")
    group.addoption(
        "--contract-allow-number-updates",
        action="store_true",
        help="Let numbers.update change the agent number's sms_config (it puts the previous settings back).",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Declare the `bland_mock` marker."""
    config.addinivalue_line(
        "markers", "bland_mock(config=None, seeds=()): accounts file or dict and seed files for this test's mock"
    )


def _options(request: pytest.FixtureRequest, *, use_marker: bool) -> dict[str, Any]:
    root = request.config.rootpath
    config: Any = request.config.getini("bland_mock_config") or None
    seeds: list[Any] = [root / path for path in request.config.getini("bland_mock_seeds")]
    if config:
        config = str(root / config)
    marker = request.node.get_closest_marker("bland_mock") if use_marker else None
    if marker is not None:
        config = marker.kwargs.get("config", config)
        if "seeds" in marker.kwargs:  # the marker's seeds replace the ini's (`seeds=[]`: none at all)
            seeds = list(marker.kwargs["seeds"])
    return {"config": config, "seeds": seeds}


def _new_mock(options: dict[str, Any]) -> BlandMock:
    from bland_sms_mock.mock_server.bland_mock import BlandMock

    return BlandMock(options["config"], seeds=options["seeds"])


@pytest.fixture
def bland_mock(request: pytest.FixtureRequest) -> Iterator[BlandMock]:
    """A fresh mock for this test, served on a free loopback port (`.url`, `.api_key`, `.agent_number`, ...)."""
    with _new_mock(_options(request, use_marker=True)) as mock:
        yield mock


@pytest.fixture(scope="session")
def bland_mock_session(request: pytest.FixtureRequest) -> Iterator[BlandMock]:
    """One mock served for the whole session (not reset: use `bland_mock_shared` in tests)."""
    with _new_mock(_options(request, use_marker=False)) as mock:
        yield mock


@pytest.fixture(scope="session")
def _bland_mock_ini_seeds(request: pytest.FixtureRequest) -> list[Any]:
    """The ini's seed files (`BlandMock.seed` parses a file once while it is unchanged)."""
    return _options(request, use_marker=False)["seeds"]


def _reset(mock: BlandMock, seeds: list[Any]) -> BlandMock:
    mock.reset()
    for document in seeds:
        mock.seed(document)
    return mock


@pytest.fixture
def bland_mock_shared(bland_mock_session: BlandMock, _bland_mock_ini_seeds: list[Any]) -> BlandMock:
    """The session's mock, reset for this test and re-seeded from the ini seeds."""
    return _reset(bland_mock_session, _bland_mock_ini_seeds)


@pytest.fixture
def bland_mock_intercept(request: pytest.FixtureRequest) -> Iterator[BlandMock]:
    """A fresh in-memory mock that `requests`/`httpx` calls to https://api.bland.ai reach, with no socket."""
    from bland_sms_mock.mock_server.intercept import intercept

    with intercept(_new_mock(_options(request, use_marker=True))) as mock:
        yield mock
    mock.stop()  # its webhook threads, if it delivered any


@pytest.fixture(scope="session")
def _bland_mock_in_memory(request: pytest.FixtureRequest) -> Iterator[BlandMock]:
    """One mock for the session that is never served: `bland_mock_intercept_shared` hands it out."""
    mock = _new_mock({**_options(request, use_marker=False), "seeds": []})
    yield mock
    mock.stop()  # its webhook threads, if it delivered any


@pytest.fixture
def bland_mock_intercept_shared(
    _bland_mock_in_memory: BlandMock, _bland_mock_ini_seeds: list[Any]
) -> Iterator[BlandMock]:
    """The session's in-memory mock, reset and re-seeded for this test, reached with no socket.

    As `bland_mock_intercept` (calls to https://api.bland.ai from `requests`, httpx and urllib go to the
    mock) at the cost of a reset instead of building a mock: the cheapest fixture per test.
    """
    from bland_sms_mock.mock_server.intercept import intercept

    with intercept(_reset(_bland_mock_in_memory, _bland_mock_ini_seeds)) as mock:
        yield mock


@pytest.fixture
def bland_webhook_receiver() -> Iterator[WebhookReceiver]:
    """A recording webhook endpoint on a free loopback port (`.url`, `.requests`, `.wait_for(...)`), then stopped.

    Point a number's `webhook` (or a send's) at `.url`; `respond_with(500, 500)` and `hang()` make it fail.
    """
    from bland_sms_mock.mock_server.receiver import WebhookReceiver

    with WebhookReceiver() as receiver:
        yield receiver
