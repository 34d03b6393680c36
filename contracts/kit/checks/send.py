"""Checks of `POST /v1/sms/send`: the AGENT message it keeps, joining and opening conversations, pathway
fields and variables, its timer, validation, idempotency keys and the older field names.

Every send counts against `--max-creates`, carries the run's tag in `request_data`, and goes to a user
number of this run's own.
"""

from __future__ import annotations

import secrets
from typing import Any

from bland_sms_mock.contracts.client import Exchange
from bland_sms_mock.contracts.kit.checks.conversation import message_id_ok, read_record
from bland_sms_mock.contracts.kit.checks.create import coded, find, find_all, refused
from bland_sms_mock.contracts.kit.checks.timeouts import KIT_SMS_CONFIG, REAL_TIMES, ready, wait
from bland_sms_mock.contracts.kit.context import KitContext, Violation, fail
from bland_sms_mock.contracts.kit.registry import check
from bland_sms_mock.contracts.models.api import Level

SENT_MESSAGE = "SMS sent successfully"


def sent(ctx: KitContext, exchange: Exchange, what: str = "send") -> dict[str, Any]:
    """The `data` of an accepted send, with a non-empty `conversation_id`.

    Raises:
        Violation: documented level; the send was refused or its answer lacks the conversation id.
    """
    data = ctx.ok(exchange, what)
    if not isinstance(data, dict) or not isinstance(data.get("conversation_id"), str) or not data["conversation_id"]:
        fail(
            f"{what}: data.conversation_id must be a non-empty string: {exchange.response_line(300)}", Level.DOCUMENTED
        )
    return data


def sent_id(data: dict[str, Any]) -> Any:
    """The id of what was sent: `message_id`, or `workflow_id` (the reference shows both), else None."""
    for key in ("message_id", "workflow_id"):
        if message_id_ok(data.get(key)):
            return data[key]
    return None


def texts(record: dict[str, Any]) -> list[tuple[Any, Any]]:
    """(sender, text) of each message of a conversation, oldest first."""
    return [(m.get("sender"), m.get("message")) for m in record["messages"] if isinstance(m, dict)]


@check("send.stores", Level.DOCUMENTED, "behaviour")
def send_stores(ctx: KitContext) -> None:
    """A send answers 200 with a message, the conversation_id and an id of what was sent, and keeps an AGENT message.

    Rules: send.stores, send.response, send.agent_message [documented]; send.response.message_id [mock]
    (`message_id` or `workflow_id` is accepted; the mock's message_id is the stored message's id);
    send.fields.old_names [mock] (`phone_number`, `from`, `message`, the current names winning).
    """
    user = ctx.user_number()
    exchange = ctx.send(ctx.send_body(user, agent_message="kit: sent"))
    data = sent(ctx, exchange)
    if exchange.json.get("errors") is not None or not isinstance(data.get("message"), str):
        fail("the answer must be {data: {message, conversation_id, ...}, errors: null}", Level.DOCUMENTED)
    if sent_id(data) is None:
        fail(f"data has neither a message_id nor a workflow_id: {exchange.response_line(300)}", Level.DOCUMENTED)
    if data["message"] != SENT_MESSAGE:
        ctx.note(Violation(f"data.message is {data['message']!r}, the mock's is {SENT_MESSAGE!r}", Level.MOCK))
    record = read_record(ctx, data["conversation_id"])
    if texts(record) != [("AGENT", "kit: sent")]:
        fail(f"the conversation must hold the sent text as one AGENT message, got {texts(record)}", Level.DOCUMENTED)
    stored = record["messages"][-1].get("id")
    if "message_id" in data and str(data["message_id"]) != str(stored):
        ctx.note(Violation(f"message_id {data['message_id']!r} is not the stored message's id {stored!r}", Level.MOCK))
    item = find(ctx, data["conversation_id"], user_number=user)
    if (item.get("message_count"), item.get("last_message"), item.get("is_active")) != (1, "kit: sent", True):
        fail(f"the list item does not show the sent message: {item}", Level.INFERRED)
    send_without_text(ctx)
    ctx.noting(lambda: send_old_names(ctx))


def send_without_text(ctx: KitContext) -> None:
    """A send without `agent_message` is accepted; the AI's text (the mock's stand-in) is an AGENT message."""
    body = ctx.send_body()
    body.pop("agent_message")
    data = sent(ctx, ctx.send(body), "a send without agent_message")
    record = read_record(ctx, data["conversation_id"])
    kept = texts(record)
    if not kept or kept[-1][0] != "AGENT" or not kept[-1][1]:
        message = f"no AGENT message with a text was kept (the reference's AI may write it later): {kept}"
        ctx.note(Violation(message, Level.MOCK))


@check("send.appends", Level.INFERRED, "behaviour")
def send_appends(ctx: KitContext) -> None:
    """A send joins the pair's active conversation; new_conversation archives it; one active per pair.

    Rules: send.append, send.one_active [inferred]; send.new_conversation [documented].
    """
    user = ctx.user_number()
    created = ctx.ok(ctx.create(ctx.base_body(user, message="kit: user asks")), "create")["conversation_id"]
    for text in ("kit: agent answers", "kit: and again"):
        joined = sent(ctx, ctx.send(ctx.send_body(user, agent_message=text)))["conversation_id"]
        if joined != created:
            fail(f"a send for a pair with an active conversation went to {joined}, not {created}", Level.INFERRED)
    item = find(ctx, created, user_number=user)
    if (item.get("message_count"), item.get("last_message")) != (3, "kit: and again"):
        fail(f"after a create and two sends the item shows {item}", Level.INFERRED)
    fresh = sent(ctx, ctx.send(ctx.send_body(user, agent_message="kit: fresh", new_conversation=True)))
    if fresh["conversation_id"] == created:
        fail("a send with new_conversation true joined the active conversation", Level.DOCUMENTED)
    state = {i.get("id"): i.get("is_active") for i in find_all(ctx, user) if isinstance(i, dict)}
    if state.get(created) is not False or state.get(fresh["conversation_id"]) is not True:
        fail(f"new_conversation must archive {created} and start an active one: {state}", Level.DOCUMENTED)
    other = sent(ctx, ctx.send(ctx.send_body()))["conversation_id"]
    if other in state:
        fail(f"a send for a new pair went to {other}, a conversation of another pair", Level.INFERRED)
    after = ctx.ok(ctx.create(ctx.base_body(user, message="kit: user again")), "create")["conversation_id"]
    if after != fresh["conversation_id"]:
        fail(f"a create after the send went to {after}, not the active {fresh['conversation_id']}", Level.INFERRED)


@check("send.pathway_and_variables", Level.INFERRED, "behaviour")
def send_pathway_and_variables(ctx: KitContext) -> None:
    """request_data merges into variables; pathway_id, pathway_version, start_node_id become the pathway fields.

    Rules: send.request_data [inferred]; send.pathway [mock].
    """
    user = ctx.user_number()
    first = ctx.send_body(user, pathway_id="pw_send", pathway_version=2, start_node_id="greet", request_data={"a": 1})
    conversation = sent(ctx, ctx.send({**first, "request_data": {"a": 1, "b": 1}}))["conversation_id"]
    sent(ctx, ctx.send(ctx.send_body(user, start_node_id="follow_up", request_data={"b": 2, "c": 3})))
    record = read_record(ctx, conversation)
    expected = {**ctx.tag(), "a": 1, "b": 2, "c": 3}
    if record.get("variables") != expected:
        fail(f"variables after two sends: expected {expected}, got {record.get('variables')}", Level.INFERRED)
    pathway = [record.get(k) for k in ("curr_pathway_id", "curr_pathway_version", "current_node_id")]
    if pathway != ["pw_send", "2", "follow_up"]:
        ctx.note(Violation(f"the mock's pathway fields would be pw_send, '2', follow_up: {pathway}", Level.MOCK))


@check("send.timer", Level.DOCUMENTED, "behaviour")
def send_timer(ctx: KitContext) -> None:
    """A send starts the silence timer; its time_out, warning_time and warning_message override the number's.

    Rules: send.timer, send.timeout_overrides [documented]. On a mock the clock moves; elsewhere overrides of
    a few seconds are waited for (`--timeout-checks real`).
    """
    ready(ctx)
    overrides: dict[str, Any] = {"time_out": 120, "warning_time": 60, "warning_message": "kit: send warning"}
    if not ctx.has_clock:
        overrides = {**KIT_SMS_CONFIG, **REAL_TIMES, "warning_message": "kit: send warning"}
    effective = {**KIT_SMS_CONFIG, **overrides}
    user = ctx.user_number()
    conversation = sent(ctx, ctx.send(ctx.send_body(user, agent_message="kit: code?", **overrides)))["conversation_id"]
    wait(ctx, effective["warning_time"])
    item = find(ctx, conversation, user_number=user)
    if (item.get("is_active"), item.get("last_message")) != (True, "kit: send warning"):
        fail(f"warning_time after a send the overriding warning is due: {item}", Level.DOCUMENTED)
    wait(ctx, effective["time_out"] - effective["warning_time"])
    item = find(ctx, conversation, user_number=user)
    if (item.get("is_active"), item.get("last_message")) != (False, effective["timeout_message"]):
        fail(f"time_out after a send the conversation must end with the timeout message: {item}", Level.DOCUMENTED)


INVALID_SENDS: list[tuple[str, dict[str, Any], Level, str, bool]] = [
    # (what, changes to a valid body (None drops the field), level of the refusal, the mock's code, same pair)
    ("missing user_number", {"user_number": None}, Level.DOCUMENTED, "MISSING_REQUIRED_FIELDS", False),
    ("missing agent_number", {"agent_number": None}, Level.DOCUMENTED, "MISSING_REQUIRED_FIELDS", False),
    ("user_number not E.164", {"user_number": "555-0100"}, Level.DOCUMENTED, "INVALID_PHONE_NUMBER", False),
    ("warning_time = time_out", {"time_out": 60, "warning_time": 60}, Level.DOCUMENTED, "INVALID_TIMEOUT_CONFIG", True),
    ("channel fax", {"channel": "fax"}, Level.DOCUMENTED, "INVALID_FIELD", True),
    ("blank agent_message", {"agent_message": "   "}, Level.MOCK, "INVALID_FIELD", False),
]


@check("send.rejects_bad_input", Level.DOCUMENTED, "behaviour")
def send_rejects_bad_input(ctx: KitContext) -> None:
    """Missing or bad numbers, a foreign agent_number, warning_time >= time_out, an unknown channel are refused.

    Rules: send.fields.required, send.timeout_config, send.channel [documented]; send.rejected_changes_nothing
    [inferred]; send.agent_message.rules and the codes [mock]. A refused send changes no conversation.
    """
    user = ctx.user_number()
    conversation = sent(ctx, ctx.send(ctx.send_body(user, agent_message="kit: kept")))["conversation_id"]
    stranger = ctx.second.agent_number if ctx.second else "+15559990000"
    foreign = (
        "agent_number of another account",
        {"agent_number": stranger},
        Level.DOCUMENTED,
        "AGENT_NUMBER_NOT_FOUND",
    )
    cases = [*INVALID_SENDS, (*foreign, False)]
    for what, changes, level, code, same_pair in cases:
        body = ctx.send_body(user if same_pair else None, agent_message=f"kit: dropped ({what})")
        body.update({key: value for key, value in changes.items() if value is not None})
        for key in [key for key, value in changes.items() if value is None]:
            body.pop(key)
        judge_refusal(ctx, ctx.send(body), what, level, code)
    item = find(ctx, conversation, user_number=user)
    if (item.get("message_count"), item.get("last_message")) != (1, "kit: kept"):
        fail(f"a refused send changed the conversation: {item}", Level.INFERRED)


def judge_refusal(ctx: KitContext, exchange: Exchange, what: str, level: Level, code: str) -> None:
    """A refusal at `level`; a refusal below the run's level, and the mock's 400 and code, are notes."""
    try:
        refused(exchange, what, level)
        coded(exchange, what, 400, code)
    except Violation as violation:
        if ctx.binding(violation.level):
            raise
        ctx.note(violation)


@check("send.idempotency", Level.DOCUMENTED, "behaviour")
def send_idempotency(ctx: KitContext) -> None:
    """A send repeated with its idempotency-key succeeds and keeps no second message.

    Rules: send.idempotency.replay [documented]; send.rejected_changes_nothing [inferred];
    send.idempotency.same_answer, send.idempotency.other_body [mock] (the same ids; 409 for another body).
    """
    key = f"kit-{ctx.run_id}-{secrets.token_hex(6)}"
    body = ctx.send_body(agent_message="kit: once", request_data=ctx.tag())
    first = sent(ctx, ctx.send(body, idempotency_key=key))
    again = sent(ctx, ctx.send(body, idempotency_key=key), "the same send repeated with its idempotency-key")
    kept = texts(read_record(ctx, first["conversation_id"]))
    if kept.count(("AGENT", "kit: once")) != 1:
        fail(f"a send repeated with its idempotency-key kept a second message: {kept}", Level.DOCUMENTED)
    if (again["conversation_id"], sent_id(again)) != (first["conversation_id"], sent_id(first)):
        ctx.note(Violation(f"the repeat answered {again}, the first send {first}", Level.MOCK))
    other = ctx.send({**body, "agent_message": "kit: another body"}, idempotency_key=key)
    if other.status != 409 or "IDEMPOTENCY_KEY_REUSED" not in other.error_codes:
        got = other.response_line(200)
        ctx.note(
            Violation(f"the key with another body: the mock answers 409 IDEMPOTENCY_KEY_REUSED, got {got}", Level.MOCK)
        )
    if 400 <= other.status < 500 and len(texts(read_record(ctx, first["conversation_id"]))) != len(kept):
        fail("a send refused for its reused idempotency-key changed the conversation", Level.INFERRED)


def send_old_names(ctx: KitContext) -> None:
    """The older names phone_number, from and message (Bland's CLI) are accepted; the current name wins [mock]."""
    user = ctx.user_number()
    old = {"phone_number": user, "from": ctx.primary.agent_number, "message": "kit: old names"}
    exchange = ctx.send(old)
    if exchange.status != 200:
        fail(f"a send with the older names was answered {exchange.response_line(200)}", Level.MOCK)
    conversation = sent(ctx, exchange)["conversation_id"]
    both = {**old, "phone_number": ctx.user_number(), "user_number": user, "agent_message": "kit: current"}
    again = sent(ctx, ctx.send({**both, "agent_number": ctx.primary.agent_number}))["conversation_id"]
    record = read_record(ctx, conversation)
    if again != conversation or texts(record) != [("AGENT", "kit: old names"), ("AGENT", "kit: current")]:
        fail(f"older and current names: the current ones must win; got {again}, {texts(record)}", Level.MOCK)
