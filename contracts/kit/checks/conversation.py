"""Checks of `GET /v1/sms/conversations/{id}`: one conversation's fields and messages, and 404 for another's.

Also the helpers other checks read one conversation with (`read_record`) and judge a not-found answer with
(`not_found`).
"""

from __future__ import annotations

from typing import Any

from bland_sms_mock.contracts.client import Exchange
from bland_sms_mock.contracts.kit.checks.create import find, refused
from bland_sms_mock.contracts.kit.context import KitAccount, KitContext, Skip, Violation, fail
from bland_sms_mock.contracts.kit.registry import check
from bland_sms_mock.contracts.models.api import (
    ConversationItem,
    ConversationMessage,
    ConversationRecord,
    Level,
    parse_timestamp,
    timestamp_ms,
)

DOCUMENTED_FIELDS = (
    "id",
    "created_at",
    "updated_at",
    "user_number",
    "agent_number",
    "variables",
    "current_node_id",
    "curr_pathway_id",
    "curr_pathway_version",
    "timed_out_at",
    "is_active",
    "messages",
)
"""The fields the reference names for one conversation (`conversation.fields`); the rest are [mock]."""
RECORD_FIELDS = tuple(ConversationRecord.model_fields)
ITEM_FIELDS = tuple(ConversationItem.model_fields)
MESSAGE_FIELDS = tuple(info.alias or name for name, info in ConversationMessage.model_fields.items())
MOCK_MESSAGE_FIELDS = ("text",)
"""`conversation.messages.text` [mock]: the text again under the name Bland's CLI reads."""
NOT_FOUND = "CONVERSATION_NOT_FOUND"


def read_record(ctx: KitContext, conversation_id: str, account: KitAccount | None = None) -> dict[str, Any]:
    """The `data` of `GET /v1/sms/conversations/{id}`: a conversation with its `messages` list.

    Raises:
        Violation: documented level; the target refused to show it or answered another shape.
    """
    data = ctx.ok(ctx.read(conversation_id, account=account), f"reading conversation {conversation_id}")
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        fail(f"conversation {conversation_id}: data must be the conversation with a messages list", Level.DOCUMENTED)
    return data


def not_found(ctx: KitContext, exchange: Exchange, what: str, level: Level) -> None:
    """A refusal that is `404`, judged at `level`; its code `CONVERSATION_NOT_FOUND` is a [mock] note.

    The reference names the code, but under the `error` key, whose name is a [mock] choice
    (`envelope.error_keys`): a target that carries its codes otherwise gets the benefit of the doubt.
    """
    refused(exchange, what, level)
    if exchange.status != 404:
        fail(f"{what}: expected 404, got {exchange.response_line(200)}", level)
    if NOT_FOUND not in exchange.error_codes:
        ctx.note(Violation(f"{what}: expected the code {NOT_FOUND}, got {exchange.error_codes}", Level.MOCK))


def message_id_ok(value: Any) -> bool:
    """A message id as the contract allows it: a non-empty string or an integer (`conversation.message_id`)."""
    return (isinstance(value, str) and value != "") or (isinstance(value, int) and not isinstance(value, bool))


def history(ctx: KitContext, user: str, tick: bool = True) -> str:
    """A conversation of three messages, USER `kit: one`, AGENT `kit: two`, USER `kit: three`; return its id."""
    first = ctx.base_body(
        user, message="kit: one", curr_pathway_id="pw_read", curr_pathway_version="v3", current_node_id="n1"
    )
    conversation = ctx.ok(ctx.create(first), "create")["conversation_id"]
    for body in (ctx.base_body(user, message="kit: two", sender="AGENT"), ctx.base_body(user, message="kit: three")):
        if tick and ctx.has_clock:
            ctx.move_clock(1)
        ctx.ok(ctx.create(body), "create")
    return conversation


@check("conversation.read", Level.DOCUMENTED, "behaviour")
def conversation_read(ctx: KitContext) -> None:
    """One conversation: {data, errors: null}, its documented fields, messages oldest first, same values as its item.

    Rules: conversation.response, conversation.fields, conversation.messages [documented];
    conversation.messages.direction, conversation.same_as_list [inferred]; conversation.fields.more,
    conversation.message_id, conversation.messages.status, conversation.messages.text [mock].
    """
    user = ctx.user_number()
    conversation = history(ctx, user)
    exchange = ctx.read(conversation)
    data = ctx.ok(exchange, "reading one conversation")
    if not isinstance(data, dict) or exchange.json.get("errors") is not None:
        fail("the answer must be {data: conversation, errors: null}", Level.DOCUMENTED)
    missing = [name for name in DOCUMENTED_FIELDS if name not in data]
    if missing:
        fail(f"conversation {conversation} lacks the documented fields {missing}", Level.DOCUMENTED)
    if data["id"] != conversation or data["curr_pathway_version"] != "v3" or data["timed_out_at"] is not None:
        fail(
            f"id, curr_pathway_version or timed_out_at is wrong: {[data['id'], data['curr_pathway_version']]}, "
            f"timed_out_at {data['timed_out_at']!r}",
            Level.INFERRED,
        )
    judge_messages(ctx, data, user)
    judge_same_as_item(ctx, data, find(ctx, conversation, user_number=user))
    extra = [name for name in RECORD_FIELDS if name not in data]
    if extra or data.get("disposition_logs") != []:
        ctx.note(Violation(f"the mock also shows {extra or 'disposition_logs: []'}", Level.MOCK, [exchange]))


def judge_messages(ctx: KitContext, data: dict[str, Any], user: str) -> None:
    """The history of `history()`: oldest first, each message's fields, senders, direction, ids."""
    messages = data["messages"]
    if [m.get("message") if isinstance(m, dict) else m for m in messages] != ["kit: one", "kit: two", "kit: three"]:
        fail(f"messages must be the history oldest first, got {messages}", Level.DOCUMENTED)
    agent = ctx.primary.agent_number
    for message, sender in zip(messages, ("USER", "AGENT", "USER"), strict=True):
        missing = [name for name in MESSAGE_FIELDS if name not in message and name not in MOCK_MESSAGE_FIELDS]
        if missing or message.get("sender") != sender:
            fail(f"message {message} lacks {missing} or its sender is not {sender}", Level.DOCUMENTED)
        try:
            parse_timestamp(message["created_at"])
        except (ValueError, TypeError):
            fail(f"message created_at {message['created_at']!r} is not an ISO 8601 timestamp", Level.DOCUMENTED)
        ends = (agent, user) if sender == "AGENT" else (user, agent)
        if (message["from"], message["to"]) != ends:
            fail(f"a {sender} message goes from {ends[0]} to {ends[1]}, not {message}", Level.INFERRED)
        status = "delivered" if sender == "AGENT" else None
        if message.get("text") != message["message"] or message["status"] != status or message["error_code"]:
            ctx.note(Violation(f"the mock's text, status and error_code differ: {message}", Level.MOCK))
    ids = [m["id"] for m in messages]
    if not all(message_id_ok(i) for i in ids) or len({str(i) for i in ids}) != len(ids):
        fail(f"message ids must be distinct strings or integers, got {ids}", Level.INFERRED)


def judge_same_as_item(ctx: KitContext, data: dict[str, Any], item: dict[str, Any]) -> None:
    """Every field a list item and the conversation both show holds the same value.

    For the fields one conversation shows only by a [mock] choice (`conversation.fields.more`), a
    difference is a [mock] note.
    """
    for name in ITEM_FIELDS:
        if name not in data or name not in item:
            continue
        mine, listed = data[name], item[name]
        if name.endswith("_at") and isinstance(mine, str) and isinstance(listed, str):
            mine, listed = timestamp_ms(mine), timestamp_ms(listed)
        if mine != listed:
            message = f"{name} is {data[name]!r} in the conversation but {item[name]!r} in its list item"
            if name in DOCUMENTED_FIELDS:
                fail(message, Level.INFERRED)
            ctx.note(Violation(message, Level.MOCK))


@check("conversation.not_found", Level.DOCUMENTED, "behaviour", writes=False)
def conversation_not_found(ctx: KitContext) -> None:
    """An unknown id, and another account's conversation, are 404 CONVERSATION_NOT_FOUND and show nothing.

    Rules: conversation.not_found [documented]. In --read-only mode it reads an unknown id, and one of the
    account's conversations to be sure the operation works at all.
    """
    not_found(ctx, ctx.read(f"kit-missing-{ctx.run_id}"), "reading an unknown conversation id", Level.DOCUMENTED)
    if ctx.read_only:
        listed = ctx.ok(ctx.list({"pageSize": 1}), "list")
        if not listed:
            raise Skip("--read-only and the account has no conversation to read: a 404 proves nothing then")
        read_record(ctx, listed[0].get("id"))
        return
    if ctx.second is not None:
        body = {"user_number": ctx.user_number(), "agent_number": ctx.second.agent_number, "message": "kit: theirs"}
        theirs = ctx.ok(ctx.create(body, account=ctx.second), "create with the second key")["conversation_id"]
        exchange = ctx.read(theirs)
        if exchange.status == 200 or exchange.data:
            fail(f"another account's conversation was shown: {exchange.response_line(300)}", Level.DOCUMENTED)
        not_found(ctx, exchange, "reading another account's conversation", Level.DOCUMENTED)
