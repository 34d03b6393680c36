"""Authentication and account isolation."""

from __future__ import annotations

from mock_support import OTHER_AGENT, USER, error_codes


def test_missing_key_is_401_without_data(create, list_conversations) -> None:
    for response in (create(headers={}), list_conversations(headers={})):
        assert response.status_code == 401
        assert error_codes(response) == ["AUTH_FAILURE"]
        assert response.json["data"] is None


def test_unknown_key_is_401(create, list_conversations) -> None:
    bad = {"authorization": "sk-nope"}
    assert create(headers=bad).status_code == 401
    assert error_codes(list_conversations(headers=bad)) == ["AUTH_FAILURE"]


def test_bearer_prefix_is_tolerated(create, list_conversations) -> None:
    bearer = {"authorization": "Bearer sk-demo-bland-sms-mock"}
    assert create(headers=bearer).status_code == 200
    assert list_conversations(headers=bearer).json["extra"]["pagination"]["totalItems"] == 1


def test_auth_is_checked_before_the_body(create, client) -> None:
    response = client.post("/v1/sms/create", data=b"not json", headers={"authorization": "sk-nope"})
    assert response.status_code == 401


def test_accounts_see_only_their_own_conversations(create, list_conversations, other_auth, client) -> None:
    mine = create().json["data"]["conversation_id"]
    theirs = create(headers=other_auth, agent_number=OTHER_AGENT).json["data"]["conversation_id"]
    assert [c["id"] for c in list_conversations().json["data"]] == [mine]
    assert [c["id"] for c in list_conversations(headers=other_auth).json["data"]] == [theirs]
    assert (
        client.get(f"/_mock/conversations/{theirs}", headers={"authorization": "sk-demo-bland-sms-mock"}).status_code
        == 404
    )


def test_an_account_cannot_use_another_accounts_number(create, other_auth) -> None:
    response = create(headers=other_auth)  # the demo account's number
    assert response.status_code == 400
    assert error_codes(response) == ["AGENT_NUMBER_NOT_FOUND"]


def test_same_pair_in_two_accounts_are_two_conversations(create, other_auth, client) -> None:
    client.post(
        "/_mock/accounts",
        json={"api_key": "sk-third", "agent_numbers": [{"number": "+15552227777"}]},
    )
    a = create(headers=other_auth, agent_number=OTHER_AGENT, user_number=USER).json["data"]["conversation_id"]
    b = create(headers={"authorization": "sk-third"}, agent_number="+15552227777").json["data"]["conversation_id"]
    assert a != b
