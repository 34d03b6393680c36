"""The pytest plugin used from a throwaway project, the way a team would use it after `pip install`."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

CONFTEST_FREE_TESTS = """
import httpx
import pytest
import requests

BODY = {"user_number": "+15550001111", "message": "hi"}


def test_function_mock_serves_and_drives_the_clock(bland_mock):
    headers = {"authorization": bland_mock.api_key}
    body = {**BODY, "agent_number": bland_mock.agent_number, "sender": "AGENT"}
    made = httpx.post(f"{bland_mock.url}/v1/sms/create", json=body, headers=headers).json()["data"]
    bland_mock.clock.freeze()
    fired = bland_mock.clock.advance("15m")
    assert [f["kind"] for f in fired] == ["warning", "timeout"]
    assert [m["kind"] for m in bland_mock.messages(made["conversation_id"])] == ["message", "warning", "timeout"]
    bland_mock.assert_request_made("POST", "/v1/sms/create", body={"sender": "AGENT"})


def test_function_mock_is_fresh(bland_mock):
    assert bland_mock.requests() == []


@pytest.mark.bland_mock(config={"accounts": [{"api_key": "sk-mine", "agent_numbers": [{"number": "+15553334444"}]}]})
def test_marker_chooses_the_accounts(bland_mock):
    assert bland_mock.api_key == "sk-mine" and bland_mock.agent_number == "+15553334444"


def test_shared_mock_first(bland_mock_shared):
    bland_mock_shared.add_account(["+15559990000"], api_key="sk-extra")
    bland_mock_shared.update_number(bland_mock_shared.agent_number, time_out=60, warning_time=None)
    headers = {"authorization": bland_mock_shared.api_key}
    body = {"user_number": "+15550001111", "agent_number": bland_mock_shared.agent_number, "agent_message": "hi"}
    sent = httpx.post(f"{bland_mock_shared.url}/v1/sms/send", json=body, headers=headers).json()["data"]
    assert bland_mock_shared.messages(sent["conversation_id"])[0]["id"] == sent["message_id"]
    httpx.delete(f"{bland_mock_shared.url}/v1/sms/conversations/{sent['conversation_id']}", headers=headers)
    assert [c["id"] for c in bland_mock_shared.deleted()] == [sent["conversation_id"]]
    bland_mock_shared.faults.add(status=500)
    r = httpx.get(f"{bland_mock_shared.url}/v1/sms/conversations", headers={"authorization": "sk-extra"})
    assert r.status_code == 500


def test_shared_mock_second_sees_a_clean_mock(bland_mock_shared, bland_mock_session):
    assert bland_mock_shared is bland_mock_session
    assert bland_mock_shared.faults.list() == [] and bland_mock_shared.requests() == []
    assert bland_mock_shared.deleted() == []
    assert bland_mock_shared.numbers()[0]["sms_config"]["time_out"] == 900  # the config's settings are back
    r = httpx.get(f"{bland_mock_shared.url}/v1/sms/conversations", headers={"authorization": "sk-extra"})
    assert r.status_code == 401


def test_intercept_fixture(bland_mock_intercept):
    body = {**BODY, "agent_number": bland_mock_intercept.agent_number}
    headers = {"authorization": bland_mock_intercept.api_key}
    r = requests.post("https://api.bland.ai/v1/sms/create", json=body, headers=headers)
    assert r.status_code == 200


@pytest.mark.parametrize("round", [1, 2])
def test_shared_intercept_fixture_starts_clean_each_test(round, bland_mock_intercept_shared):
    headers = {"authorization": bland_mock_intercept_shared.api_key}
    listed = requests.get("https://api.bland.ai/v1/sms/conversations", headers=headers).json()
    assert listed["extra"]["pagination"]["totalItems"] == 0 and bland_mock_intercept_shared.requests()[1:] == []
    body = {**BODY, "agent_number": bland_mock_intercept_shared.agent_number}
    assert requests.post("https://api.bland.ai/v1/sms/create", json=body, headers=headers).status_code == 200


def test_a_failed_verification_says_what_was_closest(bland_mock):
    httpx.get(f"{bland_mock.url}/v1/sms/conversations", headers={"authorization": bland_mock.api_key})
    bland_mock.assert_request_made("POST", "/v1/sms/create")
"""


def test_fixtures_work_in_a_fresh_project_through_the_entry_point(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_app=CONFTEST_FREE_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=8, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*Expected POST /v1/sms/create at least once; 0 matched among 1 journalled request(s).*",
            "*Closest: #1 GET /v1/sms/conversations -> 200*",
        ]
    )


def test_ini_options_load_a_config_and_seeds(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".yaml",
        accounts="accounts:\n  - api_key: sk-ini\n    agent_numbers: [{number: '+15551112222'}]\n",
        seed=(
            "conversations:\n"
            "  - user_number: '+15550001111'\n"
            "    agent_number: '+15551112222'\n"
            "    messages: [{message: seeded, created_at: '2026-01-01T00:00:00Z'}]\n"
        ),
    )
    pytester.makeini("[pytest]\nbland_mock_config = accounts.yaml\nbland_mock_seeds = seed.yaml\n")
    pytester.makepyfile(
        test_ini="""
import pytest


def test_seeded(bland_mock):
    assert bland_mock.api_key == "sk-ini"
    assert bland_mock.store.accounts["sk-ini"].conversations


def test_seeded_again_when_shared(bland_mock_shared):
    assert len(bland_mock_shared.store.accounts["sk-ini"].conversations) == 1


@pytest.mark.parametrize("round", [1, 2])
def test_shared_mocks_are_reseeded_every_test(round, bland_mock_shared, bland_mock_intercept_shared):
    for mock in (bland_mock_shared, bland_mock_intercept_shared):
        conversations = mock.store.accounts["sk-ini"].conversations
        assert len(conversations) == 1
        conversations.clear()  # the next round must get the seeded one back


@pytest.mark.bland_mock(seeds=[])
def test_marker_seeds_replace_the_ini_seeds(bland_mock):
    assert not bland_mock.store.accounts["sk-ini"].conversations
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q", "-p", "no:randomly")
    result.assert_outcomes(passed=5)
