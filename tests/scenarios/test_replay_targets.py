"""`replay --base-url` at targets it does not own: without the control API (`serve --no-control`), at a
wrong URL, and at a developer's running mock, which it leaves as it found it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from bland_sms_mock.contracts.models.api import timestamp_ms
from bland_sms_mock.mock_server.app import create_app
from bland_sms_mock.mock_server.bland_mock import BlandMock
from bland_sms_mock.mock_server.serving import BackgroundServer
from click.testing import CliRunner
from flask import Response, request
from scenario_support import SCENARIOS

from bland_sms_mock.cli import main

pytestmark = pytest.mark.e2e

DEMO_KEY = "sk-demo-bland-sms-mock"
DEMO_AGENT = "+15552223333"
SHIPPED = len(list(SCENARIOS.glob("*.yaml")))

DEPENDENCIES = """name: What runs without the control API
setup:
  clock: 2026-01-05T09:00:00Z
  accounts:
    - api_key: sk-qa-setup
      agent_numbers: [{number: "+15552220100"}]
steps:
  - title: 1 the target's own key, tagged with the run
    api_key: sk-demo-bland-sms-mock
    create:
      {user_number: "+15550001111", agent_number: "+15552223333", message: hi, request_data: {run: "{{ run.id }}"}}
    save_as: chat
  - title: 2 the key of the setup's account
    create: {user_number: "+15550001111", agent_number: "+15552220100", message: hi}
    save_as: mine
  - title: 3 a list filtered on the run's tag is checked in full
    api_key: sk-demo-bland-sms-mock
    list: {filters: [{field: variables, operator: contains, value: {run: "{{ run.id }}"}}]}
    expect: {ids: ["{{ chat.conversation_id }}"], count: 1}
  - title: 4 an untagged list's contents are not checked, its status is
    api_key: sk-demo-bland-sms-mock
    list: {}
    expect: {status: 200, count: 1}
  - title: 5 the request runs, the state check does not
    api_key: sk-demo-bland-sms-mock
    create: {user_number: "+15550001111", agent_number: "+15552223333", message: again}
    expect:
      data: {conversation_id: "{{ chat.conversation_id }}"}
      conversation: "{{ chat.conversation_id }}"
      fields: {message_count: 2}
  - title: 6 uses what step 2 would have saved
    api_key: sk-demo-bland-sms-mock
    list: {filters: [{field: user_number, operator: eq, value: "{{ mine.user_number }}"}]}
  - title: 7 no key at all
    api_key: ""
    list: {}
    expect: {status: 401}
  - title: 8 re-checks step 7
    expect: {error: AUTH_FAILURE}
  - title: 9 names an instant of the setup's clock
    api_key: sk-demo-bland-sms-mock
    list: {filters: [{field: created_at, operator: gte, value: "2026-01-05T09:00:00Z"}]}
    expect: {status: 200}
  - title: 10 re-checks step 9
    expect: {status: 200}
  - title: 11 only a conversation's state
    api_key: sk-demo-bland-sms-mock
    expect: {conversation: "{{ chat.conversation_id }}", fields: {is_active: true}}
  - advance: 1m
  - title: 13 after the clock move
    api_key: sk-demo-bland-sms-mock
    create: {user_number: "+15550001111", agent_number: "+15552223333", message: later}
"""


def replay(cli: CliRunner, *args: str) -> Any:
    return cli.invoke(main, ["replay", *args])


def test_shipped_scenarios_run_what_they_can_without_the_control_api(cli: CliRunner, no_control_url: str) -> None:
    result = replay(cli, str(SCENARIOS), "--base-url", no_control_url, "--api-key", DEMO_KEY)
    assert result.exit_code == 0, result.output
    assert "has no control API" in result.output
    assert "setup skipped: its setup (the clock at 2026-01-05T09:00:00Z; accounts sk-qa-clinic) needs" in result.output
    assert "skipped: sends the key sk-qa-clinic, of an account the setup would have added" in result.output
    # The validation scenario's "No API key" and "An unknown API key" steps depend on nothing the target lacks.
    assert f"{SHIPPED} scenarios: 1 passed, {SHIPPED - 1} skipped; 2 of " in result.output
    assert "→ POST /v1/sms/create" in result.output and "← 401" in result.output


def test_each_step_runs_unless_it_depends_on_what_the_target_lacks(
    cli: CliRunner, no_control_url: str, tmp_path: Path
) -> None:
    scenario, report = tmp_path / "deps.yaml", tmp_path / "deps.json"
    scenario.write_text(DEPENDENCIES, encoding="utf-8")
    result = replay(cli, str(scenario), "--base-url", no_control_url, "--json", str(report))
    assert result.exit_code == 0, result.output
    document = json.loads(report.read_text())
    assert document["outcome"] == "passed"
    (only,) = document["scenarios"]
    assert "needs the mock's control API" in only["setup_skipped"]
    steps = {step["number"]: step for step in only["steps"]}
    ran = {n for n, step in steps.items() if step["outcome"] == "passed"}
    assert ran == {1, 3, 4, 5, 7, 8}, {n: (s["outcome"], s["reason"]) for n, s in steps.items()}
    assert steps[2]["reason"] == "sends the key sk-qa-setup, of an account the setup would have added"
    assert [c["what"] for c in steps[3]["checks"]] == ["status (200 unless the step says otherwise)", "count", "ids"]
    assert [c["what"] for c in steps[4]["checks"]] == ["status"]
    assert steps[4]["unchecked"][0].startswith("count: the list's contents depend on a fresh account")
    assert [c["what"] for c in steps[5]["checks"]] == ["status (200 unless the step says otherwise)", "data"]
    assert steps[5]["unchecked"][0].startswith("conversation state: needs the mock's control API")
    assert steps[6]["reason"] == "uses {{ mine.… }}, saved by step 2, which was skipped"
    assert "its times assume the setup's clock (2026-01-05T09:00:00Z)" in steps[9]["reason"]
    assert steps[10]["reason"] == "checks the response of step 9, which was skipped"
    assert steps[11]["reason"].startswith("reading a conversation's state needs the mock's control API")
    assert steps[12]["reason"].startswith("moving the clock needs the mock's control API")
    assert steps[13]["reason"] == "step 12 (a clock move) was skipped, and this step depends on it"
    assert "○ not checked: count: the list's contents depend on a fresh account" in result.output


def test_a_replay_in_which_nothing_ran_is_not_a_pass(cli: CliRunner, no_control_url: str, tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    first = str(SCENARIOS / "01_first_contact_and_reply.yaml")
    result = replay(cli, first, "--base-url", no_control_url, "--api-key", DEMO_KEY, "--json", str(report))
    assert result.exit_code == 3, result.output
    assert "1 scenario: 1 skipped; 0 of 8 steps ran" in result.output
    assert "Nothing ran: every step was skipped" in result.output
    assert json.loads(report.read_text())["outcome"] == "skipped"


@pytest.mark.parametrize("suffix", ["/v1", "/nothing-here"])
def test_a_url_that_does_not_serve_the_api_is_a_usage_error(cli: CliRunner, no_control_url: str, suffix: str) -> None:
    result = replay(cli, str(SCENARIOS), "--base-url", no_control_url + suffix, "--api-key", DEMO_KEY)
    assert result.exit_code == 2, result.output
    assert f"{no_control_url}{suffix} does not serve Bland's SMS API: GET /v1/sms/conversations answered 404" in (
        result.output
    )
    assert ("leave out the trailing /v1" in result.output) is (suffix == "/v1")
    assert "scenarios:" not in result.output


# ------------------------------------------------------------------------- someone's running mock


def developer_mock(*, frozen: bool = True) -> BlandMock:
    """A mock as a developer leaves it: its clock moved, an account of their own, a conversation with a timer."""
    mock = BlandMock().start()
    mock.clock.set("2030-06-01T12:00:00Z")
    if not frozen:
        mock.clock.resume()
    mock.add_account(["+15557770000"], api_key="sk-developer")
    key = {"authorization": DEMO_KEY}
    body = {"user_number": "+15550009999", "agent_number": DEMO_AGENT, "message": "mine"}
    httpx.post(f"{mock.url}/v1/sms/create", json=body, headers=key).raise_for_status()
    httpx.post(f"{mock.url}/v1/sms/create", json={**body, "sender": "AGENT"}, headers=key).raise_for_status()
    return mock


def state(mock: BlandMock) -> dict[str, Any]:
    return httpx.get(f"{mock.url}/_mock/snapshot").json()


@pytest.mark.parametrize("frozen", [True, False], ids=["frozen-clock", "running-clock"])
def test_replay_at_a_running_mock_leaves_it_as_it_found_it(cli: CliRunner, frozen: bool) -> None:
    with developer_mock(frozen=frozen) as mock:
        before = state(mock)
        scenarios = [str(SCENARIOS / name) for name in ("01_first_contact_and_reply.yaml", "13_account_isolation.yaml")]
        result = replay(cli, *scenarios, "--base-url", mock.url)
        after = state(mock)
    assert result.exit_code == 0, result.output
    assert after["accounts"] == before["accounts"]
    assert after["conversations"] == before["conversations"]
    assert len(after["conversations"]) == 1 and after["conversations"][0]["warning_due"] is not None
    assert after["clock"]["frozen"] is frozen
    drift_ms = timestamp_ms(after["clock"]["now"]) - timestamp_ms(before["clock"]["now"])
    if frozen:
        assert drift_ms == 0
    else:
        assert 0 <= drift_ms < 15_000, "the running clock should have moved on by the replay's time, no more"
    assert "2 scenarios: 2 passed" in result.output
    assert "Saved the state of" in result.output and "Put " in result.output and "back as it was" in result.output


def test_reset_target_leaves_the_mock_as_the_replay_left_it(cli: CliRunner) -> None:
    with developer_mock() as mock:
        result = replay(cli, str(SCENARIOS / "13_account_isolation.yaml"), "--base-url", mock.url, "--reset-target")
        after = state(mock)
    assert result.exit_code == 0, result.output
    assert "is left as the last scenario left it (--reset-target)" in result.output
    assert {a["api_key"] for a in after["accounts"]} >= {"sk-qa-dentist", "sk-qa-bakery"}
    assert "sk-developer" not in {a["api_key"] for a in after["accounts"]}
    assert after["clock"] == {"now": "2026-01-15T09:00:00.000Z", "frozen": True}


def test_a_mock_whose_state_cannot_be_saved_is_refused_without_reset_target(cli: CliRunner) -> None:
    app = create_app()

    @app.before_request
    def no_snapshots() -> Response | None:  # an older mock, without GET /_mock/snapshot
        return Response("not found", 404) if request.path == "/_mock/snapshot" else None

    scenario = str(SCENARIOS / "13_account_isolation.yaml")
    with BackgroundServer(app) as server:
        refused = replay(cli, scenario, "--base-url", server.url)
        journal = httpx.get(f"{server.url}/_mock/requests").json()["requests"]
        accounts = httpx.get(f"{server.url}/_mock/accounts").json()["accounts"]
        forced = replay(cli, scenario, "--base-url", server.url, "--reset-target")
    assert refused.exit_code == 2, refused.output
    assert "cannot save the state of" in refused.output and "--reset-target replays anyway" in refused.output
    assert journal == [] and [a["name"] for a in accounts] == ["demo"], "the refused replay changed the mock"
    assert forced.exit_code == 0, forced.output
