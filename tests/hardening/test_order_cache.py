"""Cached sort orders follow every change: a list right after a create or a clock move sees it."""

from __future__ import annotations

from bland_sms_mock.mock_server.app import create_app

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
