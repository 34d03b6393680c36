"""Filters: every operator on each kind of field, null handling, AND, and INVALID_FILTERS."""

from __future__ import annotations

import json

import pytest
from mock_support import PLAIN_AGENT, SECOND_AGENT, error_codes


@pytest.fixture
def data(create, advance):
    """Four conversations at known instants; returns name -> id."""
    ids = {}
    ids["a"] = create(
        user_number="+15550000100",
        curr_pathway_id="Sales-Flow",
        current_node_id="intro",
        curr_pathway_version="v1.0",
        request_data={"campaign": "spring", "tier": 1},
    ).json
    advance(60)  # 09:01
    ids["b"] = create(
        user_number="+15550000200",
        agent_number=SECOND_AGENT,
        sender="AGENT",
        curr_pathway_id="sales-flow",
        request_data={"campaign": "fall", "tier": 2},
    ).json
    create(user_number="+15550000200", agent_number=SECOND_AGENT, message="reply")
    create(user_number="+15550000200", agent_number=SECOND_AGENT, message="more", sender="AGENT")
    advance(60)  # 09:02
    ids["c"] = create(user_number="+15550000300", agent_number=PLAIN_AGENT, request_data={"tier": 1.0}).json
    advance(3600)  # 10:02; b timed out at 09:01 + 120s = 09:03
    ids["d"] = create(user_number="+15550000400", agent_number=PLAIN_AGENT).json
    return {name: r["data"]["conversation_id"] for name, r in ids.items()}


def matching(list_conversations, data, *filters) -> set[str]:
    response = list_conversations(filters=list(filters), pageSize=1000)
    assert response.status_code == 200, response.json
    names = {v: k for k, v in data.items()}
    return {names[c["id"]] for c in response.json["data"]}


def f(field: str, operator: str, value) -> dict:
    return {"field": field, "operator": operator, "value": value}


class TestTimestamps:
    def test_eq_is_an_instant_whatever_the_offset(self, list_conversations, data) -> None:
        assert matching(list_conversations, data, f("created_at", "eq", "2026-01-05T09:01:00.000Z")) == {"b"}
        assert matching(list_conversations, data, f("created_at", "eq", "2026-01-05T10:01:00+01:00")) == {"b"}
        assert matching(list_conversations, data, f("created_at", "eq", "2026-01-05T09:01:00.001Z")) == set()

    @pytest.mark.parametrize(
        ("operator", "expected"), [("gt", {"c", "d"}), ("gte", {"b", "c", "d"}), ("lt", {"a"}), ("lte", {"a", "b"})]
    )
    def test_order_operators(self, list_conversations, data, operator, expected) -> None:
        assert matching(list_conversations, data, f("created_at", operator, "2026-01-05T09:01:00Z")) == expected

    def test_range_is_two_anded_filters(self, list_conversations, data) -> None:
        got = matching(
            list_conversations,
            data,
            f("created_at", "gte", "2026-01-05T09:00:30Z"),
            f("created_at", "lt", "2026-01-05T10:00:00Z"),
        )
        assert got == {"b", "c"}

    def test_updated_at(self, list_conversations, data) -> None:
        assert matching(list_conversations, data, f("updated_at", "gt", "2026-01-05T09:02:30Z")) == {"b", "d"}

    def test_substring_operators_read_the_iso_text(self, list_conversations, data) -> None:
        assert matching(list_conversations, data, f("created_at", "startsWith", "2026-01-05T09")) == {"a", "b", "c"}
        assert matching(list_conversations, data, f("created_at", "contains", "T10:")) == {"d"}
        assert matching(list_conversations, data, f("created_at", "endsWith", "02:00.000Z")) == {"c", "d"}

    def test_timed_out_at_and_null(self, list_conversations, data) -> None:
        assert matching(list_conversations, data, f("timed_out_at", "eq", "2026-01-05T09:03:00Z")) == {"b"}
        assert matching(list_conversations, data, f("timed_out_at", "eq", None)) == {"a", "c", "d"}
        assert matching(list_conversations, data, f("timed_out_at", "lt", "2030-01-01T00:00:00Z")) == {"b"}
        assert matching(list_conversations, data, f("timed_out_at", "gt", "2000-01-01T00:00:00Z")) == {"b"}


class TestText:
    def test_eq_and_case_sensitive_substrings(self, list_conversations, data) -> None:
        assert matching(list_conversations, data, f("curr_pathway_id", "eq", "Sales-Flow")) == {"a"}
        assert matching(list_conversations, data, f("curr_pathway_id", "contains", "ales")) == {"a", "b"}
        assert matching(list_conversations, data, f("curr_pathway_id", "contains", "SALES")) == set()
        assert matching(list_conversations, data, f("curr_pathway_id", "startsWith", "s")) == {"b"}
        assert matching(list_conversations, data, f("curr_pathway_id", "endsWith", "Flow")) == {"a"}

    def test_lexicographic_order(self, list_conversations, data) -> None:
        assert matching(list_conversations, data, f("user_number", "gt", "+15550000200")) == {"c", "d"}
        assert matching(list_conversations, data, f("user_number", "gte", "+15550000200")) == {"b", "c", "d"}
        assert matching(list_conversations, data, f("user_number", "lt", "+15550000200")) == {"a"}
        assert matching(list_conversations, data, f("user_number", "lte", "+15550000200")) == {"a", "b"}

    def test_each_text_field(self, list_conversations, data) -> None:
        assert matching(list_conversations, data, f("agent_number", "eq", PLAIN_AGENT)) == {"c", "d"}
        assert matching(list_conversations, data, f("user_number", "endsWith", "300")) == {"c"}
        assert matching(list_conversations, data, f("current_node_id", "eq", "intro")) == {"a"}
        assert matching(list_conversations, data, f("curr_pathway_version", "startsWith", "v1")) == {"a"}

    def test_null_field_matches_only_eq_null(self, list_conversations, data) -> None:
        assert matching(list_conversations, data, f("curr_pathway_id", "eq", None)) == {"c", "d"}
        assert matching(list_conversations, data, f("curr_pathway_id", "lt", "zzz")) == {"a", "b"}
        assert matching(list_conversations, data, f("current_node_id", "contains", "")) == {"a"}


class TestBooleanAndInteger:
    @pytest.mark.parametrize("value", [False, "false"])
    def test_is_active_eq(self, list_conversations, data, value) -> None:
        assert matching(list_conversations, data, f("is_active", "eq", value)) == {"b"}

    def test_is_active_order(self, list_conversations, data) -> None:
        assert matching(list_conversations, data, f("is_active", "gt", False)) == {"a", "c", "d"}

    @pytest.mark.parametrize(
        ("operator", "value", "expected"),
        [
            ("eq", 4, {"b"}),
            ("eq", "1", {"a", "c", "d"}),
            ("gt", 1, {"b"}),
            ("gte", 4, {"b"}),
            ("lt", 4, {"a", "c", "d"}),
            ("lte", 0, set()),
            ("eq", 4.0, {"b"}),
        ],
    )
    def test_message_count(self, list_conversations, data, operator, value, expected) -> None:
        # b: AGENT, USER, AGENT, and the timeout message "bye" = 4
        assert matching(list_conversations, data, f("message_count", operator, value)) == expected


class TestVariables:
    def test_eq_compares_the_whole_object(self, list_conversations, data) -> None:
        assert matching(list_conversations, data, f("variables", "eq", {"campaign": "spring", "tier": 1})) == {"a"}
        assert matching(list_conversations, data, f("variables", "eq", {"campaign": "spring"})) == set()
        assert matching(list_conversations, data, f("variables", "eq", {})) == {"d"}

    def test_contains_is_a_subset(self, list_conversations, data) -> None:
        assert matching(list_conversations, data, f("variables", "contains", {"tier": 1})) == {"a", "c"}
        assert matching(list_conversations, data, f("variables", "contains", {"campaign": "fall"})) == {"b"}
        assert matching(list_conversations, data, f("variables", "contains", {})) == {"a", "b", "c", "d"}
        assert matching(list_conversations, data, f("variables", "contains", {"tier": True})) == set()


def test_filters_are_anded(list_conversations, data) -> None:
    got = matching(
        list_conversations, data, f("agent_number", "eq", PLAIN_AGENT), f("created_at", "lt", "2026-01-05T10:00:00Z")
    )
    assert got == {"c"}


def test_filters_combine_with_sort_and_pages(list_conversations, data) -> None:
    filters = json.dumps([f("is_active", "eq", True)])
    response = list_conversations(filters=filters, sortBy="user_number", sortDir="asc", pageSize=2, page=2)
    assert response.json["extra"]["pagination"]["totalItems"] == 3
    assert [c["id"] for c in response.json["data"]] == [data["d"]]


def test_empty_filters_mean_none(list_conversations, data) -> None:
    assert list_conversations(filters="").json["extra"]["pagination"]["totalItems"] == 4
    assert list_conversations(filters="[]").json["extra"]["pagination"]["totalItems"] == 4


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        "{",
        '{"field":"is_active","operator":"eq","value":true}',
        "[1]",
        '[{"field":"colour","operator":"eq","value":"red"}]',
        '[{"field":"is_active","operator":"like","value":true}]',
        '[{"field":"is_active","operator":"eq"}]',
        '[{"operator":"eq","value":1}]',
        '[{"field":"message_count","operator":"startsWith","value":"1"}]',
        '[{"field":"is_active","operator":"contains","value":"t"}]',
        '[{"field":"variables","operator":"gt","value":{}}]',
        '[{"field":"message_count","operator":"eq","value":"many"}]',
        '[{"field":"message_count","operator":"eq","value":true}]',
        '[{"field":"message_count","operator":"eq","value":1.5}]',
        '[{"field":"is_active","operator":"eq","value":"yes"}]',
        '[{"field":"created_at","operator":"gt","value":"yesterday"}]',
        '[{"field":"created_at","operator":"gt","value":12345}]',
        '[{"field":"user_number","operator":"eq","value":15550000100}]',
        '[{"field":"variables","operator":"eq","value":"campaign"}]',
        '[{"field":"user_number","operator":"gt","value":null}]',
        json.dumps([f("is_active", "eq", True)] * 51),
    ],
)
def test_invalid_filters(list_conversations, raw) -> None:
    response = list_conversations(filters=raw)
    assert response.status_code == 400
    assert set(error_codes(response)) == {"INVALID_FILTERS"}
    assert all(e["message"].startswith("filters") for e in response.json["errors"])


def test_filter_value_nesting_limit(list_conversations) -> None:
    deep: dict = {"x": 1}
    for _ in range(64):
        deep = {"x": deep}
    response = list_conversations(filters=[f("variables", "contains", deep)])
    assert error_codes(response) == ["INVALID_FILTERS"]
