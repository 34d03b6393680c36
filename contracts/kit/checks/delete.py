"""Checks of `DELETE /v1/sms/conversations/{id}` and `DELETE /v1/sms/conversations/{id}/messages`.

The kit deletes only conversations (and messages of conversations) it created in this run.
"""

from __future__ import annotations

from typing import Any

from bland_sms_mock.contracts.client import Exchange
from bland_sms_mock.contracts.kit.checks.conversation import history, not_found, read_record
from bland_sms_mock.contracts.kit.checks.create import find, find_all, refused
from bland_sms_mock.contracts.kit.checks.timeouts import KIT_SMS_CONFIG
from bland_sms_mock.contracts.kit.checks.update import agent_asks
from bland_sms_mock.contracts.kit.context import KitContext, Violation, fail
from bland_sms_mock.contracts.kit.registry import check
from bland_sms_mock.contracts.models.api import Level, timestamp_ms

DELETED_MESSAGE = "Conversation and all associated messages deleted successfully"


def confirmation(ctx: KitContext, exchange: Exchange, what: str) -> dict[str, Any]:
    """The `data` of a successful delete: `{data: {message, ...}, errors: null}`.

    Raises:
        Violation: documented level; refused or another shape.
    """
    data = ctx.ok(exchange, what)
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("message"), str)
        or exchange.json.get("errors") is not None
    ):
        fail(
            f"{what}: the answer must be {{data: {{message, ...}}, errors: null}}: {exchange.response_line(300)}",
            Level.DOCUMENTED,
        )
    return data


@check("delete.removes", Level.DOCUMENTED, "behaviour")
def delete_removes(ctx: KitContext) -> None:
    """A deleted conversation leaves lists, filters and counts, reads as 404, and its pair starts anew.

    Rules: delete.removes, delete.response [documented]; delete.everywhere, delete.pair, delete.timers
    [inferred]; delete.not_found [mock] (a second delete, and another account's conversation).
    """
    user = ctx.user_number()
    conversation = agent_asks(ctx, user)
    data = confirmation(ctx, ctx.delete(conversation), "deleting a conversation")
    if data["message"] != DELETED_MESSAGE:
        fail(f"data.message must be {DELETED_MESSAGE!r}, got {data['message']!r}", Level.DOCUMENTED)
    gone = ctx.read(conversation)
    if gone.status == 200:
        fail(f"the deleted conversation can still be read: {gone.response_line(200)}", Level.DOCUMENTED)
    not_found(ctx, gone, "reading a deleted conversation", Level.INFERRED)
    filtered = ctx.list({"filters": [{"field": "user_number", "operator": "eq", "value": user}]})
    if ctx.ok(filtered, "list") or (filtered.pagination or {}).get("totalItems") != 0:
        fail(f"the deleted conversation is still listed or counted: {filtered.response_line(300)}", Level.INFERRED)
    if ctx.has_clock:
        ctx.move_clock(KIT_SMS_CONFIG["time_out"] + 60)
        if conversation in ctx.cache["fired"]:
            fail("a timer of the deleted conversation fired", Level.INFERRED)
    fresh = ctx.ok(ctx.create(ctx.base_body(user, message="kit: after the delete")), "create")["conversation_id"]
    items = find_all(ctx, user)
    if fresh == conversation or [(i.get("id"), i.get("message_count")) for i in items] != [(fresh, 1)]:
        fail(f"after deleting the pair's conversation a create must start a new one: {items}", Level.INFERRED)
    judge_repeat_and_foreign(ctx, conversation)


def judge_repeat_and_foreign(ctx: KitContext, deleted: str) -> None:
    """A second delete is 404 [mock]; another account's conversation is refused and stays [inferred]."""
    again = ctx.delete(deleted)
    ctx.noting(lambda: not_found(ctx, again, "deleting a deleted conversation", Level.MOCK))
    if ctx.second is None:
        return
    body = {"user_number": ctx.user_number(), "agent_number": ctx.second.agent_number, "message": "kit: theirs"}
    theirs = ctx.ok(ctx.create(body, account=ctx.second), "create with the second key")["conversation_id"]
    exchange = ctx.delete(theirs)
    if exchange.status < 300 or ctx.read(theirs, account=ctx.second).status != 200:
        fail(
            f"a DELETE of another account's conversation was accepted or removed it: {exchange.response_line(200)}",
            Level.INFERRED,
        )
    ctx.noting(lambda: not_found(ctx, exchange, "deleting another account's conversation", Level.MOCK))


def ids_of(record: dict[str, Any]) -> list[Any]:
    """The ids of a conversation's messages, oldest first."""
    return [m.get("id") for m in record["messages"] if isinstance(m, dict)]


def kept_texts(record: dict[str, Any]) -> list[Any]:
    """The texts of a conversation's messages, oldest first."""
    return [m.get("message") for m in record["messages"] if isinstance(m, dict)]


@check("messages.delete", Level.DOCUMENTED, "behaviour")
def messages_delete(ctx: KitContext) -> None:
    """Deleting messages counts them, removes them from the history, and the item's counts follow.

    Rules: messages.delete, messages.delete.response, messages.delete.non_empty [documented];
    messages.delete.counts, messages.delete.not_found [inferred]; messages.delete.ids, messages.delete.keeps [mock].
    """
    user = ctx.user_number()
    conversation = history(ctx, user)
    before = read_record(ctx, conversation)
    _, two, three = ids_of(before)
    data = confirmation(ctx, ctx.delete_messages(conversation, {"message_ids": [two]}), "deleting a message")
    if data.get("deleted_count") != 1:
        fail(f"deleting one message must answer deleted_count 1, got {data.get('deleted_count')!r}", Level.DOCUMENTED)
    if data["message"] != "1 message marked as deleted":
        ctx.note(
            Violation(f"the mock's message reads '1 message marked as deleted', got {data['message']!r}", Level.MOCK)
        )
    judge_left(ctx, conversation, user, ["kit: one", "kit: three"], before)
    as_given = int(three) if isinstance(three, str) and three.isdigit() else three
    exchange = ctx.delete_messages(conversation, {"message_ids": [as_given, f"kit-missing-{ctx.run_id}"]})
    if exchange.status != 200 or (exchange.data or {}).get("deleted_count") != 1:
        ctx.note(
            Violation(
                f"an integer id and an unknown one: the mock deletes 1, got {exchange.response_line(160)}", Level.MOCK
            )
        )
        confirmation(ctx, ctx.delete_messages(conversation, {"message_ids": [three]}), "deleting a message")
    judge_left(ctx, conversation, user, ["kit: one"], before)
    judge_refused_bodies(ctx, conversation, user, before)
    judge_foreign_messages(ctx)


def judge_left(ctx: KitContext, conversation: str, user: str, left: list[str], before: dict[str, Any]) -> None:
    """The history holds `left`; count, last message and its time follow; updated_at and activity stay [mock]."""
    record = read_record(ctx, conversation)
    if kept_texts(record) != left:
        fail(f"after deleting messages the history must be {left}, got {kept_texts(record)}", Level.DOCUMENTED)
    item = find(ctx, conversation, user_number=user)
    last_at = record["messages"][-1].get("created_at")
    shown = (item.get("message_count"), item.get("last_message"), _ms(item.get("last_message_at")))
    if shown != (len(left), left[-1], _ms(last_at)):
        fail(f"message_count, last_message, last_message_at must follow the messages left: {shown}", Level.INFERRED)
    if (item.get("is_active"), _ms(item.get("updated_at"))) != (before["is_active"], _ms(before["updated_at"])):
        ctx.note(Violation("deleting messages changed is_active or updated_at", Level.MOCK))


def _ms(text: Any) -> int | None:
    return timestamp_ms(text) if isinstance(text, str) else None


def judge_refused_bodies(ctx: KitContext, conversation: str, user: str, before: dict[str, Any]) -> None:
    """An empty or missing message_ids is refused (400 MISSING_REQUIRED_FIELDS or INVALID_FIELD) and deletes nothing."""
    for what, body in (("an empty message_ids", {"message_ids": []}), ("no message_ids", {})):
        exchange = ctx.delete_messages(conversation, body)
        refused(exchange, f"deleting messages with {what}", Level.DOCUMENTED)
        if exchange.status != 400 or not {"MISSING_REQUIRED_FIELDS", "INVALID_FIELD"} & set(exchange.error_codes):
            ctx.note(
                Violation(f"{what}: the mock answers 400 with its code, got {exchange.response_line(160)}", Level.MOCK)
            )
    if find(ctx, conversation, user_number=user).get("message_count") != 1:
        fail("a refused delete of messages changed the conversation", Level.INFERRED)


def judge_foreign_messages(ctx: KitContext) -> None:
    """Deleting another account's messages is 404 CONVERSATION_NOT_FOUND and deletes nothing."""
    if ctx.second is None:
        return
    body = {"user_number": ctx.user_number(), "agent_number": ctx.second.agent_number, "message": "kit: theirs"}
    theirs = ctx.ok(ctx.create(body, account=ctx.second), "create with the second key")["conversation_id"]
    ids = ids_of(read_record(ctx, theirs, account=ctx.second))
    exchange = ctx.delete_messages(theirs, {"message_ids": ids})
    not_found(ctx, exchange, "deleting messages of another account's conversation", Level.INFERRED)
    if kept_texts(read_record(ctx, theirs, account=ctx.second)) != ["kit: theirs"]:
        fail("a refused delete by another account removed its messages", Level.INFERRED)
