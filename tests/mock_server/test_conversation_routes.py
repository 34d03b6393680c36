"""One conversation: read it, end or reactivate it, delete it, delete its messages."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from mock_support import DEMO_AGENT, OTHER_USER, USER, error_codes, error_for


def _id(response: Any) -> str:
    assert response.status_code == 200, response.json
    return response.json["data"]["conversation_id"]


def _get(client: FlaskClient, auth: dict[str, str], conversation_id: str) -> Any:
    return client.get(f"/v1/sms/conversations/{conversation_id}", headers=auth)


def test_get_answers_the_list_item_fields_and_the_messages_oldest_first(create, client, auth, list_conversations):
    conversation_id = _id(create(message="hi", sender="AGENT"))
    create(message="hello back")
    data = _get(client, auth, conversation_id).json["data"]
    [listed] = list_conversations().json["data"]
    assert {k: data[k] for k in listed} == listed
    assert [(m["sender"], m["message"], m["from"], m["to"]) for m in data["messages"]] == [
        ("AGENT", "hi", DEMO_AGENT, USER),
        ("USER", "hello back", USER, DEMO_AGENT),
    ]
    assert data["curr_pathway_version"] is None and data["timed_out_at"] is None
    assert data["disposition_logs"] == []


def test_another_accounts_conversation_is_not_found(create, client, other_auth) -> None:
    conversation_id = _id(create())
    response = _get(client, other_auth, conversation_id)
    assert response.status_code == 404
    assert error_codes(response) == ["CONVERSATION_NOT_FOUND"]


def test_get_fires_due_timers_first(create, client, auth, advance) -> None:
    conversation_id = _id(create(message="hi", sender="AGENT"))
    advance(900)
    data = _get(client, auth, conversation_id).json["data"]
    assert [m["message"] for m in data["messages"]] == ["hi", "still there?", "closing"]
    assert data["timed_out_at"] == "2026-01-05T09:15:00.000Z" and data["is_active"] is False


def test_patch_ends_the_conversation_and_cancels_its_timer(create, client, auth, advance, detail) -> None:
    conversation_id = _id(create(message="hi", sender="AGENT"))
    advance(10)
    response = client.patch(f"/v1/sms/conversations/{conversation_id}", json={"is_active": False}, headers=auth)
    assert response.status_code == 200
    assert response.json == {
        "message": "Conversation updated successfully",
        "conversation": {"id": conversation_id, "is_active": False, "updated_at": "2026-01-05T09:00:10.000Z"},
    }
    advance(3600)
    shown = detail(conversation_id)
    assert shown["message_count"] == 1 and shown["timed_out_at"] is None and shown["next_timer"] is None
    assert _id(create()) != conversation_id  # the pair's next message starts a new conversation


def test_patch_reactivates_unless_the_pair_has_another_active_conversation(create, client, auth) -> None:
    first = _id(create())
    second = _id(create(new_conversation=True))
    path = f"/v1/sms/conversations/{first}"
    conflict = client.patch(path, json={"is_active": True}, headers=auth)
    assert conflict.status_code == 409
    assert error_codes(conflict) == ["CONVERSATION_CONFLICT"]
    assert client.patch(f"/v1/sms/conversations/{second}", json={"is_active": False}, headers=auth).status_code == 200
    assert client.patch(path, json={"is_active": True}, headers=auth).json["conversation"]["is_active"] is True
    assert _id(create()) == first


def test_patch_needs_a_boolean_is_active(create, client, auth) -> None:
    conversation_id = _id(create())
    for body, code in (({}, "MISSING_REQUIRED_FIELDS"), ({"is_active": "false"}, "INVALID_FIELD")):
        response = client.patch(f"/v1/sms/conversations/{conversation_id}", json=body, headers=auth)
        assert response.status_code == 400
        assert error_for(response, "is_active") == code
    assert _get(client, auth, conversation_id).json["data"]["is_active"] is True


def test_delete_removes_it_from_every_list_count_and_read(create, client, auth, list_conversations, advance) -> None:
    kept = _id(create(user_number=OTHER_USER))
    gone = _id(create(message="hi", sender="AGENT"))
    response = client.delete(f"/v1/sms/conversations/{gone}", headers=auth)
    assert response.json == {
        "data": {"message": "Conversation and all associated messages deleted successfully"},
        "errors": None,
    }
    listing = list_conversations(filters=[{"field": "user_number", "operator": "eq", "value": USER}]).json
    assert listing["data"] == [] and listing["extra"]["pagination"]["totalItems"] == 0
    assert [c["id"] for c in list_conversations().json["data"]] == [kept]
    assert error_codes(_get(client, auth, gone)) == ["CONVERSATION_NOT_FOUND"]
    assert advance(3600)["fired"] == []
    assert client.delete(f"/v1/sms/conversations/{gone}", headers=auth).status_code == 404
    assert _id(create()) != gone


def test_deleted_conversations_are_listed_by_the_control_api(create, client, auth) -> None:
    gone = _id(create())
    client.delete(f"/v1/sms/conversations/{gone}", headers=auth)
    [tombstone] = client.get("/_mock/deleted", headers=auth).json["data"]
    assert tombstone["id"] == gone and tombstone["deleted_at"] == "2026-01-05T09:00:00.000Z"


def test_delete_messages_removes_them_and_counts_follow(create, client, auth) -> None:
    conversation_id = _id(create(message="one"))
    create(message="two")
    create(message="three")
    ids = [m["id"] for m in _get(client, auth, conversation_id).json["data"]["messages"]]
    response = client.delete(
        f"/v1/sms/conversations/{conversation_id}/messages",
        json={"message_ids": [ids[2], int(ids[1]), "no-such-id"]},
        headers=auth,
    )
    assert response.json["data"] == {"message": "2 messages marked as deleted", "deleted_count": 2}
    data = _get(client, auth, conversation_id).json["data"]
    assert [m["message"] for m in data["messages"]] == ["one"]
    assert (data["message_count"], data["last_message"]) == (1, "one")


def test_delete_messages_needs_a_non_empty_list(create, client, auth) -> None:
    conversation_id = _id(create())
    for body in ({}, {"message_ids": []}, {"message_ids": "1"}):
        response = client.delete(f"/v1/sms/conversations/{conversation_id}/messages", json=body, headers=auth)
        assert response.status_code == 400
        error_for(response, "message_ids")
    assert _get(client, auth, conversation_id).json["data"]["message_count"] == 1


def test_delete_messages_of_another_accounts_conversation_is_not_found(create, client, other_auth) -> None:
    conversation_id = _id(create())
    response = client.delete(
        f"/v1/sms/conversations/{conversation_id}/messages", json={"message_ids": ["1"]}, headers=other_auth
    )
    assert response.status_code == 404
    assert error_codes(response) == ["CONVERSATION_NOT_FOUND"]


def test_message_ids_stay_unique_and_deleted_stay_listed_across_a_snapshot_restore(create, client, auth) -> None:
    snapshot = client.get("/_mock/snapshot").json
    conversation_id = _id(create(message="one"))
    [first] = _get(client, auth, conversation_id).json["data"]["messages"]
    client.delete(f"/v1/sms/conversations/{conversation_id}", headers=auth)
    assert client.put("/_mock/snapshot", json=snapshot).status_code == 200
    [again] = _get(client, auth, _id(create(message="two"))).json["data"]["messages"]
    assert int(again["id"]) > int(first["id"])
    assert [c["id"] for c in client.get("/_mock/deleted", headers=auth).json["data"]] == [conversation_id]


def test_a_bad_message_id_is_one_error_naming_its_place(create, client, auth) -> None:
    conversation_id = _id(create())
    body = {"message_ids": ["1", True]}
    response = client.delete(f"/v1/sms/conversations/{conversation_id}/messages", json=body, headers=auth)
    assert [e["message"].split(":")[0] for e in response.json["errors"]] == ["message_ids[1]"]


def test_reactivating_a_timed_out_conversation_clears_timed_out_at(create, client, auth, advance) -> None:
    conversation_id = _id(create(message="hi", sender="AGENT"))
    advance(900)
    answer = client.patch(f"/v1/sms/conversations/{conversation_id}", json={"is_active": True}, headers=auth)
    assert answer.json["conversation"]["is_active"] is True
    assert _get(client, auth, conversation_id).json["data"]["timed_out_at"] is None
