"""`bland-sms-mock replay` as QA runs it: reports, diffs, exit codes, malformed files (other targets:
test_replay_targets.py)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from bland_sms_mock.mock_server.bland_mock import BlandMock
from click.testing import CliRunner
from scenario_support import SCENARIOS

from bland_sms_mock.cli import main

pytestmark = pytest.mark.e2e

ACCOUNT = """
setup:
  clock: 2026-01-05T09:00:00Z
  accounts:
    - api_key: sk-qa-test
      agent_numbers: [{number: "+15552220100", sms_config: {time_out: 300}}]
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_wrong_expectation_fails_with_a_readable_diff(cli: CliRunner, tmp_path: Path) -> None:
    scenario = write(
        tmp_path,
        "wrong.yaml",
        "name: Wrong count\n"
        + ACCOUNT
        + """
steps:
  - create: {user_number: "+15550001111", agent_number: "+15552220100", message: "hi"}
  - list: {}
    expect:
      items: [{message_count: 2, last_message: hi}]
""",
    )
    result = cli.invoke(main, ["replay", str(scenario)])
    assert result.exit_code == 1, result.output
    assert "✗ items" in result.output
    assert "[0].message_count: expected 2, got 1" in result.output
    assert '-    "message_count": 2' in result.output
    assert '+    "message_count": 1' in result.output
    assert "reproduce: curl -sS -X GET" in result.output
    assert "Wrong count" in result.output and "✗ failed" in result.output


def test_every_shipped_scenario_passes_through_the_command(cli: CliRunner, tmp_path: Path) -> None:
    junit, report = tmp_path / "replay.xml", tmp_path / "replay.json"
    result = cli.invoke(main, ["replay", str(SCENARIOS), "--junit-xml", str(junit), "--json", str(report)])
    assert result.exit_code == 0, result.output
    shipped = len(list(SCENARIOS.glob("*.yaml")))
    assert f"{shipped} scenarios: {shipped} passed" in result.output
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == str(shipped) and suite.get("failures") == "0"
    document = json.loads(report.read_text())
    assert document["outcome"] == "passed"
    assert len(document["scenarios"]) == shipped
    first_step = document["scenarios"][0]["steps"][0]
    assert first_step["exchanges"][0]["status"] == 200 and first_step["checks"]


def test_junit_and_json_carry_the_failure(cli: CliRunner, tmp_path: Path) -> None:
    scenario = write(
        tmp_path,
        "bad_status.yaml",
        "name: Bad status\n"
        + ACCOUNT
        + """
steps:
  - create: {user_number: "+15550001111", agent_number: "+15552220100", message: "hi"}
    expect: {status: 201}
""",
    )
    junit, report = tmp_path / "r.xml", tmp_path / "r.json"
    result = cli.invoke(main, ["replay", str(scenario), "--junit-xml", str(junit), "--json", str(report)])
    assert result.exit_code == 1
    case = ET.parse(junit).getroot().find("testsuite/testcase")
    failure = case.find("failure")
    assert failure is not None and "status: expected 201, got 200" in failure.get("message", "")
    step = json.loads(report.read_text())["scenarios"][0]["steps"][0]
    assert step["outcome"] == "failed" and step["checks"][0] == {
        "what": "status",
        "passed": False,
        "detail": "expected 201, got 200",
        "diff": "",
    }


MALFORMED = {
    "not_yaml.yaml": ("name: x\nsteps: [\n", "line 3"),
    "no_steps.yaml": ("name: No steps\n", "steps: Field required"),
    "bad_status.yaml": (
        "name: x\nsteps:\n  - list: {}\n  - list: {}\n    expect: {status: two}\n",
        "step 2, expect.status",
    ),
    "typo.yaml": ("name: x\nsteps:\n  - craete: {message: hi}\n", "step 1, craete: Extra inputs are not permitted"),
    "two_actions.yaml": ("name: x\nsteps:\n  - list: {}\n    advance: 5m\n", "step 1: give one of create, send, list"),
    "bad_duration.yaml": ("name: x\nsteps:\n  - advance: five minutes\n", "step 1, advance"),
    "unknown_name.yaml": (
        "name: x\nsteps:\n  - list: {}\n  - expect: {conversation: '{{ frist.conversation_id }}', fields: {}}\n",
        "step 2: {{ frist.… }} names no earlier step's `save_as`",
    ),
    "missing_seed.yaml": (
        "name: x\nsetup: {seeds: [nowhere.yaml]}\nsteps: [{list: {}}]\n",
        "setup.seeds: nowhere.yaml",
    ),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_file_is_named_before_anything_is_sent(name: str, cli: CliRunner, tmp_path: Path) -> None:
    text, expected = MALFORMED[name]
    good = write(tmp_path, "good.yaml", "name: Good\nsteps: [{list: {}}]\n")
    bad = write(tmp_path, name, text)
    with BlandMock() as mock:
        mock.start()
        result = cli.invoke(main, ["replay", str(good), str(bad), "--base-url", mock.url, "--api-key", mock.api_key])
        assert mock.requests() == [], "a request was sent although a file is malformed"
    assert result.exit_code == 2, result.output
    assert str(bad) in result.output and expected in result.output, result.output
    assert "Traceback" not in result.output


def test_a_missing_path_is_a_usage_error(cli: CliRunner, tmp_path: Path) -> None:
    result = cli.invoke(main, ["replay", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2 and "no such file or directory" in result.output


def test_an_unreachable_target_is_one_clear_line(cli: CliRunner) -> None:
    result = cli.invoke(
        main, ["replay", str(SCENARIOS / "01_first_contact_and_reply.yaml"), "--base-url", "http://127.0.0.1:9"]
    )
    assert result.exit_code == 2
    assert "cannot reach the target" in result.output and "Traceback" not in result.output


def test_a_template_the_response_cannot_fill_is_a_step_error(cli: CliRunner, tmp_path: Path) -> None:
    scenario = write(
        tmp_path,
        "template.yaml",
        "name: Template\n"
        + ACCOUNT
        + """
steps:
  - list: {}
    save_as: page
  - list: {filters: [{field: user_number, operator: eq, value: "{{ page.items.0.user_number }}"}]}
""",
    )
    result = cli.invoke(main, ["replay", str(scenario)])
    assert result.exit_code == 1
    assert "error: {{ page.items.0.user_number }}: page has no '0' (it holds a list of 0)" in result.output
