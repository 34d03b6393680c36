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
    assert "the journal holds no SMS API request to record (0 entries" in result.output
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


# ------------------------------------------------------------------------------------ the rest of the API

USER = "+15550002222"


def drive_the_rest(mock: BlandMock) -> None:
    """A session on the other endpoints: sends (one with the CLI's old names, one retried), a thread read and
    trimmed, a conversation ended and one deleted, the numbers listed and one updated."""
    mock.add_account([SHOP_NUMBER], api_key=SHOP_KEY, sms_config={"time_out": 600, "timeout_message": "Bye"})
    shop = httpx.Client(base_url=mock.url, headers={"authorization": SHOP_KEY})
    send = {"user_number": USER, "agent_number": SHOP_NUMBER, "agent_message": "Your order shipped"}
    first = shop.post("/v1/sms/send", json=send, headers={"idempotency-key": "order-1"}).json()["data"]
    shop.post("/v1/sms/send", json=send, headers={"idempotency-key": "order-1"})  # a retry: the same answer
    conversation = first["conversation_id"]
    shop.post("/v1/sms/create", json={"user_number": USER, "agent_number": SHOP_NUMBER, "message": "Thanks!"})
    mock.clock.advance("2m")
    old_names = {"phone_number": USER, "from": SHOP_NUMBER, "message": "Anything else?"}
    shop.post("/v1/sms/send", json=old_names)
    thread = shop.get(f"/v1/sms/conversations/{conversation}").json()["data"]
    trimmed = [thread["messages"][1]["id"], thread["messages"][2]["id"]]
    shop.request("DELETE", f"/v1/sms/conversations/{conversation}/messages", json={"message_ids": trimmed})
    shop.patch(f"/v1/sms/conversations/{conversation}", json={"is_active": False})
    shop.patch(f"/v1/sms/conversations/{conversation}", json={"is_active": "no"})
    shop.get("/v1/sms/numbers")
    shop.post("/v1/sms/number/update", json={"phone_number": SHOP_NUMBER, "time_out": 120})
    other = shop.post("/v1/sms/send", json={**send, "user_number": "+15550003333"}).json()["data"]
    mock.clock.advance("5m")
    shop.get(f"/v1/sms/conversations/{other['conversation_id']}")
    shop.delete(f"/v1/sms/conversations/{other['conversation_id']}")
    shop.delete(f"/v1/sms/conversations/{other['conversation_id']}")
    shop.get("/v1/sms/conversations")


@pytest.fixture
def recorded_rest(tmp_path: Path) -> Path:
    out = tmp_path / "rest.yaml"
    with BlandMock() as mock:
        mock.start()
        mock.clock.set("2026-02-02T10:00:00Z")
        drive_the_rest(mock)
        result = CliRunner().invoke(main, ["record", "--base-url", mock.url, "--out", str(out), "--keep-time"])
    assert result.exit_code == 0, result.output
    return out


def test_the_other_endpoints_become_their_steps_with_ids_templated(recorded_rest: Path) -> None:
    load(recorded_rest)
    document = load_yaml(recorded_rest.read_text())
    (number,) = document["setup"]["accounts"][0]["agent_numbers"]
    assert number["sms_config"] == {"time_out": 600, "timeout_message": "Bye"}, "as the numbers answer showed it"
    steps = document["steps"]
    actions = [next(k for k in step if k not in ("title", "api_key", "save_as", "idempotency_key")) for step in steps]
    assert actions == [
        *("send", "send", "create", "advance", "send", "get", "delete_messages", "update", "update", "numbers"),
        *("update_number", "send", "advance", "get", "delete", "delete", "list"),
    ]
    first, retry, _, _, old_names, thread, trim, end, bad_end, numbers, update, other, _, _, gone, again, listed = steps
    assert first["idempotency_key"] == "order-1" and first["save_as"] == "c1"
    assert retry["expect"]["data"] == {
        "conversation_id": "{{ c1.conversation_id }}",
        "message_id": "{{ c1.message_id }}",
    }
    assert old_names["send"] == {"phone_number": USER, "from": SHOP_NUMBER, "message": "Anything else?"}
    assert old_names["save_as"] == "s1"
    assert thread["get"] == "{{ c1.conversation_id }}" and thread["save_as"] == "g1"
    assert thread["expect"] == {"status": 200, "data": {"is_active": True, "message_count": 3}}
    assert trim["delete_messages"] == {
        "id": "{{ c1.conversation_id }}",
        "message_ids": ["{{ g1.messages.1.id }}", "{{ s1.message_id }}"],
    }
    assert trim["expect"]["data"] == {"deleted_count": 2}
    assert end["update"] == {"id": "{{ c1.conversation_id }}", "is_active": False}
    assert end["expect"]["response"] == {"conversation": {"id": "{{ c1.conversation_id }}", "is_active": False}}
    assert bad_end["update"] == {"id": "{{ c1.conversation_id }}", "body": {"is_active": "no"}}
    assert bad_end["expect"] == {"status": 400, "error": "INVALID_FIELD"}
    assert numbers == {"numbers": {}, "expect": {"status": 200, "count": 1}}
    assert update["update_number"] == {"phone_number": SHOP_NUMBER, "time_out": 120}
    assert other["save_as"] == "c2"
    assert gone == {"delete": "{{ c2.conversation_id }}", "expect": {"status": 200}}
    assert again["expect"] == {"status": 404, "error": "CONVERSATION_NOT_FOUND"}
    assert listed["expect"]["ids"] == ["{{ c1.conversation_id }}"]


def test_a_recorded_session_with_sends_patches_and_deletes_replays_green(recorded_rest: Path) -> None:
    result = CliRunner().invoke(main, ["replay", str(recorded_rest)])
    assert result.exit_code == 0, result.output
    assert "1 scenario: 1 passed; 17 of 17 steps ran" in result.output


def test_a_number_updated_before_anything_showed_its_settings_is_noted(tmp_path: Path) -> None:
    out = tmp_path / "updated.yaml"
    with BlandMock() as mock:
        mock.start()
        mock.add_account([SHOP_NUMBER], api_key=SHOP_KEY, sms_config={"time_out": 600})
        body = {"phone_number": SHOP_NUMBER, "time_out": 60}
        httpx.post(f"{mock.url}/v1/sms/number/update", json=body, headers={"authorization": SHOP_KEY})
        result = CliRunner().invoke(main, ["record", "--base-url", mock.url, "--out", str(out)])
    assert result.exit_code == 0, result.output
    note = f"Note: {SHOP_NUMBER} had its settings updated during the session, and no earlier numbers answer shows"
    assert note in result.output
    document = load_yaml(out.read_text())
    assert "the setup gives them as they are now" in document["description"]
    assert document["setup"]["accounts"][0]["agent_numbers"][0]["sms_config"] == {"time_out": 60}
