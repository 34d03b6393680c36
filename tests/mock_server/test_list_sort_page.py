"""Sorting (every key, both directions, ties, nulls) and pagination of the list endpoint."""

from __future__ import annotations

import pytest
from mock_support import PLAIN_AGENT, SECOND_AGENT, error_codes

SORT_KEYS = [
    "created_at",
    "updated_at",
    "user_number",
    "agent_number",
    "is_active",
    "message_count",
    "curr_pathway_id",
    "curr_pathway_version",
    "timed_out_at",
]


@pytest.fixture
def populated(create, advance, detail):
    """Seven conversations with distinct and tied values, two archived, one timed out; returns id -> detail."""
    ids = []
    ids.append(create(user_number="+15550000005", curr_pathway_id="pw_b", curr_pathway_version="v2").json)
    advance(1)
    ids.append(create(user_number="+15550000001", agent_number=SECOND_AGENT, sender="AGENT").json)
    ids.append(create(user_number="+15550000003", agent_number=PLAIN_AGENT, curr_pathway_id="pw_a").json)
    advance(1)
    ids.append(create(user_number="+15550000002", curr_pathway_version="latest").json)
    create(user_number="+15550000002", message="two")
    create(user_number="+15550000002", message="three")
    advance(1)
    ids.append(create(user_number="+15550000004", agent_number=PLAIN_AGENT, curr_pathway_id="pw_a").json)
    ids.append(create(user_number="+15550000004", agent_number=PLAIN_AGENT, new_conversation=True).json)
    advance(200)  # the SECOND_AGENT conversation times out at +121s
    conversation_ids = [r["data"]["conversation_id"] for r in ids]
    return {cid: detail(cid) for cid in conversation_ids}


def _key(conversation: dict, field: str):
    return conversation[field]


def _expected(conversations: dict, field: str, direction: str) -> list[str]:
    values = list(conversations.values())
    present = [c for c in values if c[field] is not None]
    nulls = [c for c in values if c[field] is None]
    present.sort(key=lambda c: (c[field], c["id"]), reverse=direction == "desc")
    nulls.sort(key=lambda c: c["id"], reverse=direction == "desc")
    ordered = present + nulls if direction == "asc" else nulls + present
    return [c["id"] for c in ordered]


@pytest.mark.parametrize("direction", ["asc", "desc"])
@pytest.mark.parametrize("field", SORT_KEYS)
def test_every_sort_key_both_directions(populated, list_conversations, field, direction) -> None:
    response = list_conversations(sortBy=field, sortDir=direction)
    assert response.status_code == 200
    assert [c["id"] for c in response.json["data"]] == _expected(populated, field, direction)


def test_default_order_is_created_at_desc_with_id_tie_break(populated, list_conversations) -> None:
    default = [c["id"] for c in list_conversations().json["data"]]
    assert default == _expected(populated, "created_at", "desc")
    pairs = [(populated[i]["created_at"], i) for i in default]
    assert pairs == sorted(pairs, reverse=True)
    assert len({p[0] for p in pairs}) < len(pairs)  # there really are ties


def test_nulls_last_ascending_first_descending(populated, list_conversations) -> None:
    asc = list_conversations(sortBy="timed_out_at", sortDir="asc").json["data"]
    desc = list_conversations(sortBy="timed_out_at", sortDir="desc").json["data"]
    timed_out = [i for i, c in populated.items() if c["timed_out_at"]]
    assert len(timed_out) == 1
    assert asc[0]["id"] == timed_out[0]
    assert desc[-1]["id"] == timed_out[0]


def test_is_active_false_sorts_before_true(populated, list_conversations) -> None:
    flags = [c["is_active"] for c in list_conversations(sortBy="is_active", sortDir="asc").json["data"]]
    assert flags == sorted(flags) and flags[0] is False and flags[-1] is True


def test_pagination_totals_and_pages(populated, list_conversations) -> None:
    response = list_conversations(pageSize=3, page=2)
    assert response.json["extra"]["pagination"] == {"totalItems": 6, "totalPages": 2, "currentPage": 2, "pageSize": 3}
    assert len(response.json["data"]) == 3
    assert list_conversations(pageSize=4, page=2).json["extra"]["pagination"]["totalPages"] == 2
    assert len(list_conversations(pageSize=4, page=2).json["data"]) == 2


def test_page_past_the_end_is_empty(populated, list_conversations) -> None:
    response = list_conversations(page=1000000000)
    assert response.status_code == 200
    assert response.json["data"] == []
    assert response.json["extra"]["pagination"]["currentPage"] == 1000000000


def test_empty_account_has_zero_pages(list_conversations) -> None:
    assert list_conversations().json["extra"]["pagination"] == {
        "totalItems": 0,
        "totalPages": 0,
        "currentPage": 1,
        "pageSize": 25,
    }


@pytest.mark.parametrize("field", SORT_KEYS)
def test_walking_pages_yields_every_item_once_in_order(populated, list_conversations, field) -> None:
    whole = [c["id"] for c in list_conversations(sortBy=field, pageSize=1000).json["data"]]
    walked = []
    for page in range(1, 4):
        walked += [c["id"] for c in list_conversations(sortBy=field, pageSize=2, page=page).json["data"]]
    assert walked == whole and len(set(walked)) == 6


@pytest.mark.parametrize(
    "params",
    [
        {"page": 0},
        {"page": -1},
        {"page": "1e9"},
        {"page": "abc"},
        {"page": "1.0"},
        {"page": ""},
        {"pageSize": 0},
        {"pageSize": 1001},
        {"pageSize": -1},
        {"sortBy": "id"},
        {"sortBy": "CREATED_AT"},
        {"sortDir": "up"},
        {"sortDir": "ASC"},
    ],
)
def test_invalid_query_values(list_conversations, params) -> None:
    response = list_conversations(**params)
    assert response.status_code == 400
    assert error_codes(response) == ["INVALID_QUERY"]
    assert response.json["errors"][0]["message"].startswith(f"{next(iter(params))}:")


def test_page_size_bounds_are_accepted(list_conversations) -> None:
    assert list_conversations(pageSize=1).status_code == 200
    assert list_conversations(pageSize=1000).status_code == 200


def test_unknown_query_parameters_are_ignored(list_conversations) -> None:
    assert list_conversations(colour="blue").status_code == 200


def test_clock_set_backwards_keeps_created_at_order(create, list_conversations, client) -> None:
    late = create(user_number="+15550000011").json["data"]["conversation_id"]
    client.post("/_mock/clock", json={"set": "2025-06-01T00:00:00Z"})
    early = create(user_number="+15550000012").json["data"]["conversation_id"]
    assert [c["id"] for c in list_conversations().json["data"]] == [late, early]
    assert [c["id"] for c in list_conversations(sortDir="asc").json["data"]] == [early, late]
