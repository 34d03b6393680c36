"""The timeout timeline: warning, timeout, cancellation, restarts, overrides, order, freezegun."""

from __future__ import annotations

from bland_sms_mock.mock_server.app import create_app
from freezegun import freeze_time
from mock_support import DEMO_KEY, PLAIN_AGENT, SECOND_AGENT, TEST_CONFIG, USER


def _id(response) -> str:
    assert response.status_code == 200, response.json
    return response.json["data"]["conversation_id"]


def test_full_timeline_warning_then_timeout(create, advance, detail, messages) -> None:
    cid = _id(create(message="Your appointment is at 3pm, reply to confirm", sender="AGENT"))
    assert detail(cid)["next_timer"] == {"kind": "warning", "due_at": "2026-01-05T09:10:00.000Z"}
    advance(599.999)
    assert len(messages(cid)) == 1
    advance(0.001)  # exactly warning_time
    conversation = detail(cid)
    assert conversation["is_active"] is True
    assert conversation["message_count"] == 2
    assert conversation["last_message"] == "still there?"
    assert conversation["next_timer"] == {"kind": "timeout", "due_at": "2026-01-05T09:15:00.000Z"}
    assert messages(cid)[-1] == {
        "id": "2",
        "sender": "AGENT",
        "kind": "warning",
        "message": "still there?",
        "message_sid": None,
        "created_at": "2026-01-05T09:10:00.000Z",
    }
    advance(300)
    conversation = detail(cid)
    assert conversation["is_active"] is False
    assert conversation["timed_out_at"] == "2026-01-05T09:15:00.000Z"
    assert conversation["last_message"] == "closing"
    assert conversation["message_count"] == 3
    assert conversation["next_timer"] is None
    assert [m["kind"] for m in messages(cid)] == ["message", "warning", "timeout"]


def test_timed_out_at_is_the_due_instant_not_the_look(create, advance, detail, list_conversations) -> None:
    cid = _id(create(sender="AGENT", agent_number=SECOND_AGENT))
    advance(5000)  # nobody looked for over an hour
    assert detail(cid)["timed_out_at"] == "2026-01-05T09:02:00.000Z"
    assert detail(cid)["updated_at"] == "2026-01-05T09:02:00.000Z"
    filtered = list_conversations(
        filters=[{"field": "timed_out_at", "operator": "eq", "value": "2026-01-05T09:02:00Z"}]
    )
    assert [c["id"] for c in filtered.json["data"]] == [cid]


def test_user_reply_cancels_the_timer(create, advance, detail) -> None:
    cid = _id(create(sender="AGENT"))
    advance(500)
    create(message="yes, confirmed")
    assert detail(cid)["next_timer"] is None
    advance(10_000)
    assert detail(cid)["is_active"] is True
    assert detail(cid)["message_count"] == 2


def test_a_new_agent_message_restarts_the_timer(create, advance, detail) -> None:
    cid = _id(create(sender="AGENT"))
    advance(500)
    create(message="one more thing", sender="AGENT")
    advance(500)  # 1000 s after the first, 500 after the second
    assert detail(cid)["message_count"] == 2
    advance(100)
    assert detail(cid)["last_message"] == "still there?"


def test_the_warning_does_not_restart_the_timer(create, advance, detail) -> None:
    cid = _id(create(sender="AGENT"))
    advance(600)
    advance(300)
    assert detail(cid)["timed_out_at"] == "2026-01-05T09:15:00.000Z"


def test_user_first_message_starts_no_timer(create, advance, detail) -> None:
    cid = _id(create())
    advance(100_000)
    assert detail(cid)["is_active"] is True


def test_number_without_sms_config_has_no_timer(create, advance, detail) -> None:
    cid = _id(create(sender="AGENT", agent_number=PLAIN_AGENT))
    assert detail(cid)["next_timer"] is None
    advance(100_000)
    assert detail(cid)["is_active"] is True


def test_overrides_beat_sms_config_each_separately(create, advance, detail, messages) -> None:
    cid = _id(create(sender="AGENT", time_out=700, warning_message="hello?"))
    conversation = detail(cid)
    assert (conversation["time_out"], conversation["warning_time"]) == (700, 600)
    assert conversation["timeout_message"] == "closing"  # not overridden: the number's
    assert conversation["warning_message"] == "hello?"
    advance(700)
    assert [m["message"] for m in messages(cid)] == ["hello", "hello?", "closing"]
    assert detail(cid)["timed_out_at"] == "2026-01-05T09:11:40.000Z"


def test_overrides_persist_and_latest_wins(create, advance, detail, messages) -> None:
    cid = _id(create(sender="AGENT", time_out=100, warning_time=50, timeout_message="first bye"))
    create(message="reply")
    create(message="agent again", sender="AGENT", timeout_message="second bye")
    conversation = detail(cid)
    assert (conversation["time_out"], conversation["warning_time"]) == (100, 50)
    assert conversation["timeout_message"] == "second bye"
    advance(100)
    assert [m["message"] for m in messages(cid)][-2:] == ["still there?", "second bye"]


def test_override_on_a_number_without_config(create, advance, detail) -> None:
    cid = _id(create(sender="AGENT", agent_number=PLAIN_AGENT, time_out=30))
    advance(30)
    conversation = detail(cid)
    assert conversation["is_active"] is False
    assert conversation["message_count"] == 1  # no timeout message anywhere


def test_timed_out_conversation_is_never_reactivated(create, advance, detail) -> None:
    old = _id(create(sender="AGENT", agent_number=SECOND_AGENT))
    advance(120)
    new = _id(create(message="sorry, I'm back", agent_number=SECOND_AGENT))
    assert new != old
    assert detail(old)["is_active"] is False
    assert detail(new)["is_active"] is True


def test_timer_due_at_the_request_instant_fires_first(create, advance, detail) -> None:
    old = _id(create(sender="AGENT", agent_number=SECOND_AGENT))
    advance(120)
    assert _id(create(agent_number=SECOND_AGENT)) != old


def test_archiving_cancels_the_timer(create, advance, detail) -> None:
    old = _id(create(sender="AGENT"))
    create(new_conversation=True)
    advance(5000)
    assert detail(old)["timed_out_at"] is None
    assert detail(old)["message_count"] == 1


def test_many_timers_fire_in_due_order_in_one_advance(create, advance) -> None:
    late = _id(create(sender="AGENT", user_number="+15550000011"))  # warning 09:10, timeout 09:15
    advance(60)
    early = _id(create(sender="AGENT", user_number="+15550000012", agent_number=SECOND_AGENT))  # 09:03
    fired = advance(3600)["fired"]
    assert [(e["conversation_id"], e["kind"], e["due_at"]) for e in fired] == [
        (early, "timeout", "2026-01-05T09:03:00.000Z"),
        (late, "warning", "2026-01-05T09:10:00.000Z"),
        (late, "timeout", "2026-01-05T09:15:00.000Z"),
    ]


def test_timers_fire_on_any_read_without_clock_calls(create, client, detail) -> None:
    cid = _id(create(sender="AGENT", agent_number=SECOND_AGENT))
    client.post("/_mock/clock", json={"set": "2026-01-05T12:00:00Z"})
    assert detail(cid)["timed_out_at"] == "2026-01-05T09:02:00.000Z"


def test_timeline_driven_by_freezegun_with_the_real_clock() -> None:
    headers = {"authorization": DEMO_KEY}
    with freeze_time("2026-03-01T08:00:00Z") as frozen:
        client = create_app(TEST_CONFIG).test_client()
        body = {"user_number": USER, "agent_number": SECOND_AGENT, "message": "ping", "sender": "AGENT"}
        cid = client.post("/v1/sms/create", json=body, headers=headers).json["data"]["conversation_id"]
        assert client.get("/_mock/clock").json == {"now": "2026-03-01T08:00:00.000Z", "frozen": False}
        frozen.tick(119)
        item = client.get("/v1/sms/conversations", headers=headers).json["data"][0]
        assert item["is_active"] is True
        frozen.tick(1)
        item = client.get("/v1/sms/conversations", headers=headers).json["data"][0]
        assert item["is_active"] is False
        assert item["last_message"] == "bye"
        detail = client.get(f"/_mock/conversations/{cid}", headers=headers).json["data"]
        assert detail["timed_out_at"] == "2026-03-01T08:02:00.000Z"
