"""`GET /v1/sms/numbers` and `POST /v1/sms/number/update`: settings, counts, partial updates, later timers."""

from __future__ import annotations

from flask.testing import FlaskClient
from mock_support import DEMO_AGENT, OTHER_AGENT, PLAIN_AGENT, SECOND_AGENT, error_codes, error_for


def _numbers(client: FlaskClient, auth: dict[str, str], **query: str) -> list[dict]:
    response = client.get("/v1/sms/numbers", headers=auth, query_string=query)
    assert response.status_code == 200, response.json
    return response.json["data"]


def _update(client: FlaskClient, auth: dict[str, str], **body):
    return client.post("/v1/sms/number/update", json=body, headers=auth)


def test_numbers_lists_the_accounts_numbers_with_settings_and_counts(client, auth, create) -> None:
    create()
    create(user_number="+15550003333")
    create(agent_number=SECOND_AGENT)
    numbers = {n["phone_number"]: n for n in _numbers(client, auth)}
    assert set(numbers) == {DEMO_AGENT, SECOND_AGENT, PLAIN_AGENT}
    assert [numbers[n]["conversation_count"] for n in (DEMO_AGENT, SECOND_AGENT, PLAIN_AGENT)] == [2, 1, 0]
    assert numbers[DEMO_AGENT]["sms_config"]["time_out"] == 900
    assert numbers[PLAIN_AGENT]["sms_config"]["webhook"] is None


def test_other_channels_list_nothing_and_an_unknown_one_is_refused(client, auth) -> None:
    assert _numbers(client, auth, channel="whatsapp") == []
    response = client.get("/v1/sms/numbers", headers=auth, query_string={"channel": "fax"})
    assert response.status_code == 400
    assert error_codes(response) == ["INVALID_QUERY"]


def test_update_changes_what_it_gives_and_keeps_the_rest(client, auth) -> None:
    response = _update(client, auth, phone_number=DEMO_AGENT, time_out=1200, webhook="https://app.test/hook")
    assert response.status_code == 200
    settings = response.json["data"]["sms_config"]
    assert response.json["data"]["message"] == f"SMS config updated for number {DEMO_AGENT}"
    assert (settings["time_out"], settings["warning_time"], settings["webhook"]) == (1200, 600, "https://app.test/hook")
    assert _numbers(client, auth)[0]["sms_config"] == settings


def test_null_clears_a_setting(client, auth) -> None:
    settings = _update(client, auth, phone_number=DEMO_AGENT, warning_time=None, warning_message=None).json["data"]
    assert settings["sms_config"]["warning_time"] is None and settings["sms_config"]["time_out"] == 900


def test_an_update_leaving_warning_not_below_time_out_is_refused_and_changes_nothing(client, auth) -> None:
    response = _update(client, auth, phone_number=DEMO_AGENT, time_out=600)
    assert response.status_code == 400
    assert error_codes(response) == ["INVALID_TIMEOUT_CONFIG"]
    assert _numbers(client, auth)[0]["sms_config"]["time_out"] == 900


def test_a_number_of_another_account_is_not_found(client, auth) -> None:
    response = _update(client, auth, phone_number=OTHER_AGENT, time_out=60)
    assert response.status_code == 404
    assert error_codes(response) == ["NUMBER_NOT_FOUND"]


def test_bad_settings_are_named(client, auth) -> None:
    response = _update(client, auth, phone_number=DEMO_AGENT, time_out="60", webhook="not a url")
    assert response.status_code == 400
    assert error_for(response, "time_out") == "INVALID_FIELD"
    assert error_for(response, "webhook") == "INVALID_FIELD"


def test_running_timers_keep_their_settings_and_later_ones_take_the_new(client, auth, create, advance, detail) -> None:
    running = create(message="hi", sender="AGENT").json["data"]["conversation_id"]
    _update(client, auth, phone_number=DEMO_AGENT, time_out=120, warning_time=None, timeout_message="new bye")
    assert detail(running)["next_timer"]["due_at"] == "2026-01-05T09:10:00.000Z"  # the warning it started with
    later = create(user_number="+15550009999", message="hi", sender="AGENT").json["data"]["conversation_id"]
    assert detail(later)["next_timer"] == {"kind": "timeout", "due_at": "2026-01-05T09:02:00.000Z"}
    advance(900)
    assert detail(running)["last_message"] == "closing"
    assert detail(later)["last_message"] == "new bye"


def test_a_reset_puts_configured_settings_back(client, auth) -> None:
    _update(client, auth, phone_number=DEMO_AGENT, time_out=1200)
    client.post("/_mock/reset", json={})
    assert _numbers(client, auth)[0]["sms_config"]["time_out"] == 900
