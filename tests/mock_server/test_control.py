"""The control API: health, reset, clock, accounts, seed and snapshot, and --no-control."""

from __future__ import annotations

import pytest
from bland_sms_mock.mock_server.app import create_app
from bland_sms_mock.mock_server.state import default_webhook_secret
from mock_support import DEMO_KEY, TEST_CONFIG, error_codes


def test_health(client) -> None:
    body = client.get("/_mock/health").json
    assert body["status"] == "ok" and body["service"] == "bland-sms-mock"
    assert body["version"]
    assert {"clock", "reset", "accounts", "messages", "seed", "snapshot"} <= set(body["capabilities"])


def test_no_control_means_no_mock_routes() -> None:
    client = create_app(TEST_CONFIG, control=False).test_client()
    assert client.get("/_mock/health").status_code == 404
    assert client.get("/v1/sms/conversations", headers={"authorization": DEMO_KEY}).status_code == 200


def test_reset_drops_conversations_keeps_accounts(client, create, list_conversations) -> None:
    create()
    client.post("/_mock/accounts", json={"api_key": "sk-runtime", "agent_numbers": [{"number": "+15552229999"}]})
    assert client.post("/_mock/reset").json == {"status": "ok"}
    assert list_conversations().json["extra"]["pagination"]["totalItems"] == 0
    assert list_conversations(headers={"authorization": "sk-runtime"}).status_code == 200
    client.post("/_mock/reset", json={"accounts": True})
    assert list_conversations(headers={"authorization": "sk-runtime"}).status_code == 401
    assert list_conversations().status_code == 200


def test_reset_returns_the_clock_to_real_time(client) -> None:
    assert client.get("/_mock/clock").json["frozen"] is True
    client.post("/_mock/reset")
    assert client.get("/_mock/clock").json["frozen"] is False


def test_clock_freeze_resume_set_advance(client) -> None:
    assert (
        client.post("/_mock/clock", json={"set": "2026-02-01T10:00:00+02:00"}).json["now"] == "2026-02-01T08:00:00.000Z"
    )
    assert client.post("/_mock/clock", json={"advance": 90.5}).json["now"] == "2026-02-01T08:01:30.500Z"
    resumed = client.post("/_mock/clock", json={"freeze": False}).json
    assert resumed["frozen"] is False
    assert resumed["now"] >= "2026-02-01T08:01:30.500Z"  # no jump back to wall time
    assert client.get("/_mock/clock").json["now"].startswith("2026-02-01T08:01")
    frozen = client.post("/_mock/clock", json={"freeze": True}).json
    assert frozen["frozen"] is True
    assert client.get("/_mock/clock").json["now"] == frozen["now"]


def test_advance_takes_the_durations_python_and_the_inspector_take(client) -> None:
    client.post("/_mock/clock", json={"set": "2026-02-01T08:00:00Z"})
    assert client.post("/_mock/clock", json={"advance": "5m"}).json["now"] == "2026-02-01T08:05:00.000Z"
    assert client.post("/_mock/clock", json={"advance": "1h4m30s"}).json["now"] == "2026-02-01T09:09:30.000Z"
    refused = client.post("/_mock/clock", json={"advance": "soon"})
    assert refused.status_code == 400 and refused.json["errors"][0]["message"].startswith("advance:")


def test_advance_keeps_a_running_clock_running_unless_asked_to_freeze(client) -> None:
    client.post("/_mock/clock", json={"set": "2026-02-01T08:00:00Z", "freeze": False})
    moved = client.post("/_mock/clock", json={"advance": "1h"}).json
    assert moved["frozen"] is False and moved["now"].startswith("2026-02-01T09:00")
    assert client.get("/_mock/clock").json["frozen"] is False
    pinned = client.post("/_mock/clock", json={"advance": 60, "freeze": True}).json
    assert pinned["frozen"] is True and client.get("/_mock/clock").json["now"] == pinned["now"]
    assert client.post("/_mock/clock", json={"advance": 60}).json["frozen"] is True  # frozen stays frozen


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"advance": -1},
        {"advance": "5 minutes"},
        {"advance": "-5m"},
        {"advance": True},
        {"set": "tomorrow"},
        {"freeze": "yes"},
        {"advance": 1, "set": "2026-01-01T00:00:00Z"},
        {"rewind": 5},
    ],
)
def test_bad_clock_commands(client, body) -> None:
    response = client.post("/_mock/clock", json=body)
    assert response.status_code == 400
    assert error_codes(response)


def test_add_account(client, list_conversations) -> None:
    body = {
        "api_key": "sk-new",
        "agent_numbers": [{"number": "+15552228888", "sms_config": {"time_out": 60}}, {"number": "+15552228889"}],
    }
    response = client.post("/_mock/accounts", json=body)
    assert response.status_code == 201
    assert response.json == {
        "name": "sk-new",
        "api_key": "sk-new",
        "api_keys": [],
        "from_config": False,
        "agent_numbers": [
            {"number": "+15552228888", "sms_config": {"time_out": 60}},
            {"number": "+15552228889", "sms_config": {}},
        ],
        "webhook_secret": default_webhook_secret("sk-new"),
    }
    assert list_conversations(headers={"authorization": "sk-new"}).status_code == 200
    assert "sk-new" in [a["api_key"] for a in client.get("/_mock/accounts").json["accounts"]]


def test_add_account_conflicts_and_bad_input(client) -> None:
    assert error_codes(client.post("/_mock/accounts", json={"api_key": DEMO_KEY})) == ["ACCOUNT_EXISTS"]
    assert client.post("/_mock/accounts", json={"api_key": DEMO_KEY}).status_code == 409
    bad_number = client.post("/_mock/accounts", json={"api_key": "k2", "agent_numbers": [{"number": "555"}]})
    assert error_codes(bad_number) == ["INVALID_PHONE_NUMBER"]
    bad_config = {
        "api_key": "k3",
        "agent_numbers": [{"number": "+15552228887", "sms_config": {"time_out": 5, "warning_time": 9}}],
    }
    assert error_codes(client.post("/_mock/accounts", json=bad_config)) == ["INVALID_TIMEOUT_CONFIG"]
    taken = {"api_key": "k4", "agent_numbers": [{"number": "+15552223333"}]}
    assert error_codes(client.post("/_mock/accounts", json=taken)) == ["INVALID_FIELD"]


def test_conversation_calls_need_the_owner_key(client, create) -> None:
    cid = create().json["data"]["conversation_id"]
    assert client.get(f"/_mock/conversations/{cid}").status_code == 401
    assert error_codes(client.get("/_mock/conversations/convo_nope", headers={"authorization": DEMO_KEY})) == [
        "CONVERSATION_NOT_FOUND"
    ]
    assert client.get(f"/_mock/conversations/{cid}/messages", headers={"authorization": DEMO_KEY}).status_code == 200


def test_seed_derives_timers_and_rejects_conflicts(client, list_conversations, advance) -> None:
    seed = {
        "conversations": [
            {
                "user_number": "+15550003333",
                "agent_number": "+15552223333",
                "variables": {"src": "seed"},
                "messages": [
                    {"sender": "USER", "message": "hi", "created_at": "2026-01-05T08:50:00Z"},
                    {"sender": "AGENT", "message": "hello", "created_at": "2026-01-05T08:55:00Z"},
                ],
            }
        ]
    }
    assert client.post("/_mock/seed", json=seed).json == {"status": "ok", "conversations": 1}
    item = list_conversations().json["data"][0]
    assert (item["message_count"], item["created_at"], item["variables"]) == (
        2,
        "2026-01-05T08:50:00.000Z",
        {"src": "seed"},
    )
    fired = advance(600)["fired"]  # 08:55 + 600 s = 09:05 warning; timeout 09:10
    assert [(e["kind"], e["due_at"]) for e in fired] == [
        ("warning", "2026-01-05T09:05:00.000Z"),
        ("timeout", "2026-01-05T09:10:00.000Z"),
    ]
    again = client.post("/_mock/seed", json={"conversations": [{**seed["conversations"][0], "account": "nobody"}]})
    assert again.status_code == 400


def test_seed_refuses_a_second_active_conversation_for_a_pair(client, create) -> None:
    create(user_number="+15550003333")
    seed = {
        "conversations": [
            {
                "user_number": "+15550003333",
                "agent_number": "+15552223333",
                "messages": [{"message": "x", "created_at": "2026-01-05T08:00:00Z"}],
            }
        ]
    }
    response = client.post("/_mock/seed", json=seed)
    assert response.status_code == 400
    assert "is_active" in response.json["errors"][0]["message"]


def test_snapshot_round_trip_fires_the_pending_timer_at_the_same_instant(client, create) -> None:
    cid = create(sender="AGENT").json["data"]["conversation_id"]
    client.post("/_mock/clock", json={"advance": 60})
    snapshot = client.get("/_mock/snapshot").json
    assert snapshot["format"] == "bland-sms-mock/snapshot" and snapshot["version"] == 1

    fresh = create_app(TEST_CONFIG).test_client()
    assert fresh.put("/_mock/snapshot", json=snapshot).json == {"status": "ok"}
    assert fresh.get("/_mock/clock").json == {"now": "2026-01-05T09:01:00.000Z", "frozen": True}
    fired = fresh.post("/_mock/clock", json={"advance": 3600}).json["fired"]
    assert [(e["conversation_id"], e["kind"], e["due_at"]) for e in fired] == [
        (cid, "warning", "2026-01-05T09:10:00.000Z"),
        (cid, "timeout", "2026-01-05T09:15:00.000Z"),
    ]
    assert fresh.get("/_mock/snapshot").json["conversations"][0]["timed_out_at"] == "2026-01-05T09:15:00.000Z"


def test_bad_snapshot_is_rejected_and_changes_nothing(client, create, list_conversations) -> None:
    create()
    response = client.put("/_mock/snapshot", json={"format": "other", "conversations": [{"user_number": 5}]})
    assert response.status_code == 400
    assert list_conversations().json["extra"]["pagination"]["totalItems"] == 1


def test_seed_takes_the_yaml_the_shipped_seed_files_are_written_in(client) -> None:
    from pathlib import Path

    demo = Path(__file__).resolve().parents[2] / "fixtures" / "seeds" / "demo.yaml"
    loaded = client.post("/_mock/seed", data=demo.read_bytes(), content_type="application/yaml")
    assert loaded.status_code == 200 and loaded.json["conversations"] > 0
    broken = client.post("/_mock/seed", data=b"conversations: [", content_type="text/yaml")
    assert broken.status_code == 400 and broken.json["errors"][0]["message"].startswith("body: is not valid YAML")
