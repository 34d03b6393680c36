"""Validation of the create body: every field's rules, the order of checks, nothing changed on rejection."""

from __future__ import annotations

import pytest
from mock_support import PLAIN_AGENT, error_codes, error_for


def _depth(levels: int) -> dict:
    value: dict = {"leaf": 1}
    for _ in range(levels - 1):
        value = {"a": value}
    return value


@pytest.mark.parametrize("field", ["user_number", "agent_number", "message"])
def test_each_required_field_missing(create, field) -> None:
    response = create(**{field: None})
    assert response.status_code == 400
    assert error_for(response, field) == "MISSING_REQUIRED_FIELDS"


def test_all_problems_reported_together_one_object_each(create) -> None:
    response = create(user_number="hello", message=5, time_out="30", sender="BOT", new_conversation="true")
    assert response.status_code == 400
    assert error_for(response, "user_number") == "INVALID_PHONE_NUMBER"
    for field in ("message", "time_out", "sender", "new_conversation"):
        assert error_for(response, field) == "INVALID_FIELD"
    assert len(response.json["errors"]) == 5


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("message", 5),
        ("message", ["hi"]),
        ("new_conversation", "true"),
        ("new_conversation", 1),
        ("time_out", 30.0),
        ("time_out", True),
        ("time_out", "30"),
        ("time_out", 0),
        ("time_out", -5),
        ("time_out", 2_147_483_648),
        ("warning_time", 0),
        ("warning_time", 1.5),
        ("sender", "user"),
        ("sender", "SYSTEM"),
        ("request_data", [1, 2]),
        ("request_data", "campaign"),
        ("message_sid", 7),
        ("curr_pathway_id", {"id": 1}),
        ("timeout_message", False),
    ],
)
def test_wrong_type_or_value_is_invalid_field(create, field, value) -> None:
    response = create(**{field: value})
    assert response.status_code == 400
    assert error_for(response, field) == "INVALID_FIELD"


def test_time_out_upper_bound_is_accepted(create) -> None:
    assert create(time_out=2_147_483_647, agent_number=PLAIN_AGENT).status_code == 200


@pytest.mark.parametrize("message", ["", "   ", "\t\n", "\u00a0\u2003"])
def test_blank_message_is_invalid(create, message) -> None:
    response = create(message=message)
    assert error_for(response, "message") == "INVALID_FIELD"


def test_message_length_counts_code_points(create) -> None:
    assert create(message="😀" * 1600).status_code == 200  # 3200 UTF-16 units, 1600 code points
    response = create(message="a" * 1601)
    assert response.status_code == 400
    assert error_for(response, "message") == "INVALID_FIELD"


@pytest.mark.parametrize(
    "number", ["hello", "15550001111", "+1 555 000 1111", "+1-555-000-1111", "+1555000111122223", "+0155500011", "+1"]
)
@pytest.mark.parametrize("field", ["user_number", "agent_number"])
def test_invalid_phone_numbers(create, field, number) -> None:
    response = create(**{field: number})
    assert response.status_code == 400
    assert error_for(response, field) == "INVALID_PHONE_NUMBER"


def test_reserved_555_numbers_are_possible_numbers(create) -> None:
    assert create(user_number="+15550001111").status_code == 200
    assert create(user_number="+447700900123").status_code == 200


def test_strict_numbers_demands_valid_numbers() -> None:
    from bland_sms_mock.mock_server.app import create_app
    from mock_support import TEST_CONFIG

    client = create_app({**TEST_CONFIG, "strict_numbers": True}).test_client()
    headers = {"authorization": "sk-demo-bland-sms-mock"}
    body = {"user_number": "+15550001111", "agent_number": "+15552223333", "message": "hi"}
    response = client.post("/v1/sms/create", json=body, headers=headers)
    assert error_for(response, "user_number") == "INVALID_PHONE_NUMBER"
    assert "valid" in response.json["errors"][0]["message"]


def test_request_data_depth_limit(create) -> None:
    assert create(request_data=_depth(64)).status_code == 200
    response = create(request_data=_depth(65))
    assert error_for(response, "request_data") == "INVALID_FIELD"


def test_agent_number_must_belong_to_the_account(create) -> None:
    response = create(agent_number="+15559998888")
    assert response.status_code == 400
    assert error_codes(response) == ["AGENT_NUMBER_NOT_FOUND"]
    assert "agent_number" in response.json["errors"][0]["message"]


def test_field_errors_come_before_ownership(create) -> None:
    response = create(agent_number="+15559998888", message="")
    assert error_codes(response) == ["INVALID_FIELD"]


def test_ownership_comes_before_timeout_config(create) -> None:
    response = create(agent_number="+15559998888", warning_time=50, time_out=10)
    assert error_codes(response) == ["AGENT_NUMBER_NOT_FOUND"]


class TestTimeoutConfig:
    def test_warning_not_below_time_out_in_body(self, create) -> None:
        response = create(time_out=60, warning_time=60)
        assert error_codes(response) == ["INVALID_TIMEOUT_CONFIG"]
        assert "warning_time" in response.json["errors"][0]["message"]

    def test_warning_checked_against_sms_config_time_out(self, create) -> None:
        assert error_codes(create(warning_time=900)) == ["INVALID_TIMEOUT_CONFIG"]  # number's time_out is 900
        assert create(warning_time=899).status_code == 200

    def test_warning_checked_against_stored_override(self, create) -> None:
        assert create(time_out=100, warning_time=50).status_code == 200
        assert error_codes(create(warning_time=150)) == ["INVALID_TIMEOUT_CONFIG"]  # stored time_out 100
        assert create(warning_time=150, new_conversation=True).status_code == 200  # fresh: number's 900

    def test_warning_without_any_time_out(self, create) -> None:
        response = create(agent_number=PLAIN_AGENT, warning_time=30)
        assert error_codes(response) == ["INVALID_TIMEOUT_CONFIG"]

    def test_time_out_below_configured_warning(self, create) -> None:
        assert error_codes(create(time_out=300)) == ["INVALID_TIMEOUT_CONFIG"]  # number warns at 600


def test_unknown_fields_are_ignored(create) -> None:
    assert create(colour="blue", extra={"a": 1}).status_code == 200


def test_null_optional_fields_are_absent(client, auth, detail, messages) -> None:
    body = {
        "user_number": "+15550001111",
        "agent_number": "+15552223333",
        "message": "hi",
        **dict.fromkeys(
            ["sender", "time_out", "warning_time", "new_conversation", "request_data", "message_sid", "curr_pathway_id"]
        ),
    }
    response = client.post("/v1/sms/create", json=body, headers=auth)
    assert response.status_code == 200
    conversation = detail(response.json["data"]["conversation_id"])
    assert conversation["variables"] == {}
    assert conversation["time_out"] == 900  # the number's sms_config, not an override
    assert messages(conversation["id"])[0]["sender"] == "USER"


def test_rejected_request_changes_nothing(create, list_conversations, client) -> None:
    create(sender="AGENT")
    before = list_conversations().json
    for bad in (
        {"message": ""},
        {"time_out": 10, "warning_time": 20},
        {"agent_number": "+15559998888"},
        {"new_conversation": True, "warning_time": 5000},
    ):
        assert create(**bad).status_code == 400
    assert list_conversations().json == before


@pytest.mark.parametrize("field", ["user_number", "agent_number", "message"])
def test_null_on_a_required_field_is_missing(client, auth, field) -> None:
    body = {"user_number": "+15550001111", "agent_number": "+15552223333", "message": "hi", field: None}
    response = client.post("/v1/sms/create", json=body, headers=auth)
    assert error_for(response, field) == "MISSING_REQUIRED_FIELDS"
