"""`bland-sms-mock record`: a journal becomes a scenario skeleton that replays green against a fresh mock."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from bland_sms_mock.contracts.scenarios.loader import load
from bland_sms_mock.contracts.yamltext import load_yaml
from bland_sms_mock.mock_server.bland_mock import BlandMock
from click.testing import CliRunner

from bland_sms_mock.cli import main

pytestmark = pytest.mark.e2e

SHOP_KEY = "sk-recorded-shop"
SHOP_NUMBER = "+15552227000"


def drive(mock: BlandMock) -> None:
    """What a developer's code might have sent during a session."""
    mock.add_account([SHOP_NUMBER], api_key=SHOP_KEY, sms_config={"time_out": 300, "timeout_message": "Bye"})
    shop = httpx.Client(base_url=mock.url, headers={"authorization": SHOP_KEY})
    body = {"user_number": "+15550001111", "agent_number": SHOP_NUMBER, "message": "hi"}
    shop.post("/v1/sms/create", json=body)
    shop.post("/v1/sms/create", json={**body, "message": "How can we help?", "sender": "AGENT"})
    shop.post("/v1/sms/create", json={**body, "user_number": "not-a-number"})
    httpx.get(f"{mock.url}/v1/sms/conversations", headers={"authorization": "sk-wrong"})
    mock.clock.advance("20m")
    shop.get("/v1/sms/conversations", params={"filters": '[{"field":"is_active","operator":"eq","value":false}]'})
    demo = httpx.Client(base_url=mock.url, headers={"authorization": mock.api_key})
    demo.post("/v1/sms/create", json={**body, "agent_number": mock.agent_number})


@pytest.fixture
def recorded(tmp_path: Path) -> Path:
    out = tmp_path / "recorded.yaml"
    with BlandMock() as mock:
        mock.start()
        mock.clock.set("2026-02-01T10:00:00Z")
        drive(mock)
        result = CliRunner().invoke(main, ["record", "--base-url", mock.url, "--out", str(out), "--keep-time"])
    assert result.exit_code == 0, result.output
    return out


def test_the_skeleton_names_ids_keys_and_expectations(recorded: Path) -> None:
    document = load_yaml(recorded.read_text())
    load(recorded)  # valid against the scenario models
    assert document["setup"]["accounts"][0]["api_key"] == SHOP_KEY
    assert document["setup"]["api_key"] == SHOP_KEY
    assert document["setup"]["clock"] == "2026-02-01T10:00:00.000Z"
    steps = document["steps"]
    assert steps[0]["save_as"] == "c1"
    assert steps[1]["expect"]["data"] == {"conversation_id": "{{ c1.conversation_id }}"}
    assert steps[2]["expect"] == {"status": 400, "error": "INVALID_PHONE_NUMBER"}
    assert steps[3]["api_key"] == "sk-recorded-unknown-key" and steps[3]["expect"]["status"] == 401
    assert steps[4] == {"advance": "20m"}
    assert steps[5]["list"]["filters"] == [{"field": "is_active", "operator": "eq", "value": False}]
    assert steps[5]["expect"]["ids"] == ["{{ c1.conversation_id }}"]
    assert steps[6]["api_key"] == "sk-demo-bland-sms-mock"


def test_the_recorded_scenario_replays_green_on_a_fresh_mock(recorded: Path) -> None:
    result = CliRunner().invoke(main, ["replay", str(recorded)])
    assert result.exit_code == 0, result.output
    assert "1 scenario: 1 passed; 7 of 7 steps ran" in result.output


def test_record_to_stdout_and_from_a_mock_that_is_not_there(tmp_path: Path) -> None:
    with BlandMock() as mock:
        mock.start()
        httpx.get(f"{mock.url}/v1/sms/conversations", headers={"authorization": mock.api_key})
        result = CliRunner().invoke(main, ["record", "--base-url", mock.url, "--out", "-"])
    assert result.exit_code == 0 and "list: {}" in result.output
    result = CliRunner().invoke(main, ["record", "--base-url", "http://127.0.0.1:9", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and "cannot reach the target" in result.output


def test_record_of_an_empty_journal_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "empty.yaml"
    with BlandMock() as mock:
        mock.start()
        result = CliRunner().invoke(main, ["record", "--base-url", mock.url, "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "the journal holds no create or list request to record (0 entries" in result.output
    assert "no file written" in result.output and not out.exists()


def test_record_into_a_missing_directory_is_one_clear_line(tmp_path: Path) -> None:
    with BlandMock() as mock:
        mock.start()
        httpx.get(f"{mock.url}/v1/sms/conversations", headers={"authorization": mock.api_key})
        missing = CliRunner().invoke(main, ["record", "--base-url", mock.url, "--out", str(tmp_path / "no" / "x.yaml")])
        written = CliRunner().invoke(main, ["record", "--base-url", mock.url, "--out", str(tmp_path / "x.yaml")])
    assert missing.exit_code == 2, missing.output
    assert f"Error: cannot write {tmp_path / 'no' / 'x.yaml'}: No such file or directory" in missing.output
    assert isinstance(missing.exception, SystemExit), missing.exception  # not an OSError traceback
    assert written.exit_code == 0 and "1 step from 1 journal entry." in written.output
