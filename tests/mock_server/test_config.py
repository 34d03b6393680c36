"""Config files (YAML and JSON) and the app factory."""

from __future__ import annotations

import json

import pytest
from bland_sms_mock.mock_server.app import create_app
from bland_sms_mock.mock_server.config import DEMO_AGENT_NUMBER, DEMO_API_KEY, ConfigError, load_config

YAML = """
strict_numbers: false
accounts:
  - name: clinic
    api_key: sk-clinic
    api_keys: [sk-clinic-2]
    agent_numbers:
      - number: "+15552220001"
        sms_config: {time_out: 300, timeout_message: "Closing", warning_time: 240, warning_message: "Still there?"}
      - number: "+15552220002"
  - api_key: sk-shop
    agent_numbers: [{number: "+15552220003"}]
"""


def test_factory_with_no_config_serves_the_demo_account() -> None:
    client = create_app().test_client()
    body = {"user_number": "+15550001111", "agent_number": DEMO_AGENT_NUMBER, "message": "hi"}
    assert client.post("/v1/sms/create", json=body, headers={"authorization": DEMO_API_KEY}).status_code == 200


def test_each_app_has_its_own_state() -> None:
    first, second = create_app().test_client(), create_app().test_client()
    body = {"user_number": "+15550001111", "agent_number": DEMO_AGENT_NUMBER, "message": "hi"}
    first.post("/v1/sms/create", json=body, headers={"authorization": DEMO_API_KEY})
    listed = second.get("/v1/sms/conversations", headers={"authorization": DEMO_API_KEY}).json
    assert listed["extra"]["pagination"]["totalItems"] == 0


def test_yaml_config_with_several_accounts_and_keys(tmp_path) -> None:
    path = tmp_path / "mock.yaml"
    path.write_text(YAML)
    client = create_app(str(path)).test_client()
    body = {"user_number": "+15550001111", "agent_number": "+15552220001", "message": "hi", "sender": "AGENT"}
    cid = client.post("/v1/sms/create", json=body, headers={"authorization": "sk-clinic-2"}).json["data"][
        "conversation_id"
    ]
    detail = client.get(f"/_mock/conversations/{cid}", headers={"authorization": "sk-clinic"}).json["data"]
    assert (detail["time_out"], detail["warning_time"]) == (300, 240)
    assert client.get("/v1/sms/conversations", headers={"authorization": "sk-shop"}).json["data"] == []


def test_json_config(tmp_path) -> None:
    path = tmp_path / "mock.json"
    path.write_text(json.dumps({"accounts": [{"api_key": "sk-j", "agent_numbers": [{"number": "+15552220009"}]}]}))
    assert load_config(path).accounts[0].api_key == "sk-j"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("accounts: [{api_key: k, agent_numbers: [{number: '+1555', sms_config: {}}]}]", "number"),
        (
            "accounts: [{api_key: k, agent_numbers: [{number: '+15552220001',"
            " sms_config: {time_out: 10, warning_time: 10}}]}]",
            "sms_config",
        ),
        ("accounts: [{api_key: k}, {api_key: k}]", "used twice"),
        (
            "accounts: [{api_key: a, agent_numbers: [{number: '+15552220001'}]},"
            " {api_key: b, agent_numbers: [{number: '+15552220001'}]}]",
            "two accounts",
        ),
        ("accounts: []", "accounts"),
        ("accounts: [{api_key: k, colour: red}]", "colour"),
        ("accounts: [{{", "mock.yaml"),
    ],
)
def test_invalid_config_names_the_problem(tmp_path, text, named) -> None:
    path = tmp_path / "mock.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=named):
        load_config(path)


def test_limits_cap_conversations_and_messages() -> None:
    config = {
        "limits": {"max_conversations_per_account": 2, "max_messages_per_conversation": 3},
        "accounts": [{"api_key": "sk-cap", "agent_numbers": [{"number": "+15552220011"}]}],
    }
    client = create_app(config).test_client()
    headers = {"authorization": "sk-cap"}

    def send(user: str, **extra: object):
        body = {"user_number": user, "agent_number": "+15552220011", "message": "hi", **extra}
        return client.post("/v1/sms/create", json=body, headers=headers)

    assert [send("+15550000001").status_code for _ in range(3)] == [200, 200, 200]
    full = send("+15550000001")
    assert full.status_code == 409
    assert full.json["errors"][0]["error"] == "LIMIT_EXCEEDED"
    assert send("+15550000002").status_code == 200
    capped = send("+15550000003")
    assert (capped.status_code, capped.json["errors"][0]["error"]) == (409, "LIMIT_EXCEEDED")
    assert send("+15550000001", new_conversation=True).status_code == 409  # would be a third conversation
    listed = client.get("/v1/sms/conversations", headers=headers).json
    assert sum(c["message_count"] for c in listed["data"]) == 4
