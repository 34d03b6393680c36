"""`expect.webhook`: a step checks a webhook the target sent or queued, judged against the mock's delivery
log once due deliveries settled; a failure shows the closest delivery; `count` is exact; a target without
the control API reports the check as not run; `record` expects the timeouts' status webhooks."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import jsonschema
import pytest
from bland_sms_mock.contracts.scenarios.loader import ScenarioFileError, load
from bland_sms_mock.contracts.scenarios.runner import Outcome, StepResult, Target, run_scenario
from bland_sms_mock.contracts.scenarios.webhooks import anything_due
from bland_sms_mock.contracts.yamltext import load_yaml
from bland_sms_mock.mock_server.bland_mock import BlandMock
from bland_sms_mock.mock_server.receiver import WebhookReceiver
from click.testing import CliRunner
from scenario_support import ROOT

from bland_sms_mock.cli import main

pytestmark = pytest.mark.e2e

DEAD_URL = "http://127.0.0.1:9/hooks"

TIMEOUT = """name: A timeout's webhooks
setup:
  clock: 2026-03-02T09:00:00Z
  accounts:
    - api_key: sk-qa-hooks
      agent_numbers:
        - number: "+15552220100"
          sms_config: {{time_out: 300, timeout_message: Bye, webhook: "{url}"}}
        - number: "+15552220200"
steps:
  - send: {{user_number: "+15550001111", agent_number: "+15552220100", agent_message: Hello, metadata: {{ref: 7}}}}
    save_as: chat
  - advance: 5m
    expect:
      webhook: {expectation}
"""


def write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def replay(tmp_path: Path, target: Target, expectation: str, url: str = DEAD_URL) -> StepResult:
    """Replay the timeout scenario with `expectation` as the webhook check of its clock move."""
    result = run_scenario(load(write(tmp_path, TIMEOUT.format(url=url, expectation=expectation))), target)
    assert [s.outcome for s in result.steps[:1]] == [Outcome.PASSED]
    return result.steps[1]


def test_a_timeout_status_webhook_is_found_signed_with_its_payload(tmp_path: Path, mock_target: Target) -> None:
    step = replay(
        tmp_path,
        mock_target,
        '{status: timeout, count: 1, signed: true, url: "http://127.0.0.1:9/hooks", delivery: pending,'
        " payload: {created_at: 2026-03-02T09:05:00Z, message_count: 2, metadata: {ref: 7}}}",
    )
    assert step.outcome is Outcome.PASSED, [c.detail for c in step.checks]
    [check] = step.checks
    assert check.passed and check.what.startswith("webhook of conversation convo_")
    assert "exactly one status webhook (status timeout" in check.what


def test_message_webhooks_are_counted_exactly(tmp_path: Path, mock_target: Target) -> None:
    step = replay(
        tmp_path, mock_target, "[{type: message, count: 2}, {type: message, count: 1}, {status: ended, count: 0}]"
    )
    assert [c.passed for c in step.checks] == [True, False, True]
    assert step.outcome is Outcome.FAILED
    detail = step.checks[1].detail
    assert detail.startswith("expected exactly one, found 2: whd_") and "(message, pending" in detail
    assert "(message (timeout), pending" in detail


def test_a_wrong_status_fails_and_shows_the_closest_delivery(tmp_path: Path, mock_target: Target) -> None:
    step = replay(tmp_path, mock_target, "{status: ended, payload: {message_count: 2}}")
    assert step.outcome is Outcome.FAILED
    [check] = step.checks
    assert "none of the 3 deliveries of conversation convo_" in check.detail
    assert "closest: whd_" in check.detail and "(status timeout, pending, → http://127.0.0.1:9/hooks)" in check.detail
    assert 'status: expected "ended", got "timeout"' in check.detail
    assert '-  "status": "ended"' in check.diff and '+  "status": "timeout"' in check.diff


def test_a_conversation_without_webhook_url_has_no_deliveries(tmp_path: Path, mock_target: Target) -> None:
    text = TIMEOUT.format(url=DEAD_URL, expectation="{type: message}").replace(
        '"+15552220100", agent_message', '"+15552220200", agent_message'
    )
    result = run_scenario(load(write(tmp_path, text)), mock_target)
    [check] = result.steps[1].checks
    assert not check.passed
    assert check.detail.startswith("no deliveries for conversation convo_")
    assert "is a webhook URL set" in check.detail


def test_delivered_is_judged_after_the_receiver_answered(tmp_path: Path, mock_target: Target) -> None:
    with WebhookReceiver() as receiver:
        step = replay(
            tmp_path, mock_target, "[{delivery: delivered, count: 3}, {delivery: pending, count: 0}]", receiver.url
        )
        assert step.outcome is Outcome.PASSED, [c.detail for c in step.checks]
        assert len(receiver.requests) == 3


def test_a_receiver_that_refuses_leaves_the_delivery_pending(tmp_path: Path, mock_target: Target) -> None:
    with WebhookReceiver() as receiver:
        receiver.respond_with(*[500] * 50)
        step = replay(tmp_path, mock_target, "{delivery: delivered}", receiver.url)
        [check] = step.checks
        assert not check.passed and "pending" in check.detail


def test_the_default_conversation_is_the_latest_request_s(tmp_path: Path, mock_target: Target) -> None:
    text = TIMEOUT.format(url=DEAD_URL, expectation="{status: timeout}") + (
        '  - send: {user_number: "+15550002222", agent_number: "+15552220200", agent_message: Other}\n'
        '    expect:\n      webhook: [{count: 0}, {conversation: "{{ chat.conversation_id }}", status: timeout}]\n'
    )
    result = run_scenario(load(write(tmp_path, text)), mock_target)
    assert result.outcome is Outcome.PASSED, [c.detail for s in result.steps for c in s.checks]
    first, second = result.steps[2].checks[1:]
    assert first.what != second.what  # two conversations


def test_the_report_prints_what_was_expected_and_the_closest(tmp_path: Path, cli: CliRunner) -> None:
    path = write(tmp_path, TIMEOUT.format(url=DEAD_URL, expectation="{status: ended}"))
    result = cli.invoke(main, ["replay", str(path)])
    assert result.exit_code == 1
    assert "✗ webhook of conversation convo_" in result.output
    assert "a status webhook (status ended)" in result.output
    assert "closest: whd_3 (status timeout, pending" in result.output


def test_a_webhook_check_is_not_run_without_the_control_api(tmp_path: Path, no_control_url: str) -> None:
    text = """name: No control API
steps:
  - create: {user_number: "+15550001111", agent_number: "+15552223333", message: hi}
    expect:
      webhook: {type: message}
  - expect:
      webhook: {type: message}
"""
    result = CliRunner().invoke(
        main,
        ["replay", str(write(tmp_path, text)), "--base-url", no_control_url, "--api-key", "sk-demo-bland-sms-mock",
         "--json", str(tmp_path / "out.json")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "not checked: webhook: the delivery log needs the mock's control API" in result.output
    assert "skipped: checking webhooks needs the mock's control API" in result.output
    steps = json.loads((tmp_path / "out.json").read_text())["scenarios"][0]["steps"]
    assert [s["outcome"] for s in steps] == ["passed", "skipped"]
    assert [c["what"] for c in steps[0]["checks"]] == ["status (200 unless the step says otherwise)"]
    assert steps[0]["unchecked"] and steps[1]["reason"]


@pytest.mark.parametrize(
    ("webhook", "problem"),
    [
        ("{stauts: timeout}", "step 1, expect.webhook.stauts: Extra inputs are not permitted"),
        ("[{type: status, urll: x}]", "step 1, expect.webhook.0.urll: Extra inputs are not permitted"),
        ("{status: timout}", "step 1, expect.webhook.status: must be one of ended, timeout"),
        ("{type: message, status: ended}", "status is a status webhook's"),
        ("{delivery: sent}", "step 1, expect.webhook.delivery: Input should be"),
        ("{count: -1}", "step 1, expect.webhook.count: Input should be greater than or equal to 0"),
        ("{signed: false}", "step 1, expect.webhook.signed: Input should be True"),
    ],
)
def test_a_malformed_webhook_expectation_is_named(tmp_path: Path, webhook: str, problem: str) -> None:
    path = write(tmp_path, f"name: x\nsteps:\n  - expect: {{webhook: {webhook}}}\n")
    with pytest.raises(ScenarioFileError) as caught:
        load(path)
    assert problem in str(caught.value)
    assert str(caught.value).count("\n") == 0  # one problem, not also "not a valid list"


def test_the_published_schema_rejects_an_unknown_key_in_webhook() -> None:
    schema = json.loads((ROOT / "fixtures" / "scenario.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    good = {"name": "x", "steps": [{"expect": {"webhook": {"status": "timeout", "count": 1}}}]}
    validator.validate(good)
    validator.validate({"name": "x", "steps": [{"expect": {"webhook": [{"type": "message"}]}}]})
    bad = {"name": "x", "steps": [{"expect": {"webhook": {"stauts": "timeout"}}}]}
    assert not validator.is_valid(bad)
    assert not validator.is_valid({"name": "x", "steps": [{"expect": {"webhook": {"status": "timout"}}}]})


def test_a_later_delivery_waits_behind_a_failing_one_without_holding_up_the_judge() -> None:
    head = {"conversation_id": "c", "status": "pending", "next_attempt_at": "2026-01-01T09:00:10.000Z"}
    behind = {"conversation_id": "c", "status": "pending", "next_attempt_at": "2026-01-01T09:00:00.000Z"}
    now = 1767258000000  # 2026-01-01T09:00:00Z
    assert not anything_due([head, behind], now)  # the head waits for its retry; the one behind it is not due
    assert anything_due([{**head, "next_attempt_at": "2026-01-01T09:00:00.000Z"}, behind], now)  # in flight
    assert anything_due([head, {**behind, "conversation_id": "d"}], now)  # another conversation's head is due
    assert not anything_due([{**behind, "status": "delivered"}], now)


def test_record_expects_the_timeout_webhooks_and_replays_green(tmp_path: Path) -> None:
    out = tmp_path / "recorded.yaml"
    with BlandMock() as mock:
        mock.start()
        mock.clock.set("2026-02-01T10:00:00Z")
        config = {"time_out": 300, "timeout_message": "Bye", "webhook": DEAD_URL}
        mock.add_account(["+15552227000"], api_key="sk-recorded-hooks", sms_config=config)
        shop = httpx.Client(base_url=mock.url, headers={"authorization": "sk-recorded-hooks"})
        shop.post(
            "/v1/sms/send", json={"user_number": "+15550001111", "agent_number": "+15552227000", "agent_message": "Hi"}
        )
        mock.clock.advance("20m")
        shop.get("/v1/sms/conversations")
        shop.close()
        mock.settle_webhooks()
        result = CliRunner().invoke(main, ["record", "--base-url", mock.url, "--out", str(out)])
        assert "1 timeout status webhook in the mock's log are not expected" in result.output
        assert "webhook" not in json.dumps(load_yaml(out.read_text())["steps"])
        result = CliRunner().invoke(main, ["record", "--base-url", mock.url, "--out", str(out), "--keep-time"])
        assert result.exit_code == 0, result.output
    document = load_yaml(out.read_text())
    advance = document["steps"][1]
    assert advance == {
        "advance": "20m",
        "expect": {"webhook": {"conversation": "{{ c1.conversation_id }}", "status": "timeout", "count": 1}},
    }
    replayed = CliRunner().invoke(main, ["replay", str(out)])
    assert replayed.exit_code == 0, replayed.output
