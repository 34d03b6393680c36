"""`DELETE /_mock/accounts/<api_key>`: a run-time account goes away with its conversations and timers."""

from __future__ import annotations

from mock_support import DEMO_KEY, USER, error_codes

RUNTIME = {
    "api_key": "sk-runtime",
    "agent_numbers": [{"number": "+15552227777", "sms_config": {"time_out": 60, "timeout_message": "bye"}}],
}


def test_removing_a_runtime_account_drops_it_its_conversations_and_its_timers(client, advance) -> None:
    assert client.post("/_mock/accounts", json=RUNTIME).status_code == 201
    headers = {"authorization": "sk-runtime"}
    body = {"user_number": USER, "agent_number": "+15552227777", "message": "code?", "sender": "AGENT"}
    created = client.post("/v1/sms/create", json=body, headers=headers)
    assert created.status_code == 200
    conversation = created.json["data"]["conversation_id"]

    removed = client.delete("/_mock/accounts/sk-runtime")
    assert removed.status_code == 200 and removed.json == {"status": "ok", "conversations": 1}
    assert "sk-runtime" not in [a["api_key"] for a in client.get("/_mock/accounts").json["accounts"]]
    assert client.get("/v1/sms/conversations", headers=headers).status_code == 401
    assert client.get(f"/_mock/conversations/{conversation}", headers={"authorization": DEMO_KEY}).status_code == 404
    assert advance(120)["fired"] == []  # its pending timeout lapsed with it
    assert client.post("/_mock/accounts", json=RUNTIME).status_code == 201  # its number is free again


def test_an_unknown_key_is_404_and_a_configured_account_is_refused(client) -> None:
    assert client.delete("/_mock/accounts/sk-nobody").status_code == 404
    assert error_codes(client.delete("/_mock/accounts/sk-nobody")) == ["NOT_FOUND"]
    refused = client.delete(f"/_mock/accounts/{DEMO_KEY}")
    assert refused.status_code == 400 and error_codes(refused) == ["INVALID_FIELD"]
    assert client.get("/v1/sms/conversations", headers={"authorization": DEMO_KEY}).status_code == 200
