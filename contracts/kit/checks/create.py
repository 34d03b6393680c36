"""Checks of `POST /v1/sms/create`: the envelope, append and archive semantics, pathway state, validation."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bland_sms_mock.contracts.client import Exchange
from bland_sms_mock.contracts.kit.checks.paging import list_all
from bland_sms_mock.contracts.kit.context import KitContext, Skip, Violation, fail
from bland_sms_mock.contracts.kit.registry import check
from bland_sms_mock.contracts.models.api import Level

CREATED_MESSAGE = "SMS conversation created successfully"


def find(ctx: KitContext, conversation_id: str, **params: Any) -> dict[str, Any]:
    """The list item of a conversation of this run (by id), or a violation when the list lacks it."""
    filters = (
        [{"field": "user_number", "operator": "eq", "value": params.pop("user_number")}]
        if "user_number" in params
        else []
    )
    for item in list_all(ctx, {"filters": filters}):
        if isinstance(item, dict) and item.get("id") == conversation_id:
            return item
    fail(f"conversation {conversation_id} is missing from the list of its own account", Level.INFERRED)
    raise AssertionError  # unreachable


def refused(exchange: Exchange, what: str, level: Level = Level.INFERRED) -> None:
    """A request that must be refused got a 4xx with a failure envelope; else a violation."""
    if exchange.status >= 500:
        fail(f"{what}: answered {exchange.status}, a server error, instead of a 4xx", Level.INFERRED)
    if not 400 <= exchange.status < 500:
        fail(f"{what}: accepted ({exchange.response_line(200)}); it must be refused with a 4xx", level)
    body = exchange.json
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list) or not errors or (isinstance(body, dict) and body.get("data") is not None):
        fail(f"{what}: the refusal is not the error envelope (data null, errors a non-empty list)", Level.DOCUMENTED)


def coded(exchange: Exchange, what: str, status: int, code: str, field: str | None = None) -> None:
    """The mock's exact status, error code and field naming for a refusal [mock]."""
    if exchange.status != status or code not in exchange.error_codes:
        fail(f"{what}: expected {status} {code}, got {exchange.status} {exchange.error_codes}", Level.MOCK)
    if field and not any(field in message for message in exchange.error_messages):
        fail(f"{what}: no error message names the field {field!r}: {exchange.error_messages}", Level.MOCK)


@check("create.envelope", Level.DOCUMENTED, "behaviour")
def create_envelope(ctx: KitContext) -> None:
    """A valid create answers 200 with data.message, conversation_id, workflow_id and errors null."""
    exchange = ctx.create(ctx.base_body())
    body = exchange.json
    if exchange.status != 200 or not isinstance(body, dict):
        fail(f"a valid create was answered {exchange.response_line(300)}", Level.DOCUMENTED)
    data = body.get("data")
    if not isinstance(data, dict) or body.get("errors") is not None:
        fail("success envelope must be {data: {...}, errors: null}", Level.DOCUMENTED)
    for key in ("conversation_id", "workflow_id"):
        if not isinstance(data.get(key), str) or not data[key]:
            fail(f"data.{key} must be a non-empty string, got {data.get(key)!r}", Level.DOCUMENTED)
    if data.get("message") != CREATED_MESSAGE:
        fail(f"data.message must be {CREATED_MESSAGE!r}, got {data.get('message')!r}", Level.DOCUMENTED)
    again = ctx.ok(ctx.create(ctx.base_body()), "second create")
    if again.get("workflow_id") == data["workflow_id"]:
        fail("workflow_id repeats across creates; the mock gives a new one per call", Level.MOCK)


@check("create.appends", Level.INFERRED, "behaviour")
def create_appends(ctx: KitContext) -> None:
    """Creates between the same two numbers append to the active conversation: same id, count, last message."""
    user = ctx.user_number()
    first = ctx.ok(ctx.create(ctx.base_body(user, message="first")), "create")["conversation_id"]
    if ctx.has_clock:
        ctx.move_clock(1)  # so that an updated_at that does not move shows
    second = ctx.ok(ctx.create(ctx.base_body(user, message="second", sender="AGENT")), "create")["conversation_id"]
    if second != first:
        fail(f"a second create for the same pair started {second} instead of appending to {first}", Level.INFERRED)
    item = find(ctx, first, user_number=user)
    if item.get("message_count") != 2:
        fail(f"message_count after two creates is {item.get('message_count')!r}, not 2", Level.INFERRED)
    if item.get("last_message") != "second":
        fail(f"last_message is {item.get('last_message')!r}, not the latest message 'second'", Level.INFERRED)
    if item.get("is_active") is not True:
        fail("a conversation that just got a message is not active", Level.INFERRED)
    if item.get("last_message_at") != item.get("updated_at"):
        fail("updated_at did not move with the latest message", Level.INFERRED)
    if ctx.has_clock and item.get("updated_at") == item.get("created_at"):
        fail("updated_at is still created_at a second after the conversation began", Level.INFERRED)


CONCURRENT_CREATES = 8


@check("create.concurrent_appends", Level.INFERRED, "behaviour")
def create_concurrent_appends(ctx: KitContext) -> None:
    """Creates sent at once for one pair leave one active conversation holding every message."""
    ctx.may_create()
    budget = CONCURRENT_CREATES if ctx.max_creates is None else min(CONCURRENT_CREATES, ctx.max_creates - ctx.creates)
    if budget < 2:
        raise Skip(f"--max-creates {ctx.max_creates} leaves no room for concurrent creates")
    user = ctx.user_number()
    gate = threading.Barrier(budget)
    bodies = [{**ctx.base_body(user, message=f"at once {n}"), "request_data": ctx.tag()} for n in range(budget)]

    def send(body: dict[str, Any]) -> Exchange:
        gate.wait(timeout=30)
        return ctx.primary.client.create(body)

    with ThreadPoolExecutor(budget) as pool:
        exchanges = list(pool.map(send, bodies))
    for exchange in exchanges:
        ctx.record(exchange)
        ctx.count_create(exchange)
    ids = {ctx.ok(exchange, "a concurrent create")["conversation_id"] for exchange in exchanges}
    items = [i for i in find_all(ctx, user) if isinstance(i, dict)]
    active = [i.get("id") for i in items if i.get("is_active") is True]
    if len(active) != 1:
        fail(f"{budget} concurrent creates for one pair left {len(active)} active conversations", Level.INFERRED)
    if len(ids) != 1:
        fail(
            f"{budget} concurrent creates for one pair went to {len(ids)} conversations: {sorted(ids)}", Level.INFERRED
        )
    count = next(i.get("message_count") for i in items if i.get("id") == active[0])
    if count != budget:
        fail(f"{budget} concurrent creates appended {count!r} messages (an update was lost)", Level.INFERRED)


def find_all(ctx: KitContext, user: str) -> list[Any]:
    """Every conversation of this run with `user`."""
    return list_all(ctx, {"filters": [{"field": "user_number", "operator": "eq", "value": user}]})


@check("create.new_conversation", Level.DOCUMENTED, "behaviour")
def create_new_conversation(ctx: KitContext) -> None:
    """new_conversation true archives the active conversation of the pair and starts a new one."""
    user = ctx.user_number()
    old = ctx.ok(ctx.create(ctx.base_body(user, message="old")), "create")["conversation_id"]
    new = ctx.ok(ctx.create(ctx.base_body(user, message="new", new_conversation=True)), "create")["conversation_id"]
    if new == old:
        fail("new_conversation true appended to the active conversation instead of starting one", Level.DOCUMENTED)
    data = ctx.ok(ctx.list({"filters": [{"field": "user_number", "operator": "eq", "value": user}]}), "list")
    state = {item.get("id"): item.get("is_active") for item in data if isinstance(item, dict)}
    if state.get(old) is not False:
        fail(f"the earlier conversation {old} was not archived (is_active {state.get(old)!r})", Level.DOCUMENTED)
    if state.get(new) is not True:
        fail(f"the new conversation {new} is not active (is_active {state.get(new)!r})", Level.DOCUMENTED)
    after = ctx.ok(ctx.create(ctx.base_body(user, message="after")), "create")["conversation_id"]
    if after != new:
        fail(f"a create after archiving went to {after}, not the active conversation {new}", Level.INFERRED)
    actives = [
        i
        for i in ctx.ok(
            ctx.list(
                {
                    "filters": [
                        {"field": "user_number", "operator": "eq", "value": user},
                        {"field": "is_active", "operator": "eq", "value": True},
                    ]
                }
            ),
            "list",
        )
    ]
    if len(actives) != 1:
        fail(f"{len(actives)} active conversations for one pair; at most one may be active", Level.INFERRED)


@check("create.pathway_and_variables", Level.INFERRED, "behaviour")
def create_pathway_and_variables(ctx: KitContext) -> None:
    """Pathway fields given overwrite, fields not given keep their value; request_data merges into variables."""
    user = ctx.user_number()
    first = ctx.base_body(user, curr_pathway_id="pw_one", current_node_id="start", request_data={"a": 1, "b": 1})
    conversation = ctx.ok(ctx.create(first), "create")["conversation_id"]
    ctx.ok(ctx.create(ctx.base_body(user, current_node_id="next", request_data={"b": 2, "c": 3})), "create")
    item = find(ctx, conversation, user_number=user)
    if item.get("curr_pathway_id") != "pw_one":
        fail(f"curr_pathway_id not given lost its value: {item.get('curr_pathway_id')!r}", Level.INFERRED)
    if item.get("current_node_id") != "next":
        fail(f"current_node_id given did not replace the stored one: {item.get('current_node_id')!r}", Level.DOCUMENTED)
    expected = {**ctx.tag(), "a": 1, "b": 2, "c": 3}
    if item.get("variables") != expected:
        fail(f"variables after two request_data: expected {expected}, got {item.get('variables')}", Level.INFERRED)


INVALID_BODIES: list[tuple[str, dict[str, Any], str, str]] = [
    # (what, changes to a valid body (None drops the field), the mock's error code, the field it names)
    ("missing user_number", {"user_number": None}, "MISSING_REQUIRED_FIELDS", "user_number"),
    ("missing message", {"message": None}, "MISSING_REQUIRED_FIELDS", "message"),
    ("user_number not E.164", {"user_number": "555-0100"}, "INVALID_PHONE_NUMBER", "user_number"),
    ("user_number with spaces", {"user_number": "+1 555 000 1111"}, "INVALID_PHONE_NUMBER", "user_number"),
    ("sender BOT", {"sender": "BOT"}, "INVALID_FIELD", "sender"),
    ("message a number", {"message": 42}, "INVALID_FIELD", "message"),
    ("new_conversation a word", {"new_conversation": "yes"}, "INVALID_FIELD", "new_conversation"),
    ("time_out a word", {"time_out": "soon"}, "INVALID_FIELD", "time_out"),
    ("time_out a float", {"time_out": 1.5}, "INVALID_FIELD", "time_out"),
    ("time_out zero", {"time_out": 0}, "INVALID_FIELD", "time_out"),
    ("request_data a list", {"request_data": [1, 2]}, "INVALID_FIELD", "request_data"),
]


COERCIONS: list[tuple[str, dict[str, Any]]] = [
    # Strings that read as the right type: the mock refuses them, a target may coerce them [mock].
    ("new_conversation the string 'true'", {"new_conversation": "true"}),
    ("time_out the string '30'", {"time_out": "30"}),
]


@check("create.rejects_bad_input", Level.INFERRED, "behaviour")
def create_rejects_bad_input(ctx: KitContext) -> None:
    """Missing fields, bad phone numbers, unknown senders and wrong JSON types get a 4xx envelope."""
    mock_problems = []
    for what, changes, code, field in INVALID_BODIES:
        body = ctx.base_body()
        for key, value in changes.items():
            if value is None:
                body.pop(key)
            else:
                body[key] = value
        exchange = ctx.create(body, tag=False)
        refused(exchange, what)
        try:
            coded(exchange, what, 400, code, field)
        except Violation as violation:
            mock_problems.append(violation.message)
    for what, changes in COERCIONS:
        exchange = ctx.create({**ctx.base_body(), **changes}, tag=False)
        try:
            refused(exchange, what, Level.MOCK)
        except Violation as violation:
            if violation.level is not Level.MOCK:
                raise
            mock_problems.append(violation.message)
    broken = ctx.create('{"user_number": "+15550001111", ', tag=False)
    refused(broken, "a body that is not JSON")
    if mock_problems:
        fail("; ".join(mock_problems), Level.MOCK)


@check("create.rejected_changes_nothing", Level.INFERRED, "behaviour")
def create_rejected_changes_nothing(ctx: KitContext) -> None:
    """A refused create stores nothing and leaves the pair's conversation as it was."""
    user = ctx.user_number()
    conversation = ctx.ok(ctx.create(ctx.base_body(user, message="kept")), "create")["conversation_id"]
    refused(ctx.create(ctx.base_body(user, message="dropped", sender="ROBOT")), "sender ROBOT")
    refused(ctx.create(ctx.base_body(user, message="dropped", time_out=60, warning_time=60)), "warning_time = time_out")
    item = find(ctx, conversation, user_number=user)
    if item.get("message_count") != 1 or item.get("last_message") != "kept":
        fail(
            f"a refused create changed the conversation: {item.get('message_count')} messages, "
            f"last {item.get('last_message')!r}",
            Level.INFERRED,
        )


@check("create.agent_number_ownership", Level.DOCUMENTED, "behaviour")
def create_agent_number_ownership(ctx: KitContext) -> None:
    """An agent number that is not the account's is refused."""
    stranger = ctx.second.agent_number if ctx.second else "+15559990000"
    exchange = ctx.create(ctx.base_body(agent_number=stranger))
    refused(exchange, f"agent_number {stranger} of another account", Level.DOCUMENTED)
    coded(exchange, "foreign agent_number", 400, "AGENT_NUMBER_NOT_FOUND", "agent_number")


@check("create.invalid_timeout_config", Level.DOCUMENTED, "behaviour")
def create_invalid_timeout_config(ctx: KitContext) -> None:
    """warning_time not below the effective time_out is refused (400 INVALID_TIMEOUT_CONFIG in the mock)."""
    for what, extra in (
        ("warning_time = time_out", {"time_out": 120, "warning_time": 120}),
        ("warning_time > time_out", {"time_out": 60, "warning_time": 90}),
    ):
        exchange = ctx.create(ctx.base_body(sender="AGENT", **extra))
        refused(exchange, what, Level.DOCUMENTED)
        coded(exchange, what, 400, "INVALID_TIMEOUT_CONFIG", "warning_time")
    accepted = ctx.create(ctx.base_body(sender="AGENT", time_out=120, warning_time=60))
    ctx.ok(accepted, "warning_time below time_out")
