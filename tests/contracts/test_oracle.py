"""The kit's oracle on its own, on hand-worked examples: a wrong oracle must fail here, not fail a real service.

Every expected value below is worked out by hand from CONTRACT.md and docs/decisions.md, never computed
by the oracle or the mock.
"""

from __future__ import annotations

from typing import Any

import pytest
from bland_sms_mock.contracts.kit.oracle import (
    Conflict,
    Conversation,
    InvalidTimeoutConfig,
    Message,
    NotFound,
    Oracle,
    json_equal,
    matches,
    send_fields,
    sort,
    total_pages,
)
from bland_sms_mock.contracts.models.api import format_timestamp, timestamp_ms

T0 = timestamp_ms("2026-01-05T12:00:00.000Z")
MIN = 60_000
KEY, OTHER_KEY = "sk-a", "sk-b"
TIMED, PLAIN = "+15550000001", "+15550000002"
USER, USER2 = "+15551230000", "+15551239999"
NUMBER_CONFIG = {"time_out": 900, "timeout_message": "bye", "warning_time": 600, "warning_message": "still there?"}


def oracle() -> Oracle:
    """Two accounts: sk-a with a number that has timeouts (warn 10 min, end 15 min) and one without."""
    return Oracle({KEY: {TIMED: dict(NUMBER_CONFIG), PLAIN: {}}, OTHER_KEY: {"+15550000009": {}}})


def body(message: str = "hi", user: str = USER, agent: str = TIMED, **fields: Any) -> dict[str, Any]:
    """A create body."""
    return {"user_number": user, "agent_number": agent, "message": message, **fields}


def conversation(conversation_id: str = "c1", messages: int = 0, **fields: Any) -> Conversation:
    """A conversation built by hand (created at T0), with `messages` USER messages one minute apart."""
    made = Conversation(conversation_id, KEY, USER, TIMED, created_at=T0, updated_at=T0)
    made.messages = [Message("USER", "message", f"m{i}", T0 + i * MIN) for i in range(messages)]
    for name, value in fields.items():
        setattr(made, name, value)
    return made


def f(field: str, operator: str, value: Any) -> dict[str, Any]:
    """One filter."""
    return {"field": field, "operator": operator, "value": value}


# ------------------------------------------------------------------------------------ conversation


def test_derived_fields_follow_the_history() -> None:
    empty = conversation()
    assert (empty.message_count, empty.last_message, empty.last_message_at) == (0, None, None)
    two = conversation(messages=2)
    assert (two.message_count, two.last_message, two.last_message_at) == (2, "m1", T0 + MIN)
    assert two.value("created_at") == T0 and two.value("message_count") == 2


def test_an_item_writes_timestamps_as_iso_text_and_leaves_out_the_hidden_fields() -> None:
    item = conversation(messages=1, variables={"a": 1}, curr_pathway_version="v2", timed_out_at=T0).item()
    assert item["created_at"] == "2026-01-05T12:00:00.000Z" and item["last_message_at"] == "2026-01-05T12:00:00.000Z"
    assert item["message_count"] == 1 and item["last_message"] == "m0" and item["variables"] == {"a": 1}
    assert "curr_pathway_version" not in item and "timed_out_at" not in item
    assert conversation().item()["last_message_at"] is None


# ------------------------------------------------------------------------------------------ filters

TEXT_CASES = [
    (f("user_number", "eq", USER), True),
    (f("user_number", "eq", USER2), False),
    (f("user_number", "contains", "5123"), True),
    (f("user_number", "contains", "999"), False),
    (f("user_number", "startsWith", "+1555"), True),
    (f("user_number", "startsWith", "1555"), False),
    (f("user_number", "endsWith", "0000"), True),
    (f("user_number", "endsWith", "+1555"), False),
    (f("user_number", "gt", "+15551229999"), True),
    (f("user_number", "gt", USER), False),
    (f("user_number", "gte", USER), True),
    (f("user_number", "lt", USER), False),
    (f("user_number", "lt", USER2), True),
    (f("user_number", "lte", USER), True),
    (f("agent_number", "eq", TIMED), True),
    (f("current_node_id", "contains", "node"), False),  # case-sensitive [mock]: the node is "Node_A"
    (f("current_node_id", "contains", "Node"), True),
    (f("curr_pathway_id", "eq", "pw-1"), True),
    (f("curr_pathway_version", "startsWith", "v"), True),
]

TIMESTAMP_CASES = [
    (f("created_at", "eq", "2026-01-05T12:00:00Z"), True),
    (f("created_at", "eq", "2026-01-05T13:00:00+01:00"), True),  # the same instant in another offset
    (f("created_at", "eq", "2026-01-05T12:00:00"), True),  # no offset reads as UTC [mock]
    (f("created_at", "eq", "2026-01-05T12:00:00.001Z"), False),
    (f("created_at", "gt", "2026-01-05T11:59:59.999Z"), True),
    (f("created_at", "gt", "2026-01-05T12:00:00.000Z"), False),
    (f("created_at", "gte", "2026-01-05T12:00:00.000Z"), True),
    (f("created_at", "lt", "2026-01-05T12:00:00.000Z"), False),
    (f("created_at", "lte", "2026-01-05T12:00:00.000Z"), True),
    (f("created_at", "lt", "2026-01-05T12:00:00.0005Z"), True),  # half a millisecond later is later
    (f("created_at", "gt", "2026-01-05T11:59:59.9995Z"), True),  # half a millisecond earlier is earlier
    (f("created_at", "gt", "2026-01-05"), True),  # a date is its midnight
    (f("created_at", "lt", "2026-01-05"), False),
    (f("created_at", "startsWith", "2026-01-05"), True),  # substring operators read the ISO text [mock]
    (f("created_at", "contains", "T12:00"), True),
    (f("created_at", "endsWith", ".000Z"), True),
    (f("created_at", "endsWith", "+00:00"), False),
    (f("updated_at", "eq", "2026-01-05T12:05:00Z"), True),
    (f("timed_out_at", "eq", None), True),  # never timed out: null
    (f("timed_out_at", "gt", "2000-01-01T00:00:00Z"), False),  # a null field matches no operator but eq null
    (f("timed_out_at", "lt", "2100-01-01T00:00:00Z"), False),
    (f("timed_out_at", "contains", "2"), False),
    (f("created_at", "eq", None), False),
]

BOOLEAN_AND_COUNT_CASES = [
    (f("is_active", "eq", True), True),
    (f("is_active", "eq", "true"), True),
    (f("is_active", "eq", False), False),
    (f("is_active", "eq", "false"), False),
    (f("is_active", "gt", False), True),  # false < true [mock]
    (f("is_active", "lt", True), False),
    (f("is_active", "lte", True), True),
    (f("is_active", "gte", "false"), True),
    (f("message_count", "eq", 10), True),
    (f("message_count", "eq", "10"), True),
    (f("message_count", "eq", 10.0), True),
    (f("message_count", "gt", 9), True),  # as a number: 10 > 9, though "10" < "9" as text
    (f("message_count", "gt", "9"), True),
    (f("message_count", "lt", 9), False),
    (f("message_count", "lt", 100), True),  # "10" > "100" as text would be wrong too
    (f("message_count", "gte", 10), True),
    (f("message_count", "lte", 9), False),
    (f("message_count", "eq", None), False),
]

VARIABLE_CASES = [
    (f("variables", "eq", {"a": 1, "b": {"c": True}, "s": "x"}), True),
    (f("variables", "eq", {"a": 1}), False),  # eq compares the whole object
    (f("variables", "eq", {"a": 1.0, "b": {"c": True}, "s": "x"}), True),  # 1 equals 1.0 [mock]
    (f("variables", "contains", {"a": 1}), True),
    (f("variables", "contains", {"a": 1.0}), True),
    (f("variables", "contains", {"a": 2}), False),
    (f("variables", "contains", {"z": 1}), False),  # a key the conversation does not have
    (f("variables", "contains", {"a": 1, "z": 1}), False),  # every given key must be present
    (f("variables", "contains", {"a": 1, "s": "x"}), True),
    (f("variables", "contains", {"b": {"c": True}}), True),
    (f("variables", "contains", {"b": {"c": 1}}), False),  # true is not 1 [mock]
    (f("variables", "contains", {"s": "X"}), False),
    (f("variables", "contains", {}), True),  # no key given: nothing to miss
    (f("variables", "eq", None), False),
]


@pytest.mark.parametrize(
    ("spec", "expected"),
    TEXT_CASES + TIMESTAMP_CASES + BOOLEAN_AND_COUNT_CASES + VARIABLE_CASES,
    ids=lambda v: f"{v['field']} {v['operator']} {v['value']!r}" if isinstance(v, dict) else str(v),
)
def test_a_filter_keeps_exactly_what_the_contract_says(spec: dict[str, Any], expected: bool) -> None:
    subject = conversation(
        messages=10,
        updated_at=T0 + 5 * MIN,
        current_node_id="Node_A",
        curr_pathway_id="pw-1",
        curr_pathway_version="v3",
        variables={"a": 1, "b": {"c": True}, "s": "x"},
    )
    assert matches(subject, spec) is expected


def test_message_count_compares_as_a_number_across_9_10_and_100() -> None:
    counts = {"n9": 9, "n10": 10, "n100": 100}
    subjects = [conversation(name, messages=count) for name, count in counts.items()]
    assert [c.id for c in subjects if matches(c, f("message_count", "gt", 9))] == ["n10", "n100"]
    assert [c.id for c in subjects if matches(c, f("message_count", "lt", 10))] == ["n9"]
    assert [c.id for c in subjects if matches(c, f("message_count", "gte", "100"))] == ["n100"]


def test_json_equal_keeps_booleans_apart_from_numbers() -> None:
    assert json_equal(1, 1.0) and json_equal({"a": [1, {"b": 2}]}, {"a": [1.0, {"b": 2.0}]})
    assert not json_equal(True, 1) and not json_equal(0, False) and not json_equal([True], [1])
    assert not json_equal({"a": 1}, {"a": 1, "b": 2}) and not json_equal([1], [1, 1])
    assert not json_equal("1", 1) and not json_equal({}, []) and json_equal(None, None)


# --------------------------------------------------------------------------------------------- sort


def test_nulls_sort_last_in_asc_and_first_in_desc() -> None:
    subjects = [
        conversation("c1", curr_pathway_id="p2"),
        conversation("c2"),
        conversation("c3", curr_pathway_id="p1"),
        conversation("c4"),
    ]
    assert [c.id for c in sort(subjects, "curr_pathway_id", "asc")] == ["c3", "c1", "c2", "c4"]
    assert [c.id for c in sort(subjects, "curr_pathway_id", "desc")] == ["c4", "c2", "c1", "c3"]


def test_ties_are_broken_by_id_in_the_sort_direction() -> None:
    subjects = [conversation(name, messages=2) for name in ("c2", "c3", "c1")] + [conversation("c0", messages=1)]
    assert [c.id for c in sort(subjects, "message_count", "asc")] == ["c0", "c1", "c2", "c3"]
    assert [c.id for c in sort(subjects, "message_count", "desc")] == ["c3", "c2", "c1", "c0"]


def test_is_active_sorts_false_before_true_and_counts_as_numbers() -> None:
    subjects = [
        conversation("a", is_active=True, messages=10),
        conversation("b", is_active=False, messages=9),
        conversation("c", is_active=True, messages=100),
    ]
    assert [c.id for c in sort(subjects, "is_active", "asc")] == ["b", "a", "c"]
    assert [c.id for c in sort(subjects, "is_active", "desc")] == ["c", "a", "b"]
    assert [c.id for c in sort(subjects, "message_count", "asc")] == ["b", "a", "c"]


def test_timestamps_sort_as_instants_with_null_timeouts_last_in_asc() -> None:
    subjects = [
        conversation("x", timed_out_at=T0 + 2 * MIN),
        conversation("y", timed_out_at=None),
        conversation("z", timed_out_at=T0 + MIN),
    ]
    assert [c.id for c in sort(subjects, "timed_out_at", "asc")] == ["z", "x", "y"]
    assert [c.id for c in sort(subjects, "timed_out_at", "desc")] == ["y", "x", "z"]


# ---------------------------------------------------------------------------------------- pagination


def test_total_pages_is_the_ceiling_and_zero_when_nothing_matches() -> None:
    assert [total_pages(n, 2) for n in (0, 1, 2, 3, 4, 5)] == [0, 1, 1, 2, 2, 3]
    assert total_pages(25, 25) == 1 and total_pages(26, 25) == 2


def test_query_pages_sorts_filters_and_keeps_to_the_account() -> None:
    model = oracle()
    for minute, user in enumerate(("+15550000101", "+15550000102", "+15550000103", "+15550000104", "+15550000105")):
        model.create(KEY, body(user=user, agent=PLAIN), T0 + minute * MIN, f"k{minute}")
    model.create(OTHER_KEY, body(user="+15550000101", agent="+15550000009"), T0 + 9 * MIN, "other")
    assert model.query(KEY, {}, []) == (["k4", "k3", "k2", "k1", "k0"], 5)  # default: created_at desc
    assert model.query(KEY, {"sortDir": "asc", "pageSize": 2}, []) == (["k0", "k1"], 5)
    assert model.query(KEY, {"sortDir": "asc", "pageSize": 2, "page": 3}, []) == (["k4"], 5)
    assert model.query(KEY, {"sortDir": "asc", "pageSize": 2, "page": 4}, []) == ([], 5)
    assert model.query(KEY, {"sortBy": "user_number", "pageSize": "2", "page": "2"}, []) == (["k2", "k1"], 5)
    two = [f("created_at", "gte", format_timestamp(T0 + MIN)), f("user_number", "lt", "+15550000104")]
    assert model.query(KEY, {"sortDir": "asc"}, two) == (["k1", "k2"], 2)  # filters are ANDed
    assert model.query(OTHER_KEY, {}, []) == (["other"], 1)


# ------------------------------------------------------------------------------------------- create


def test_a_first_create_opens_a_conversation_and_a_second_appends() -> None:
    model = oracle()
    assert model.expected_target(KEY, body()) is None
    first = model.create(KEY, body(request_data={"a": 1, "n": {"x": 1}}, curr_pathway_id="pw"), T0, "c1")
    assert (first.created_at, first.updated_at, first.is_active, first.message_count) == (T0, T0, True, 1)
    assert first.messages[0] == Message("USER", "message", "hi", T0) and first.timer_started_at is None
    assert model.expected_target(KEY, body()) == "c1"
    again = model.create(KEY, body("two", request_data={"n": {"y": 2}, "b": 2}, current_node_id="n1"), T0 + MIN, "x")
    assert again is first and [c.id for c in model.conversations] == ["c1"]
    assert (first.created_at, first.updated_at, first.last_message, first.message_count) == (T0, T0 + MIN, "two", 2)
    assert first.variables == {"a": 1, "n": {"y": 2}, "b": 2}  # shallow merge
    assert (first.curr_pathway_id, first.current_node_id) == ("pw", "n1")  # a field not given keeps its value


def test_a_null_sender_is_a_user_message() -> None:
    model = oracle()
    made = model.create(KEY, body(sender=None), T0, "c1")
    assert made.messages[0].sender == "USER" and made.timer_started_at is None


def test_the_same_numbers_in_another_account_are_another_conversation() -> None:
    model = oracle()
    model.numbers[OTHER_KEY][TIMED] = {}
    model.create(KEY, body(), T0, "mine")
    assert model.expected_target(OTHER_KEY, body()) is None
    model.create(OTHER_KEY, body(), T0, "theirs")
    assert model.active(KEY, USER, TIMED).id == "mine" and model.active(OTHER_KEY, USER, TIMED).id == "theirs"


def test_new_conversation_archives_the_active_one_at_that_instant() -> None:
    model = oracle()
    old = model.create(KEY, body(sender="AGENT"), T0, "c1")
    assert model.expected_target(KEY, body(new_conversation=True)) is None
    new = model.create(KEY, body(new_conversation=True), T0 + MIN, "c2")
    assert (old.is_active, old.updated_at, old.timer_started_at, old.timed_out_at) == (False, T0 + MIN, None, None)
    assert new.is_active and model.active(KEY, USER, TIMED) is new
    assert model.settle(T0 + 100 * MIN) == []  # the archived conversation's timer was cancelled


# ------------------------------------------------------------------------------------------- timers


def test_an_agent_message_schedules_the_warning_then_the_timeout() -> None:
    model = oracle()
    made = model.create(KEY, body(sender="AGENT"), T0, "c1")
    assert [(due, kind) for due, kind, _ in model.due_timers()] == [
        (T0 + 10 * MIN, "warning"),
        (T0 + 15 * MIN, "timeout"),
    ]
    assert made.timer_started_at == T0


def test_the_timeline_warning_then_timeout_each_at_its_due_instant() -> None:
    model = oracle()
    made = model.create(KEY, body(sender="AGENT"), T0, "c1")
    assert model.settle(T0 + 10 * MIN - 1) == [] and made.message_count == 1
    assert model.settle(T0 + 10 * MIN) == [(T0 + 10 * MIN, "warning", "c1")]  # due at now fires at now
    assert made.is_active and made.message_count == 2 and made.last_message == "still there?"
    assert made.updated_at == T0 + 10 * MIN and made.last_message_at == T0 + 10 * MIN  # the warning moves updated_at
    assert made.messages[-1] == Message("AGENT", "warning", "still there?", T0 + 10 * MIN)
    assert model.settle(T0 + 15 * MIN - 1) == [] and made.is_active
    assert model.settle(T0 + 15 * MIN) == [(T0 + 15 * MIN, "timeout", "c1")]
    assert (made.is_active, made.timed_out_at, made.updated_at) == (False, T0 + 15 * MIN, T0 + 15 * MIN)
    assert made.message_count == 3 and made.messages[-1] == Message("AGENT", "timeout", "bye", T0 + 15 * MIN)
    assert model.settle(T0 + 1000 * MIN) == [] and model.due_timers() == []


def test_a_late_look_sees_both_timers_stamped_with_their_due_instants() -> None:
    model = oracle()
    made = model.create(KEY, body(sender="AGENT"), T0, "c1")
    assert model.settle(T0 + 600 * MIN) == [(T0 + 10 * MIN, "warning", "c1"), (T0 + 15 * MIN, "timeout", "c1")]
    assert made.timed_out_at == T0 + 15 * MIN and made.updated_at == T0 + 15 * MIN
    assert [m.at for m in made.messages] == [T0, T0 + 10 * MIN, T0 + 15 * MIN]


def test_a_user_reply_cancels_the_timer() -> None:
    model = oracle()
    made = model.create(KEY, body(sender="AGENT"), T0, "c1")
    model.create(KEY, body("here"), T0 + 5 * MIN, "x")
    assert made.timer_started_at is None and model.due_timers() == []
    assert model.settle(T0 + 1000 * MIN) == []
    assert made.is_active and made.message_count == 2 and made.updated_at == T0 + 5 * MIN


def test_a_user_reply_after_the_warning_cancels_the_timeout() -> None:
    model = oracle()
    made = model.create(KEY, body(sender="AGENT"), T0, "c1")
    model.create(KEY, body("sorry"), T0 + 12 * MIN, "x")
    assert model.settle(T0 + 1000 * MIN) == []
    assert made.is_active and [m.kind for m in made.messages] == ["message", "warning", "message"]


def test_each_agent_message_restarts_the_timer_and_rearms_the_warning() -> None:
    model = oracle()
    made = model.create(KEY, body(sender="AGENT"), T0, "c1")
    model.settle(T0 + 10 * MIN)
    model.create(KEY, body("again", sender="AGENT"), T0 + 12 * MIN, "x")
    assert [(due, kind) for due, kind, _ in model.due_timers()] == [
        (T0 + 22 * MIN, "warning"),
        (T0 + 27 * MIN, "timeout"),
    ]
    model.settle(T0 + 27 * MIN)
    assert [m.kind for m in made.messages] == ["message", "warning", "message", "warning", "timeout"]
    assert made.timed_out_at == T0 + 27 * MIN


def test_the_warning_does_not_restart_the_timer() -> None:
    model = oracle()
    model.create(KEY, body(sender="AGENT"), T0, "c1")
    model.settle(T0 + 10 * MIN)
    assert [(due, kind) for due, kind, _ in model.due_timers()] == [(T0 + 15 * MIN, "timeout")]


def test_a_timer_due_at_the_instant_of_a_request_fires_before_it() -> None:
    model = oracle()
    old = model.create(KEY, body(sender="AGENT"), T0, "c1")
    new = model.create(KEY, body("just in time"), T0 + 15 * MIN, "c2")
    assert (old.is_active, old.timed_out_at, old.message_count) == (False, T0 + 15 * MIN, 3)
    assert new is not old and new.id == "c2" and new.is_active and new.message_count == 1


def test_a_timed_out_conversation_is_never_reactivated() -> None:
    model = oracle()
    model.create(KEY, body(sender="AGENT"), T0, "c1")
    model.settle(T0 + 20 * MIN)
    assert model.active(KEY, USER, TIMED) is None and model.expected_target(KEY, body()) is None


def test_no_messages_configured_means_a_silent_warning_and_a_silent_end() -> None:
    model = oracle()
    made = model.create(KEY, body(agent=PLAIN, sender="AGENT", time_out=60, warning_time=30), T0, "c1")
    assert model.settle(T0 + 30_000) == [(T0 + 30_000, "warning", "c1")]
    assert made.message_count == 1 and made.updated_at == T0  # nothing appended, nothing changed
    assert model.settle(T0 + 60_000) == [(T0 + 60_000, "timeout", "c1")]
    assert made.message_count == 1 and not made.is_active and made.timed_out_at == T0 + 60_000
    assert made.updated_at == T0 + 60_000  # ending changes the conversation


def test_a_number_without_time_out_has_no_timer() -> None:
    model = oracle()
    model.create(KEY, body(agent=PLAIN, sender="AGENT"), T0, "c1")
    assert model.due_timers() == [] and model.settle(T0 + 10_000 * MIN) == []


# ---------------------------------------------------------------------------------------- overrides


def test_effective_settings_are_override_then_number_then_none() -> None:
    model = oracle()
    made = model.create(KEY, body(sender="AGENT", warning_message="custom"), T0, "c1")
    assert model.effective(made, "warning_message") == "custom" and model.effective(made, "time_out") == 900
    plain = model.create(KEY, body(user=USER2, agent=PLAIN), T0, "c2")
    assert model.effective(plain, "time_out") is None


def test_overrides_persist_setting_by_setting_and_the_latest_wins() -> None:
    model = oracle()
    made = model.create(KEY, body(sender="AGENT", time_out=120, warning_time=60, warning_message="custom"), T0, "c1")
    model.create(KEY, body("still waiting", sender="AGENT", warning_time=90), T0 + 30_000, "x")
    assert made.overrides == {"time_out": 120, "warning_time": 90, "warning_message": "custom"}
    assert model.settle(T0 + 120_000 - 1) == []
    assert model.settle(T0 + 120_000) == [(T0 + 120_000, "warning", "c1")]  # 30 s + 90 s
    assert made.last_message == "custom"
    assert model.settle(T0 + 150_000) == [(T0 + 150_000, "timeout", "c1")]  # 30 s + 120 s
    assert made.last_message == "bye"  # the number's timeout_message: it was not overridden


def test_a_null_override_is_no_override() -> None:
    model = oracle()
    made = model.create(KEY, body(sender="AGENT", time_out=None, warning_message=None), T0, "c1")
    assert made.overrides == {} and model.effective(made, "time_out") == 900


# --------------------------------------------------------------------------------------------- send


def send(text: str | None = "sent", user: str = USER, agent: str = TIMED, **fields: Any) -> dict[str, Any]:
    """A send body (current names); `text` None leaves agent_message out."""
    made = {"user_number": user, "agent_number": agent, **fields}
    return made if text is None else {**made, "agent_message": text}


def test_a_send_opens_a_conversation_with_an_agent_message_that_starts_the_timer() -> None:
    model = oracle()
    assert model.expected_target(KEY, send()) is None
    made = model.send(KEY, send(), T0, "c1", "m1")
    assert made.messages == [Message("AGENT", "message", "sent", T0, "m1")]
    assert (made.is_active, made.created_at, made.updated_at, made.timer_started_at) == (True, T0, T0, T0)
    assert model.due_timers()[0][:2] == (T0 + 10 * MIN, "warning")  # the number's 600 s
    assert model.expected_target(KEY, send()) == "c1"


def test_a_send_continues_a_created_conversation_and_new_conversation_archives_it() -> None:
    model = oracle()
    created = model.create(KEY, body("question"), T0, "c1")
    joined = model.send(KEY, send("answer"), T0 + MIN, "ignored")
    assert joined is created and [m.sender for m in created.messages] == ["USER", "AGENT"]
    assert created.last_message == "answer" and created.updated_at == T0 + MIN
    fresh = model.send(KEY, send("fresh start", new_conversation=True), T0 + 2 * MIN, "c2")
    assert (created.is_active, created.updated_at, created.timer_started_at) == (False, T0 + 2 * MIN, None)
    assert fresh.id == "c2" and model.active(KEY, USER, TIMED) is fresh and fresh.message_count == 1


def test_a_send_names_its_pathway_fields_its_own_way_and_merges_request_data() -> None:
    model = oracle()
    made = model.send(
        KEY, send(pathway_id="pw_s", pathway_version=3, start_node_id="intro", request_data={"a": 1}), T0, "c1"
    )
    assert (made.curr_pathway_id, made.curr_pathway_version, made.current_node_id) == ("pw_s", "3", "intro")
    model.send(KEY, send(start_node_id="next", request_data={"b": 2}), T0 + MIN, "x")
    assert (made.curr_pathway_id, made.curr_pathway_version, made.current_node_id) == ("pw_s", "3", "next")
    assert made.variables == {"a": 1, "b": 2}


def test_send_overrides_persist_like_a_creates() -> None:
    model = oracle()
    made = model.send(KEY, send(time_out=120, warning_time=60, warning_message="custom"), T0, "c1")
    assert model.settle(T0 + 60_000) == [(T0 + 60_000, "warning", "c1")] and made.last_message == "custom"
    assert model.settle(T0 + 120_000) == [(T0 + 120_000, "timeout", "c1")] and made.last_message == "bye"


def test_the_older_send_names_are_read_and_the_current_name_wins() -> None:
    old = {"phone_number": USER, "from": TIMED, "message": "old names"}
    assert send_fields(old) == {"user_number": USER, "agent_number": TIMED, "agent_message": "old names"}
    both = {**old, "agent_message": "current", "user_number": USER2}
    assert send_fields(both) == {"user_number": USER2, "agent_number": TIMED, "agent_message": "current"}
    model = oracle()
    assert model.expected_target(KEY, old) is None
    made = model.send(KEY, old, T0, "c1")
    assert (made.user_number, made.agent_number, made.last_message) == (USER, TIMED, "old names")
    assert model.expected_target(KEY, old) == "c1"


def test_a_send_without_agent_message_keeps_an_agent_message_of_unknown_text() -> None:
    made = oracle().send(KEY, send(None), T0, "c1")
    assert made.messages == [Message("AGENT", "message", None, T0)] and made.timer_started_at == T0


# -------------------------------------------------------------------------------------- one conversation


def test_a_record_shows_the_hidden_fields_and_each_message_with_its_direction() -> None:
    model = oracle()
    model.create(KEY, body("hello", curr_pathway_version="v2"), T0, "c1")
    made = model.send(KEY, send("hi back"), T0 + MIN, "x")
    record = made.record()
    assert record["curr_pathway_version"] == "v2" and record["timed_out_at"] is None
    assert record["message_count"] == 2 and record["last_message"] == "hi back"
    assert record["messages"] == [
        {"sender": "USER", "message": "hello", "from": USER, "to": TIMED, "created_at": "2026-01-05T12:00:00.000Z"},
        {"sender": "AGENT", "message": "hi back", "from": TIMED, "to": USER, "created_at": "2026-01-05T12:01:00.000Z"},
    ]
    model.settle(T0 + 16 * MIN)  # warning at 11 min, timeout at 16 min after the send
    assert made.record()["timed_out_at"] == "2026-01-05T12:16:00.000Z"


def test_find_sees_only_the_accounts_own_conversations() -> None:
    model = oracle()
    model.numbers[OTHER_KEY][TIMED] = {}
    model.create(OTHER_KEY, body(), T0, "theirs")
    with pytest.raises(NotFound):
        model.find(KEY, "theirs")
    assert model.find(OTHER_KEY, "theirs").account == OTHER_KEY


# ---------------------------------------------------------------------------------------------- end


def test_ending_cancels_the_timer_and_frees_the_pair() -> None:
    model = oracle()
    made = model.send(KEY, send(), T0, "c1")
    assert model.set_active(KEY, "c1", False, T0 + 5 * MIN) is made
    assert (made.is_active, made.updated_at, made.timer_started_at, made.timed_out_at) == (
        False,
        T0 + 5 * MIN,
        None,
        None,
    )
    assert model.settle(T0 + 100 * MIN) == [] and made.message_count == 1
    assert model.expected_target(KEY, send()) is None
    assert model.set_active(KEY, "c1", False, T0 + 6 * MIN).updated_at == T0 + 5 * MIN  # already ended: no change


def test_ending_after_the_warning_keeps_the_warning_and_stops_the_timeout() -> None:
    model = oracle()
    made = model.send(KEY, send(), T0, "c1")
    model.set_active(KEY, "c1", False, T0 + 12 * MIN)  # the warning fell due at 10 min, before the PATCH
    assert [m.kind for m in made.messages] == ["message", "warning"] and model.settle(T0 + 100 * MIN) == []


def test_a_timer_due_at_the_instant_of_the_patch_fires_first() -> None:
    model = oracle()
    made = model.send(KEY, send(), T0, "c1")
    model.set_active(KEY, "c1", False, T0 + 15 * MIN)
    assert made.timed_out_at == T0 + 15 * MIN and made.message_count == 3


def test_reactivating_needs_the_pair_free_and_starts_no_timer() -> None:
    model = oracle()
    model.send(KEY, send(), T0, "c1")
    model.set_active(KEY, "c1", False, T0 + MIN)
    model.create(KEY, body("new one"), T0 + 2 * MIN, "c2")
    with pytest.raises(Conflict):
        model.set_active(KEY, "c1", True, T0 + 3 * MIN)
    assert not model.find(KEY, "c1").is_active
    model.set_active(KEY, "c2", False, T0 + 4 * MIN)
    back = model.set_active(KEY, "c1", True, T0 + 5 * MIN)
    assert (back.is_active, back.updated_at, back.timer_started_at) == (True, T0 + 5 * MIN, None)
    assert model.expected_target(KEY, body()) == "c1" and model.due_timers() == []


def test_ending_another_accounts_conversation_is_not_found() -> None:
    model = oracle()
    model.create(KEY, body(), T0, "c1")
    with pytest.raises(NotFound):
        model.set_active(OTHER_KEY, "c1", False, T0)
    assert model.find(KEY, "c1").is_active


# ------------------------------------------------------------------------------------------- delete


def test_delete_removes_the_conversation_its_timer_and_frees_the_pair() -> None:
    model = oracle()
    model.send(KEY, send(), T0, "c1")
    model.create(KEY, body(user=USER2), T0, "c2")
    model.delete(KEY, "c1", T0 + MIN)
    assert model.query(KEY, {}, []) == (["c2"], 1) and model.due_timers() == []
    assert model.settle(T0 + 100 * MIN) == []
    with pytest.raises(NotFound):
        model.find(KEY, "c1")
    with pytest.raises(NotFound):
        model.delete(KEY, "c1", T0 + 2 * MIN)  # already deleted
    assert model.expected_target(KEY, send()) is None
    assert model.send(KEY, send(), T0 + 3 * MIN, "c3").message_count == 1


def test_another_account_cannot_delete_a_conversation() -> None:
    model = oracle()
    model.create(KEY, body(), T0, "c1")
    with pytest.raises(NotFound):
        model.delete(OTHER_KEY, "c1", T0)
    assert [c.id for c in model.conversations] == ["c1"]


# ----------------------------------------------------------------------------------- delete messages


def three_messages(model: Oracle) -> Conversation:
    """c1 with messages a (USER, id 1), b (AGENT, id 2), c (USER, id 3), one minute apart."""
    model.create(KEY, body("a"), T0, "c1")
    model.send(KEY, send("b"), T0 + MIN, "x", "2")
    made = model.create(KEY, body("c"), T0 + 2 * MIN, "x")
    made.messages[0].id, made.messages[2].id = "1", "3"
    return made


def test_deleting_messages_counts_them_and_the_history_and_counts_follow() -> None:
    model = oracle()
    made = three_messages(model)
    assert model.delete_messages(KEY, "c1", ["3", 1, "99"], T0 + 5 * MIN) == 2  # ints and strings; 99 is none
    assert [m.text for m in made.messages] == ["b"]
    assert (made.message_count, made.last_message, made.last_message_at) == (1, "b", T0 + MIN)
    assert made.updated_at == T0 + 2 * MIN and made.is_active  # unchanged
    assert model.delete_messages(KEY, "c1", ["1"], T0 + 6 * MIN) == 0
    assert model.delete_messages(KEY, "c1", [2], T0 + 6 * MIN) == 1
    assert (made.message_count, made.last_message, made.last_message_at) == (0, None, None)


def test_deleting_messages_leaves_a_running_timer() -> None:
    model = oracle()
    made = model.send(KEY, send("b"), T0, "c1", "7")
    assert model.delete_messages(KEY, "c1", ["7"], T0 + MIN) == 1 and made.timer_started_at == T0
    model.settle(T0 + 15 * MIN)
    assert [m.kind for m in made.messages] == ["warning", "timeout"] and made.timed_out_at == T0 + 15 * MIN


def test_deleting_messages_of_another_accounts_conversation_is_not_found() -> None:
    model = oracle()
    made = three_messages(model)
    with pytest.raises(NotFound):
        model.delete_messages(OTHER_KEY, "c1", ["1"], T0)
    assert made.message_count == 3


# ------------------------------------------------------------------------------------------ numbers


def test_numbers_list_the_accounts_own_with_a_count_of_existing_conversations() -> None:
    model = oracle()
    model.create(KEY, body(), T0, "c1")
    model.create(KEY, body(new_conversation=True), T0 + MIN, "c2")  # c1 ended: still counted
    model.create(KEY, body(user=USER2), T0, "c3")
    model.delete(KEY, "c3", T0 + MIN)  # deleted: not counted
    assert model.number_items(KEY) == [
        {"phone_number": TIMED, "sms_config": NUMBER_CONFIG, "conversation_count": 2},
        {"phone_number": PLAIN, "sms_config": {}, "conversation_count": 0},
    ]
    assert [n["phone_number"] for n in model.number_items(OTHER_KEY)] == ["+15550000009"]


def test_a_number_update_changes_what_it_names_and_null_clears() -> None:
    model = oracle()
    after = model.update_number(KEY, TIMED, {"warning_message": "hello?", "timeout_message": None})
    assert after == {"time_out": 900, "warning_time": 600, "warning_message": "hello?"}
    assert model.numbers[KEY][TIMED] == after
    with pytest.raises(InvalidTimeoutConfig):
        model.update_number(KEY, TIMED, {"time_out": 600})  # warning_time 600 would not be below it
    with pytest.raises(InvalidTimeoutConfig):
        model.update_number(KEY, PLAIN, {"warning_time": 30})  # no time_out at all
    assert model.numbers[KEY][TIMED] == after and model.numbers[KEY][PLAIN] == {}
    with pytest.raises(NotFound):
        model.update_number(KEY, "+15550000009", {"time_out": 60})  # another account's number


def test_a_running_timer_keeps_the_settings_it_started_with() -> None:
    model = oracle()
    made = model.send(KEY, send(), T0, "c1")
    model.update_number(KEY, TIMED, {"time_out": 60, "warning_time": None, "timeout_message": "new bye"})
    model.settle(T0 + 15 * MIN)
    assert made.timed_out_at == T0 + 15 * MIN and made.last_message == "bye"  # the old 900 s and text
    later = model.send(KEY, send(user=USER2), T0 + 20 * MIN, "c2")
    model.settle(T0 + 21 * MIN)
    assert later.timed_out_at == T0 + 21 * MIN and later.last_message == "new bye"
