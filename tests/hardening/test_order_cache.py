"""Cached sort orders follow every change: a list right after a create or a clock move sees it."""

from __future__ import annotations

import json
from array import array
from unittest.mock import patch

from bland_sms_mock.mock_server import orders, query
from bland_sms_mock.mock_server.app import create_app
from bland_sms_mock.mock_server.request_io import EXTENSION

KEY = {"authorization": "sk-demo-bland-sms-mock"}
AGENT = "+15552223333"
CONFIG = {"accounts": [{"api_key": KEY["authorization"], "agent_numbers": [{"number": AGENT}]}]}


def _create(client, user: str) -> None:
    response = client.post(
        "/v1/sms/create", json={"user_number": user, "agent_number": AGENT, "message": "hi"}, headers=KEY
    )
    assert response.status_code == 200, response.json


def _users(client, **params: str) -> list[str]:
    response = client.get("/v1/sms/conversations", query_string=params, headers=KEY)
    assert response.status_code == 200, response.json
    return [c["user_number"] for c in response.json["data"]]


def test_message_count_order_follows_new_messages() -> None:
    """Listing by message_count, then adding messages, moves the busier conversation first."""
    client = create_app(CONFIG).test_client()
    for user in ("+15550000001", "+15550000002"):
        _create(client, user)
    first = _users(client, sortBy="message_count", sortDir="desc")
    quiet = first[-1]
    _create(client, quiet)
    _create(client, quiet)
    assert _users(client, sortBy="message_count", sortDir="desc")[0] == quiet
    assert _users(client, sortBy="message_count", sortDir="asc")[-1] == quiet


def test_descending_pages_mirror_ascending_pages() -> None:
    """Page 2 of a descending sort holds what page 1 of the ascending sort holds at its end, reversed."""
    client = create_app(CONFIG).test_client()
    users = [f"+155500000{n:02d}" for n in range(7)]
    for user in users:
        _create(client, user)
    ascending = _users(client, sortBy="user_number", sortDir="asc", pageSize="7")
    assert ascending == sorted(users)
    assert _users(client, sortBy="user_number", sortDir="desc", pageSize="3", page="3") == ascending[:1]
    assert _users(client, sortBy="user_number", sortDir="desc", pageSize="3", page="2") == ascending[1:4][::-1]
    filtered = _users(
        client,
        sortBy="user_number",
        sortDir="desc",
        pageSize="2",
        page="2",
        filters='[{"field":"user_number","operator":"contains","value":"0000"}]',
    )
    assert filtered == [u for u in sorted(users, reverse=True) if "0000" in u][2:4]


def _delete(client, conversation_id: str) -> None:
    response = client.delete(f"/v1/sms/conversations/{conversation_id}", headers=KEY)
    assert response.status_code == 200, response.json


def test_text_search_follows_creates_and_deletes_past_half_the_account() -> None:
    """A `contains`/`endsWith` search sees new conversations and forgets deleted ones, also after most are gone."""
    client = create_app(CONFIG).test_client()
    users = [f"+1555000{n:04d}" for n in range(150)]
    for user in users[:100]:
        _create(client, user)
    ends_with_7 = '[{"field":"user_number","operator":"endsWith","value":"7"}]'
    # (created in one instant: the id orders them, so compare as sets)
    assert sorted(_users(client, filters=ends_with_7, pageSize="100")) == [u for u in users[:100] if u.endswith("7")]
    for user in users[100:]:  # arrive after the search built its column
        _create(client, user)
    listed = client.get("/v1/sms/conversations", query_string={"pageSize": "200"}, headers=KEY).json["data"]
    by_user = {c["user_number"]: c["id"] for c in listed}
    for user in users[:120]:  # past half the account: the column starts afresh
        _delete(client, by_user[user])
    left = users[120:]
    assert sorted(_users(client, filters=ends_with_7, pageSize="100")) == [u for u in left if u.endswith("7")]
    contains = '[{"field":"user_number","operator":"contains","value":"014"}]'
    assert sorted(_users(client, filters=contains, pageSize="100")) == [u for u in left if "014" in u]


def test_text_search_and_variables_follow_changes_of_a_conversation() -> None:
    """After a `contains` filter on a changeable field or on `variables` was used, a later change is found."""
    client = create_app(CONFIG).test_client()
    _create(client, "+15550000001")
    node = '[{"field":"current_node_id","operator":"contains","value":"öd"}]'
    campaign = '[{"field":"variables","operator":"contains","value":{"campaign":1}}]'
    assert _users(client, filters=node) == [] and _users(client, filters=campaign) == []
    body = {"user_number": "+15550000001", "agent_number": AGENT, "start_node_id": "nöde"}
    assert client.post("/v1/sms/send", json=body, headers=KEY).status_code == 200
    assert _users(client, filters=node) == ["+15550000001"]
    body = {"user_number": "+15550000001", "agent_number": AGENT, "message": "hi", "request_data": {"campaign": 1.0}}
    assert client.post("/v1/sms/create", json=body, headers=KEY).status_code == 200
    assert _users(client, filters=campaign) == ["+15550000001"]
    true = '[{"field":"variables","operator":"eq","value":{"campaign":true}}]'
    assert _users(client, filters=true) == []  # a boolean is not the number 1


def _total(client, filters: str) -> int:
    response = client.get("/v1/sms/conversations", query_string={"filters": filters, "pageSize": "100"}, headers=KEY)
    assert response.status_code == 200, response.json
    assert len(response.json["data"]) == response.json["extra"]["pagination"]["totalItems"]
    return response.json["extra"]["pagination"]["totalItems"]


def test_counted_text_filters_follow_changes() -> None:
    """The count a many-match text filter reports (by its distinct texts, or in C) follows later changes."""
    for tally_most in (256, -1):
        with (
            patch.object(query, "_SLACK", 0),  # the walk with the filter's test, never listing the matches
            patch.object(orders, "_TALLY_MOST", tally_most),
        ):
            client = create_app(CONFIG).test_client()
            node = '[{"field":"current_node_id","operator":"endsWith","value":"n1"}]'
            assert _total(client, node) == 0
            for user in ("+15550000001", "+15550000002", "+15550000003"):
                body = {"user_number": user, "agent_number": AGENT, "start_node_id": "n1"}
                assert client.post("/v1/sms/send", json=body, headers=KEY).status_code == 200
            assert _total(client, node) == 3


def test_variables_filters_tell_apart_numbers_one_float_cannot() -> None:
    """Two integers that round to one float are different values; 1 and 1.0 are one; true is not 1."""
    client = create_app(CONFIG).test_client()
    for user, value in (("+15550000001", 2**53), ("+15550000002", 1), ("+15550000003", True)):
        body = {"user_number": user, "agent_number": AGENT, "message": "hi", "request_data": {"n": value}}
        assert client.post("/v1/sms/create", json=body, headers=KEY).status_code == 200
    for operator in ("eq", "contains"):
        for value, users in (
            (2**53 + 1, []),
            (2**53, ["+15550000001"]),
            (1.0, ["+15550000002"]),
            (True, ["+15550000003"]),
        ):
            filters = json.dumps([{"field": "variables", "operator": operator, "value": {"n": value}}])
            assert _users(client, filters=filters) == users, (operator, value)


def test_instant_text_search_follows_a_changed_instant() -> None:
    """An instant's text changed after its column was built is found by its new ending, not its old one."""
    app = create_app(CONFIG)
    store, client = app.extensions[EXTENSION], app.test_client()
    store.move_clock(set_ms=1_767_603_600_000)  # 2026-01-05T09:00:00.000Z
    for user in ("+15550000001", "+15550000002"):
        _create(client, user)
    old = '[{"field":"updated_at","operator":"endsWith","value":"00:00.000Z"}]'
    new = '[{"field":"updated_at","operator":"endsWith","value":"00:10.000Z"}]'
    assert sorted(_users(client, filters=old)) == ["+15550000001", "+15550000002"]
    store.move_clock(set_ms=1_767_603_610_000)
    _create(client, "+15550000001")
    assert _users(client, filters=new) == ["+15550000001"]
    assert _users(client, filters=old) == ["+15550000002"]
    inside = '[{"field":"updated_at","operator":"contains","value":"0Z"}]'  # across no boundary of two texts
    assert sorted(_users(client, filters=inside)) == ["+15550000001", "+15550000002"]


def test_text_offsets_past_two_gib_are_kept_whole() -> None:
    """A text column keeps its offsets in 4 bytes while they fit, and in 8 (not wrapped) past 2 GiB."""
    small = orders._compact(array("q", [10, 13]))
    assert small.tolist() == [10, 13] and small.itemsize == 4
    big = orders._compact(array("q", [2**31 - 2, 2**31 + 1]))
    assert big.tolist() == [2**31 - 2, 2**31 + 1] and big.itemsize == 8
