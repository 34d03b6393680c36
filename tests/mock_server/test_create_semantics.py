"""What a create does: append or start, archive with new_conversation, merged variables, the response."""

from __future__ import annotations

import re

from bland_sms_mock.contracts.models.api import ConversationItem
from mock_support import OTHER_USER, SECOND_AGENT, USER


def _id(response) -> str:
    assert response.status_code == 200, response.json
    return response.json["data"]["conversation_id"]


def test_response_envelope_and_ids(create) -> None:
    first, second = create().json, create().json
    assert first["errors"] is None
    assert first["data"]["message"] == "SMS conversation created successfully"
    assert re.fullmatch(r"convo_[0-9a-f]{32}", first["data"]["conversation_id"])
    assert re.fullmatch(r"workflow_[0-9a-f]{32}", first["data"]["workflow_id"])
    assert first["data"]["conversation_id"] == second["data"]["conversation_id"]
    assert first["data"]["workflow_id"] != second["data"]["workflow_id"]


def test_same_pair_appends_other_pairs_start_new(create, list_conversations) -> None:
    a = _id(create())
    assert _id(create(message="again")) == a
    b = _id(create(user_number=OTHER_USER))
    c = _id(create(agent_number=SECOND_AGENT))
    assert len({a, b, c}) == 3
    assert list_conversations().json["extra"]["pagination"]["totalItems"] == 3


def test_append_updates_counts_and_last_message(create, list_conversations, advance) -> None:
    create(message="first")
    advance(5)
    create(message="second", sender="AGENT")
    (item,) = list_conversations().json["data"]
    assert item["message_count"] == 2
    assert item["last_message"] == "second"
    assert item["last_message_at"] == "2026-01-05T09:00:05.000Z"
    assert item["updated_at"] == "2026-01-05T09:00:05.000Z"
    assert item["created_at"] == "2026-01-05T09:00:00.000Z"


def test_new_conversation_archives_the_active_one(create, list_conversations, advance, detail) -> None:
    old = _id(create())
    advance(1)
    new = _id(create(new_conversation=True, message="fresh start"))
    assert new != old
    items = {c["id"]: c for c in list_conversations().json["data"]}
    assert items[old]["is_active"] is False
    assert items[new]["is_active"] is True
    assert items[new]["message_count"] == 1
    assert detail(old)["timed_out_at"] is None
    assert _id(create(message="next")) == new  # later creates append to the new one


def test_new_conversation_with_nothing_active_just_starts_one(create, list_conversations) -> None:
    _id(create(new_conversation=True))
    assert list_conversations().json["data"][0]["is_active"] is True


def test_pathway_fields_overwrite_when_given_and_persist_when_not(create, detail) -> None:
    cid = _id(create(curr_pathway_id="pw_1", curr_pathway_version="v1.0", current_node_id="intro"))
    create(current_node_id="booking")
    conversation = detail(cid)
    assert conversation["curr_pathway_id"] == "pw_1"
    assert conversation["curr_pathway_version"] == "v1.0"
    assert conversation["current_node_id"] == "booking"


def test_request_data_merges_shallowly_into_variables(create, list_conversations) -> None:
    create()
    assert list_conversations().json["data"][0]["variables"] == {}
    create(request_data={"campaign": "spring", "nested": {"a": 1}})
    create(request_data={"nested": {"b": 2}, "step": 2})
    assert list_conversations().json["data"][0]["variables"] == {"campaign": "spring", "nested": {"b": 2}, "step": 2}


def test_items_carry_exactly_the_documented_fields(create, list_conversations) -> None:
    create(curr_pathway_version="latest")
    (item,) = list_conversations().json["data"]
    assert list(item) == list(ConversationItem.model_fields)
    assert "timed_out_at" not in item and "curr_pathway_version" not in item
    assert item["pathway_tags"] == [] and item["effective_channel"] == "sms"
    assert item["summary"] is None and item["citation_variables"] is None and item["disposition_tag"] is None
    ConversationItem.model_validate(item)


def test_message_history_keeps_sender_and_sid(create, messages) -> None:
    cid = _id(create(message="hi", message_sid="SM123"))
    create(message="hello, how can I help?", sender="AGENT")
    history = messages(cid)
    assert [(m["sender"], m["kind"], m["message"], m["message_sid"]) for m in history] == [
        ("USER", "message", "hi", "SM123"),
        ("AGENT", "message", "hello, how can I help?", None),
    ]


def test_numbers_are_stored_as_sent(create, list_conversations) -> None:
    create(user_number=USER)
    assert list_conversations().json["data"][0]["user_number"] == USER
