"""`check` against a developer's running mock leaves it as it found it: clock, accounts, their data."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from bland_sms_mock.contracts.kit.runner import KitOptions, run_kit
from bland_sms_mock.mock_server.app import create_app
from bland_sms_mock.mock_server.config import DEMO_AGENT_NUMBER, DEMO_API_KEY
from bland_sms_mock.mock_server.serving import BackgroundServer
from click.testing import CliRunner

from bland_sms_mock.cli import main

pytestmark = pytest.mark.e2e

ONLY = ("create.appends", "list.defaults", "timeouts")
"""A few checks that add conversations and move the clock by hours (the full run is in test_check_command)."""


def clock_of(url: str) -> dict[str, Any]:
    """The mock's clock as `GET /_mock/clock` shows it."""
    return httpx.get(f"{url}/_mock/clock").json()


def accounts_and_data(url: str) -> tuple[list, list]:
    """The account list and the demo account's conversations."""
    accounts = httpx.get(f"{url}/_mock/accounts").json()["accounts"]
    listed = httpx.get(
        f"{url}/v1/sms/conversations", headers={"authorization": DEMO_API_KEY}, params={"pageSize": 1000}
    ).json()["data"]
    return accounts, listed


def offset_ms(url: str) -> int:
    """How far the mock's running clock is ahead of wall time, in milliseconds."""
    from bland_sms_mock.contracts.models.api import timestamp_ms
    from bland_sms_mock.mock_server.clock import system_now_ms

    before = system_now_ms()
    now = timestamp_ms(clock_of(url)["now"])
    after = system_now_ms()
    return now - (before + after) // 2


@pytest.fixture
def mock_url() -> Any:
    """A served mock with one conversation of the developer's own (a USER message: no timer)."""
    server = BackgroundServer(create_app()).start()
    body = {"user_number": "+15550007001", "agent_number": DEMO_AGENT_NUMBER, "message": "mine"}
    assert httpx.post(f"{server.url}/v1/sms/create", json=body, headers={"authorization": DEMO_API_KEY}).is_success
    try:
        yield server.url
    finally:
        server.stop()


def test_check_restores_a_running_clock_with_its_offset_and_removes_its_accounts(mock_url: str) -> None:
    httpx.post(f"{mock_url}/_mock/clock", json={"set": "2031-03-04T05:06:07.000Z"})
    httpx.post(f"{mock_url}/_mock/clock", json={"freeze": False})  # running, years ahead of wall time
    found_offset, found = offset_ms(mock_url), accounts_and_data(mock_url)
    args = ["check", "--base-url", mock_url, "--max-examples", "5"]
    result = CliRunner().invoke(main, [*args, *(a for name in ONLY for a in ("--only", name))])
    assert result.exit_code == 0, result.output
    assert "PASS timeouts.warning_then_timeout" in result.output  # the clock was moved by 15 minutes and more
    assert clock_of(mock_url)["frozen"] is False
    assert abs(offset_ms(mock_url) - found_offset) < 250, "the running clock's offset was not put back"
    assert accounts_and_data(mock_url) == found


def test_check_puts_a_frozen_clock_back_at_its_instant(mock_url: str) -> None:
    frozen = httpx.post(f"{mock_url}/_mock/clock", json={"set": "2026-01-05T09:00:00.000Z"}).json()
    found = accounts_and_data(mock_url)
    report = run_kit(KitOptions(base_url=mock_url, max_examples=5, only=ONLY))
    assert not report.failed and report.left_behind == []
    assert clock_of(mock_url) == {"now": frozen["now"], "frozen": True}
    assert accounts_and_data(mock_url) == found


def test_an_interrupted_run_still_cleans_up(mock_url: str) -> None:
    found_clock, found = clock_of(mock_url), accounts_and_data(mock_url)
    found_offset = offset_ms(mock_url)

    def interrupt(outcome: Any) -> None:
        if outcome.name.startswith("timeouts."):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_kit(KitOptions(base_url=mock_url, max_examples=5, only=ONLY), on_outcome=interrupt)
    assert clock_of(mock_url)["frozen"] is found_clock["frozen"] is False
    assert abs(offset_ms(mock_url) - found_offset) < 250
    assert accounts_and_data(mock_url) == found


def test_timers_of_other_conversations_that_the_clock_moves_fire_are_reported(mock_url: str) -> None:
    body = {"user_number": "+15550007002", "agent_number": DEMO_AGENT_NUMBER, "message": "code?", "sender": "AGENT"}
    waiting = httpx.post(f"{mock_url}/v1/sms/create", json=body, headers={"authorization": DEMO_API_KEY}).json()
    report = run_kit(KitOptions(base_url=mock_url, max_examples=5, only=("timeouts.warning_then_timeout",)))
    assert not report.failed
    assert len(report.left_behind) == 1 and "conversations the kit did not make" in report.left_behind[0]
    assert waiting["data"]["conversation_id"] in report.left_behind[0]


def test_timers_of_conversations_the_kit_made_and_deleted_are_not_called_someone_elses(mock_url: str) -> None:
    only = (*ONLY, "behaviour.stateful")  # its rules delete conversations after moving the clock
    report = run_kit(KitOptions(base_url=mock_url, max_examples=5, only=only))
    assert not report.failed, [o for o in report.outcomes if o.failed]
    assert report.left_behind == []
