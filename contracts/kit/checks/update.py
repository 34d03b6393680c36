"""Checks of `PATCH /v1/sms/conversations/{id}`: ending a conversation, its timer, its answer, reactivation.

The kit patches only conversations it created in this run.
"""

from __future__ import annotations

from typing import Any

from bland_sms_mock.contracts.client import Exchange
from bland_sms_mock.contracts.kit.checks.conversation import not_found, read_record
from bland_sms_mock.contracts.kit.checks.create import find, refused
from bland_sms_mock.contracts.kit.checks.timeouts import KIT_SMS_CONFIG, ready
from bland_sms_mock.contracts.kit.context import KitContext, Skip, Violation, fail
from bland_sms_mock.contracts.kit.registry import check
from bland_sms_mock.contracts.models.api import Level, format_timestamp, parse_timestamp, timestamp_ms

UPDATED_MESSAGE = "Conversation updated successfully"


def updated(exchange: Exchange, conversation_id: str, is_active: bool) -> dict[str, Any]:
    """The `conversation` of a PATCH answer, as the reference shows it: not wrapped in `data`.

    Raises:
        Violation: documented level; refused, wrapped, or another shape.
    """
    body = exchange.json
    if exchange.status != 200 or not isinstance(body, dict):
        fail(f"PATCH is_active {is_active} was answered {exchange.response_line(300)}", Level.DOCUMENTED)
    shown = body.get("conversation")
    if body.get("message") != UPDATED_MESSAGE or not isinstance(shown, dict):
        fail(
            f'the answer must be {{"message": "{UPDATED_MESSAGE}", "conversation": {{...}}}}, not wrapped in data: '
            f"{exchange.response_line(300)}",
            Level.DOCUMENTED,
        )
    if shown.get("id") != conversation_id or shown.get("is_active") is not is_active:
        fail(f"conversation must show id {conversation_id} and is_active {is_active}: {shown}", Level.DOCUMENTED)
    try:
        parse_timestamp(shown.get("updated_at"))
    except (ValueError, TypeError):
        fail(f"conversation.updated_at {shown.get('updated_at')!r} is not an ISO 8601 timestamp", Level.DOCUMENTED)
    return shown


def agent_asks(ctx: KitContext, user: str) -> str:
    """A conversation whose last message is the AGENT's (its silence timer runs); return its id."""
    body = ctx.base_body(user, sender="AGENT", message="kit: agent asks")
    return ctx.ok(ctx.create(body), "create")["conversation_id"]


@check("update.end", Level.DOCUMENTED, "behaviour")
def update_end(ctx: KitContext) -> None:
    """PATCH is_active false ends the conversation and answers {message, conversation}; the pair starts anew.

    Rules: update.end, update.response, update.not_found [documented]; update.end.pair [inferred];
    update.updated_at, update.is_active.required, update.reactivate [mock].
    """
    user = ctx.user_number()
    conversation = agent_asks(ctx, user)
    now = ctx.move_clock(5) if ctx.has_clock else None
    shown = updated(ctx.patch(conversation, {"is_active": False}), conversation, False)
    if now is not None and timestamp_ms(shown["updated_at"]) != now:
        ctx.note(
            Violation(
                f"updated_at {shown['updated_at']} is not the PATCH's instant {format_timestamp(now)}", Level.MOCK
            )
        )
    if find(ctx, conversation, user_number=user).get("is_active") is not False:
        fail("the list still shows the ended conversation active", Level.DOCUMENTED)
    if read_record(ctx, conversation).get("is_active") is not False:
        fail("the ended conversation still reads as active", Level.DOCUMENTED)
    again = updated(ctx.patch(conversation, {"is_active": False}), conversation, False)
    if again["updated_at"] != shown["updated_at"]:
        ctx.note(Violation("ending an ended conversation moved its updated_at", Level.MOCK))
    after = ctx.ok(ctx.create(ctx.base_body(user, message="kit: user is back")), "create")["conversation_id"]
    if after == conversation:
        fail(f"after ending {conversation}, a create for the pair joined it instead of starting one", Level.INFERRED)
    judge_bad_bodies(ctx, after)
    judge_foreign_patch(ctx)
    ctx.noting(lambda: judge_reactivation(ctx))


def judge_bad_bodies(ctx: KitContext, conversation: str) -> None:
    """A PATCH without a boolean is_active is refused (400 MISSING_REQUIRED_FIELDS or INVALID_FIELD) [mock]."""
    for what, body, code in (
        ("no is_active", {}, "MISSING_REQUIRED_FIELDS"),
        ("is_active 'no'", {"is_active": "no"}, "INVALID_FIELD"),
    ):
        exchange = ctx.patch(conversation, body)
        if exchange.status != 400 or code not in exchange.error_codes:
            ctx.note(
                Violation(
                    f"PATCH with {what}: the mock answers 400 {code}, got {exchange.response_line(160)}", Level.MOCK
                )
            )


def judge_foreign_patch(ctx: KitContext) -> None:
    """Ending another account's conversation is 404 CONVERSATION_NOT_FOUND and leaves it active."""
    if ctx.second is None:
        return
    body = {"user_number": ctx.user_number(), "agent_number": ctx.second.agent_number, "message": "kit: theirs"}
    theirs = ctx.ok(ctx.create(body, account=ctx.second), "create with the second key")["conversation_id"]
    exchange = ctx.patch(theirs, {"is_active": False})
    if exchange.status < 300:
        fail(f"another account's conversation was ended: {exchange.response_line(200)}", Level.DOCUMENTED)
    not_found(ctx, exchange, "ending another account's conversation", Level.DOCUMENTED)
    if read_record(ctx, theirs, account=ctx.second).get("is_active") is not True:
        fail("a refused PATCH by another account ended the conversation", Level.INFERRED)


@check("update.end_cancels_timer", Level.INFERRED, "behaviour")
def update_end_cancels_timer(ctx: KitContext) -> None:
    """Ending a conversation cancels its silence timer: neither warning nor timeout fires afterwards.

    Rules: update.end.timer [inferred]. Needs a mock's clock; without one `update.end` checks the ending.
    """
    ready(ctx)
    if not ctx.has_clock:
        raise Skip("needs a mock's clock to show the timer no longer fires (update.end checks the ending itself)")
    user = ctx.user_number()
    conversation = agent_asks(ctx, user)
    ctx.move_clock(KIT_SMS_CONFIG["warning_time"] / 2)
    updated(ctx.patch(conversation, {"is_active": False}), conversation, False)
    ctx.move_clock(KIT_SMS_CONFIG["time_out"] * 2)
    record = read_record(ctx, conversation)
    kept = [m.get("message") for m in record["messages"] if isinstance(m, dict)]
    if kept != ["kit: agent asks"] or record.get("timed_out_at") is not None or conversation in ctx.cache["fired"]:
        fail(
            f"the timer fired after the conversation was ended: messages {kept}, timed_out_at "
            f"{record.get('timed_out_at')!r}",
            Level.INFERRED,
        )


def judge_reactivation(ctx: KitContext) -> None:
    """is_active true makes an ended conversation active again, unless its pair has another (409) [mock]."""
    user = ctx.user_number()
    conversation = agent_asks(ctx, user)
    updated(ctx.patch(conversation, {"is_active": False}), conversation, False)
    exchange = ctx.patch(conversation, {"is_active": True})
    shown = exchange.json.get("conversation") if isinstance(exchange.json, dict) else None
    if exchange.status != 200 or not isinstance(shown, dict) or shown.get("is_active") is not True:
        fail(f"is_active true on an ended conversation: {exchange.response_line(200)}", Level.MOCK)
    joined = ctx.ok(ctx.create(ctx.base_body(user, message="kit: joins")), "create")["conversation_id"]
    if joined != conversation:
        fail(f"a create after reactivating {conversation} went to {joined}", Level.MOCK)
    updated(ctx.patch(conversation, {"is_active": False}), conversation, False)
    ctx.ok(ctx.create(ctx.base_body(user, message="kit: another")), "create")
    conflict = ctx.patch(conversation, {"is_active": True})
    refused(conflict, "reactivating while the pair has another active conversation", Level.MOCK)
    if conflict.status != 409 or "CONVERSATION_CONFLICT" not in conflict.error_codes:
        fail(f"the mock answers 409 CONVERSATION_CONFLICT, got {conflict.response_line(160)}", Level.MOCK)
