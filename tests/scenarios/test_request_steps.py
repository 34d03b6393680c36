"""The steps of the endpoints beyond create and list (`send`, `get`, `update`, `delete`, `delete_messages`,
`numbers`, `update_number`): what they send, what they save, how `response` checks an answer without
`data`, how they are refused when malformed, and that they run on a target without the control API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from bland_sms_mock.contracts.scenarios.loader import ScenarioFileError, load
from bland_sms_mock.contracts.scenarios.runner import Outcome, Target, run_scenario
from bland_sms_mock.mock_server.bland_mock import BlandMock
from click.testing import CliRunner

from bland_sms_mock.cli import main

pytestmark = pytest.mark.e2e

DEMO_KEY = "sk-demo-bland-sms-mock"
DEMO_AGENT = "+15552223333"

EVERY_STEP = """name: Every request step
setup:
  clock: 2026-03-02T09:00:00Z
  accounts:
    - api_key: sk-qa-steps
      agent_numbers: [{number: "+15552220100", sms_config: {time_out: 600, timeout_message: Bye}}]
steps:
  - send: {user_number: "+15550001111", agent_number: "+15552220100", agent_message: Hello}
    idempotency_key: "hello-{{ run.id }}"
    save_as: sent
  - create: {user_number: "+15550001111", agent_number: "+15552220100", message: Hi back}
  - get: "{{ sent.conversation_id }}"
    save_as: thread
    expect: {data: {id: "{{ sent.conversation_id }}", message_count: 2}}
  - delete_messages: {id: "{{ sent.conversation_id }}", message_ids: ["{{ thread.messages.1.id }}"]}
    save_as: trimmed
    expect: {data: {deleted_count: 1}}
  - update: {id: "{{ sent.conversation_id }}", is_active: false}
    save_as: ended
    expect:
      response:
        message: Conversation updated successfully
        conversation: {id: "{{ sent.conversation_id }}", is_active: false, updated_at: 2026-03-02T09:00:00Z}
      data: null
  - numbers: {}
    save_as: numbers
    expect: {count: 1, items: [{phone_number: "+15552220100", conversation_count: 1}]}
  - update_number: {phone_number: "+15552220100", time_out: 300}
    save_as: updated
    expect: {data: {sms_config: {time_out: 300, timeout_message: Bye}}}
  - title: Saved values of each kind
    list:
      filters:
        - {field: message_count, operator: eq, value: "{{ trimmed.deleted_count }}"}
        - {field: updated_at, operator: eq, value: "{{ ended.conversation.updated_at }}"}
        - {field: agent_number, operator: eq, value: "{{ numbers.items.0.phone_number }}"}
    expect: {ids: ["{{ sent.conversation_id }}"]}
  - delete: "{{ sent.conversation_id }}"
  - get: "{{ sent.conversation_id }}"
    expect: {status: 404, error: CONVERSATION_NOT_FOUND}
  - update: {id: nope, body: {is_active: "no"}}
    expect: {status: 400, error: INVALID_FIELD, error_mentions: is_active}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_request_step_sends_its_call_and_saves_its_answer(mock_target: Target, tmp_path: Path) -> None:
    result = run_scenario(load(write(tmp_path, "every.yaml", EVERY_STEP)), mock_target)
    failures = {s.number: (s.reason, [c.detail for c in s.checks if not c.passed]) for s in result.steps}
    assert result.outcome is Outcome.PASSED, failures
    calls = [exchange.request_line().split(" {")[0] for step in result.steps for exchange in step.exchanges]
    conversation = result.steps[0].exchanges[0].json["data"]["conversation_id"]
    path = f"/v1/sms/conversations/{conversation}"
    assert calls[0].startswith("POST /v1/sms/send (idempotency-key: hello-")
    assert calls[1:7] == [
        "POST /v1/sms/create",
        f"GET {path}",
        f"DELETE {path}/messages",
        f"PATCH {path}",
        "GET /v1/sms/numbers",
        "POST /v1/sms/number/update",
    ]
    assert calls[8:] == [f"DELETE {path}", f"GET {path}", "PATCH /v1/sms/conversations/nope"]
    assert [step.title for step in result.steps[:7]] == [
        "AGENT sends 'Hello' (idempotency-key hello-{{ run.id }})",
        "USER says 'Hi back'",
        "get conversation {{ sent.conversation_id }}",
        'delete messages ["{{ thread.messages.1.id }}"] of conversation {{ sent.conversation_id }}',
        "end conversation {{ sent.conversation_id }}",
        "list numbers",
        "update number +15552220100",
    ]
    assert "-H 'idempotency-key: hello-" in result.steps[0].exchanges[0].curl()


def test_a_wrong_update_answer_fails_with_a_diff_of_the_whole_body(cli: CliRunner, tmp_path: Path) -> None:
    scenario = write(
        tmp_path,
        "wrong.yaml",
        """name: Wrong answer
setup:
  accounts: [{api_key: sk-qa-steps, agent_numbers: [{number: "+15552220100"}]}]
steps:
  - send: {user_number: "+15550001111", agent_number: "+15552220100"}
    save_as: sent
  - update: {id: "{{ sent.conversation_id }}", is_active: false}
    expect: {response: {conversation: {is_active: true}}}
""",
    )
    result = cli.invoke(main, ["replay", str(scenario)])
    assert result.exit_code == 1, result.output
    assert "✗ response" in result.output and ".conversation.is_active: expected true, got false" in result.output
    assert '-    "is_active": true' in result.output and '+    "is_active": false' in result.output
    assert "reproduce: curl -sS -X PATCH" in result.output


MALFORMED = {
    "update: {id: x, is_active: false, body: {}}": "step 1, update: give one of is_active, body",
    'update: {id: x, is_active: "no"}': "step 1, update.is_active: Input should be a valid boolean",
    "update: {is_active: false}": "step 1, update.id: Field required",
    "delete_messages: {id: x}": "step 1, delete_messages: give one of message_ids, body",
    "list: {}\n    idempotency_key: k": "step 1: idempotency_key goes with a send step",
    "get: x\n    delete: x": "step 1: give one of create, send, list, get, update, delete, delete_messages, numbers",
    "get: x\n    expect: {conversation: x}": "an update's answer: `response: {conversation: ...}`",
    "numbers: []": "step 1, numbers: Input should be a valid dictionary",
    "advance: 1m\n    save_as: x": "step 1: save_as goes with a request step",
}


@pytest.mark.parametrize("step", sorted(MALFORMED))
def test_a_malformed_request_step_is_named(step: str, tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", f"name: x\nsteps:\n  - {step}\n")
    with pytest.raises(ScenarioFileError) as caught:
        load(path)
    assert MALFORMED[step] in str(caught.value)


def test_a_template_that_gives_the_wrong_type_is_an_error_of_its_step(mock_target: Target, tmp_path: Path) -> None:
    scenario = write(
        tmp_path,
        "typed.yaml",
        "name: x\nsteps:\n  - numbers: {}\n    save_as: n\n  - get: '{{ n.count }}'\n",
    )
    result = run_scenario(load(scenario), mock_target)
    assert result.steps[1].outcome is Outcome.ERROR
    assert result.steps[1].reason == "after filling in the templates: get: Input should be a valid string"


# ----------------------------------------------------------------------------- other targets

WITHOUT_CONTROL = """name: The other endpoints without the control API
setup:
  clock: 2026-03-02T09:00:00Z
  accounts:
    - api_key: sk-qa-setup
      agent_numbers: [{number: "+15552220100"}]
steps:
  - title: 1 a send on the target's own number, keyed with the run
    api_key: sk-demo-bland-sms-mock
    send:
      user_number: "+15550007777"
      agent_number: "+15552223333"
      agent_message: Hello
      new_conversation: true
      request_data: {run: "{{ run.id }}"}
    idempotency_key: "hello-{{ run.id }}"
    save_as: sent
  - title: 2 the same send again
    api_key: sk-demo-bland-sms-mock
    send:
      user_number: "+15550007777"
      agent_number: "+15552223333"
      agent_message: Hello
      new_conversation: true
      request_data: {run: "{{ run.id }}"}
    idempotency_key: "hello-{{ run.id }}"
    expect: {data: {conversation_id: "{{ sent.conversation_id }}", message_id: "{{ sent.message_id }}"}}
  - title: 3 its thread
    api_key: sk-demo-bland-sms-mock
    get: "{{ sent.conversation_id }}"
    save_as: thread
    expect: {data: {message_count: 1, messages: [{sender: AGENT, from: "+15552223333", to: "+15550007777"}]}}
  - title: 4 its one message deleted
    api_key: sk-demo-bland-sms-mock
    delete_messages: {id: "{{ sent.conversation_id }}", message_ids: ["{{ thread.messages.0.id }}"]}
    expect: {data: {deleted_count: 1}}
  - title: 5 ended
    api_key: sk-demo-bland-sms-mock
    update: {id: "{{ sent.conversation_id }}", is_active: false}
    expect: {response: {conversation: {is_active: false}}}
  - title: 6 the numbers' contents are the account's, not the run's
    api_key: sk-demo-bland-sms-mock
    numbers: {}
    expect: {count: 1}
  - title: 7 a number update
    api_key: sk-demo-bland-sms-mock
    update_number: {phone_number: "+15552223333", objective: "{{ run.id }}"}
    expect: {data: {sms_config: {objective: "{{ run.id }}", time_out: 900}}}
  - title: 8 deleted
    api_key: sk-demo-bland-sms-mock
    delete: "{{ sent.conversation_id }}"
  - title: 9 the setup's account
    send: {user_number: "+15550007777", agent_number: "+15552220100"}
    save_as: mine
  - title: 10 uses what step 9 would have saved
    api_key: sk-demo-bland-sms-mock
    get: "{{ mine.conversation_id }}"
  - title: 11 re-checks step 10
    expect: {status: 404}
"""


def test_request_steps_run_on_a_target_without_the_control_api(
    cli: CliRunner, no_control_url: str, tmp_path: Path
) -> None:
    scenario, report = write(tmp_path, "plain.yaml", WITHOUT_CONTROL), tmp_path / "plain.json"
    result = cli.invoke(main, ["replay", str(scenario), "--base-url", no_control_url, "--json", str(report)])
    assert result.exit_code == 0, result.output
    (only,) = json.loads(report.read_text())["scenarios"]
    steps = {step["number"]: step for step in only["steps"]}
    ran = {n for n, step in steps.items() if step["outcome"] == "passed"}
    assert ran == set(range(1, 9)), {n: (s["outcome"], s["reason"]) for n, s in steps.items()}
    assert [c["what"] for c in steps[6]["checks"]] == ["status (200 unless the step says otherwise)"]
    assert steps[6]["unchecked"][0].startswith("count: the list's contents depend on a fresh account")
    assert [c["what"] for c in steps[5]["checks"]] == ["status (200 unless the step says otherwise)", "response"]
    assert steps[9]["reason"] == "sends the key sk-qa-setup, of an account the setup would have added"
    assert steps[10]["reason"] == "uses {{ mine.… }}, saved by step 9, which was skipped"
    assert steps[11]["reason"] == "checks the response of step 10, which was skipped"


def snapshot(mock: BlandMock) -> dict[str, Any]:
    return httpx.get(f"{mock.url}/_mock/snapshot").json()


def test_a_replay_of_the_other_endpoints_puts_a_running_mock_back(cli: CliRunner, tmp_path: Path) -> None:
    scenario = write(
        tmp_path,
        "changes.yaml",
        f"""name: Changes everything it can
steps:
  - update_number: {{phone_number: "{DEMO_AGENT}", time_out: 60, warning_time: null, timeout_message: Gone}}
  - send: {{user_number: "+15550009999", agent_number: "{DEMO_AGENT}", agent_message: Replay}}
    idempotency_key: replay-1
    save_as: sent
  - get: "{{{{ sent.conversation_id }}}}"
    save_as: thread
  - delete_messages: {{id: "{{{{ sent.conversation_id }}}}", message_ids: ["{{{{ thread.messages.0.id }}}}"]}}
  - update: {{id: "{{{{ sent.conversation_id }}}}", is_active: false}}
  - delete: "{{{{ sent.conversation_id }}}}"
""",
    )
    with BlandMock() as mock:
        mock.start()
        mock.clock.set("2030-06-01T12:00:00Z")
        key = {"authorization": DEMO_KEY}
        update = {"phone_number": DEMO_AGENT, "time_out": 1200, "warning_time": 900}
        httpx.post(f"{mock.url}/v1/sms/number/update", json=update, headers=key).raise_for_status()
        body = {"user_number": "+15550009999", "agent_number": DEMO_AGENT, "agent_message": "mine"}
        httpx.post(f"{mock.url}/v1/sms/send", json=body, headers=key).raise_for_status()
        httpx.post(f"{mock.url}/_mock/faults", json={"path": "/v1/sms/elsewhere", "status": 503}).raise_for_status()
        before = snapshot(mock)
        result = cli.invoke(main, ["replay", str(scenario), "--base-url", mock.url, "--api-key", DEMO_KEY])
        after = snapshot(mock)
    assert result.exit_code == 0, result.output
    assert "1 scenario: 1 passed; 6 of 6 steps ran" in result.output
    assert "has 1 fault rule; the reset before each scenario drops them (and the journal)" in result.output
    assert after == before
    (demo,) = after["accounts"]
    assert demo["agent_numbers"][0]["sms_config"]["time_out"] == 1200, "the developer's own number update"
    (mine,) = after["conversations"]
    assert [m["message"] for m in mine["messages"]] == ["mine"] and mine["warning_due"] is not None
