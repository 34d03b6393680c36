"""Checks of the silence timer: warning, timeout, cancellation by a reply, overrides, no reactivation.

On a mock with the clock capability the kit moves the clock (instant, exact); elsewhere, with
`--timeout-checks real`, it uses per-conversation overrides of a few seconds and waits for them.
"""

from __future__ import annotations

import time
from typing import Any

from bland_sms_mock.contracts.kit.checks.create import find
from bland_sms_mock.contracts.kit.context import KitContext, Skip, fail
from bland_sms_mock.contracts.kit.registry import check
from bland_sms_mock.contracts.models.api import Level, format_timestamp, timestamp_ms

KIT_SMS_CONFIG = {
    "time_out": 900,
    "timeout_message": "kit: closing this chat",
    "warning_time": 600,
    "warning_message": "kit: are you still there?",
}
"""The sms_config of the number the kit adds to a mock for itself."""

REAL_TIMES = {"time_out": 4, "warning_time": 2}
"""Seconds of the overrides used on a target without a clock."""


def ready(ctx: KitContext) -> None:
    """Refuse to run a timer check under `--timeout-checks skip` or `--read-only`."""
    if ctx.timeout_checks == "skip":
        raise Skip("--timeout-checks skip")
    ctx.writing()


def wait(ctx: KitContext, seconds: float) -> None:
    """Let `seconds` pass on the target: move the mock's clock, or sleep (plus a margin for its scheduler)."""
    if ctx.has_clock:
        ctx.move_clock(seconds)
    else:
        time.sleep(seconds + 1.5)


def settings(ctx: KitContext) -> dict[str, Any]:
    """The timeout settings in force for a fresh conversation, and the overrides to send to get them."""
    if ctx.has_clock:
        return {"effective": dict(KIT_SMS_CONFIG), "send": {}}
    overrides = {**KIT_SMS_CONFIG, **REAL_TIMES}
    return {"effective": overrides, "send": overrides}


def agent_waits(ctx: KitContext) -> tuple[dict[str, Any], str, str]:
    """Start a conversation with an AGENT message (the timer starts); return its settings, user and id.

    Raises:
        Skip: timeout checks are off, or the run is read-only.
    """
    ready(ctx)
    config = settings(ctx)
    user = ctx.user_number()
    body = ctx.base_body(user, sender="AGENT", message="kit: agent asks", **config["send"])
    return config["effective"], user, ctx.ok(ctx.create(body), "create")["conversation_id"]


@check("timeouts.warning_then_timeout", Level.INFERRED, "behaviour")
def timeouts_warning_then_timeout(ctx: KitContext) -> None:
    """The warning is appended at warning_time and keeps the conversation; at time_out it ends at the due instant."""
    effective, user, conversation = agent_waits(ctx)
    started = timestamp_ms(find(ctx, conversation, user_number=user)["last_message_at"])
    if ctx.has_clock:
        wait(ctx, effective["warning_time"] - 1)
        if find(ctx, conversation, user_number=user)["message_count"] != 1:
            fail("something was appended before warning_time had passed", Level.INFERRED)
        wait(ctx, 1)
    else:
        wait(ctx, effective["warning_time"])
    item = find(ctx, conversation, user_number=user)
    if item.get("is_active") is not True:
        fail("the conversation ended at warning_time; only the warning is due then", Level.INFERRED)
    if item.get("message_count") != 2 or item.get("last_message") != effective["warning_message"]:
        fail(
            f"at warning_time the warning message must be appended: count {item.get('message_count')}, "
            f"last {item.get('last_message')!r}",
            Level.INFERRED,
        )
    wait(ctx, effective["time_out"] - effective["warning_time"] + (60 if ctx.has_clock else 0))
    item = find(ctx, conversation, user_number=user)
    if item.get("is_active") is not False:
        fail("the conversation is still active after time_out seconds of silence", Level.INFERRED)
    if item.get("message_count") != 3 or item.get("last_message") != effective["timeout_message"]:
        fail(
            f"at time_out the timeout message must be appended: count {item.get('message_count')}, "
            f"last {item.get('last_message')!r}",
            Level.INFERRED,
        )
    due = format_timestamp(started + effective["time_out"] * 1000)
    found = ctx.ok(ctx.list({"filters": [{"field": "timed_out_at", "operator": "eq", "value": due}]}), "list")
    if [i.get("id") for i in found] != [conversation]:
        fail(f"filtering timed_out_at eq {due} (the due instant) does not find the conversation", Level.INFERRED)
    again = ctx.ok(ctx.create(ctx.base_body(user, message="kit: user is back")), "create")["conversation_id"]
    if again == conversation:
        fail("a create after the timeout reactivated the timed-out conversation", Level.MOCK)


@check("timeouts.reply_cancels_timer", Level.DOCUMENTED, "behaviour")
def timeouts_reply_cancels_timer(ctx: KitContext) -> None:
    """A USER message cancels the silence timer started by an AGENT message."""
    began = time.monotonic()
    effective, user, conversation = agent_waits(ctx)
    if ctx.has_clock:
        wait(ctx, effective["warning_time"] / 2)
    # In real time the reply follows at once: any real wait before it could let the warning fire first.
    ctx.ok(ctx.create(ctx.base_body(user, message="kit: user answers")), "create")
    if not ctx.has_clock and time.monotonic() - began >= effective["warning_time"]:
        raise Skip(f"the target took {effective['warning_time']} s or more to take an agent message and a reply")
    wait(ctx, effective["time_out"] * (2 if ctx.has_clock else 1))
    item = find(ctx, conversation, user_number=user)
    if item.get("is_active") is not True or item.get("message_count") != 2:
        fail(
            f"after a USER reply the timer still fired: active {item.get('is_active')}, "
            f"{item.get('message_count')} messages",
            Level.DOCUMENTED,
        )


@check("timeouts.overrides", Level.DOCUMENTED, "behaviour")
def timeouts_overrides(ctx: KitContext) -> None:
    """Per-conversation overrides win over the number's sms_config, setting by setting, and persist."""
    ready(ctx)
    if not ctx.has_clock:
        raise Skip("needs a mock's clock (the number's own sms_config is unknown on this target)")
    user = ctx.user_number()
    body = ctx.base_body(
        user, sender="AGENT", message="kit: code?", time_out=120, warning_time=60, warning_message="kit: custom warning"
    )
    conversation = ctx.ok(ctx.create(body), "create")["conversation_id"]
    wait(ctx, 30)
    ctx.ok(ctx.create(ctx.base_body(user, sender="AGENT", message="kit: still waiting")), "create")
    wait(ctx, 60)
    item = find(ctx, conversation, user_number=user)
    if item.get("last_message") != "kit: custom warning":
        fail(
            f"the override warning_message was not used 60 s after the last agent message: "
            f"{item.get('last_message')!r}",
            Level.DOCUMENTED,
        )
    wait(ctx, 60)
    item = find(ctx, conversation, user_number=user)
    if item.get("is_active") is not False or item.get("last_message") != KIT_SMS_CONFIG["timeout_message"]:
        fail(
            "with time_out 120 overridden (and timeout_message not), the conversation must end with the "
            f"number's timeout message: active {item.get('is_active')}, last {item.get('last_message')!r}",
            Level.DOCUMENTED,
        )
