"""Checks of `GET /v1/sms/numbers` and `POST /v1/sms/number/update`.

The update check changes the agent number's `sms_config` only with `--allow-number-updates` (or, on a mock,
in the account the kit added for itself), and puts the previous settings back at the end.
"""

from __future__ import annotations

from typing import Any

from bland_sms_mock.contracts.kit.checks.create import refused
from bland_sms_mock.contracts.kit.context import KitAccount, KitContext, Violation, fail
from bland_sms_mock.contracts.kit.registry import check
from bland_sms_mock.contracts.models.api import TIMEOUT_SETTINGS, Level, NumberItem, SmsConfig

NUMBER_FIELDS = tuple(NumberItem.model_fields)
SETTINGS = tuple(SmsConfig.model_fields)


def number_items(ctx: KitContext, account: KitAccount | None = None) -> list[dict[str, Any]]:
    """The `data` of `GET /v1/sms/numbers`: a list of numbers, each with its documented fields.

    Raises:
        Violation: documented level; refused, or an item lacks a field or has the wrong type.
    """
    exchange = ctx.numbers(account=account)
    data = ctx.ok(exchange, "listing the account's numbers")
    if not isinstance(data, list) or exchange.json.get("errors") is not None:
        fail(f"the answer must be {{data: [numbers], errors: null}}: {exchange.response_line(300)}", Level.DOCUMENTED)
    for item in data:
        count = item.get("conversation_count") if isinstance(item, dict) else None
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("phone_number"), str)
            or not isinstance(item.get("sms_config"), dict)
            or not isinstance(count, int)
            or isinstance(count, bool)
            or count < 0
        ):
            fail(f"a number must carry phone_number, an sms_config object and a count: {item}", Level.DOCUMENTED)
    return data


def settings_of(ctx: KitContext, account: KitAccount | None = None) -> dict[str, Any]:
    """The `sms_config` the numbers list shows for the account's agent number.

    Raises:
        Violation: documented level; the account's own number is not listed.
    """
    account = account or ctx.primary
    found = [n for n in number_items(ctx, account) if n["phone_number"] == account.agent_number]
    if not found:
        fail(f"the account's own number {account.agent_number} is not listed", Level.DOCUMENTED)
    return found[0]["sms_config"]


@check("numbers.list", Level.DOCUMENTED, "behaviour", writes=False)
def numbers_list(ctx: KitContext) -> None:
    """The account's numbers, each with phone_number, sms_config and conversation_count; no other account's.

    Rules: numbers.list [documented]; numbers.list.own [inferred]; numbers.sms_config,
    numbers.conversation_count, numbers.channel [mock].
    """
    items = number_items(ctx)
    phones = [n["phone_number"] for n in items]
    if ctx.primary.agent_number not in phones:
        fail(f"the account's own number {ctx.primary.agent_number} is not listed: {phones}", Level.DOCUMENTED)
    if ctx.second is not None and ctx.second.agent_number in phones:
        fail(f"another account's number {ctx.second.agent_number} is listed", Level.INFERRED)
    mine = next(n for n in items if n["phone_number"] == ctx.primary.agent_number)
    if ctx.own_accounts:
        judge_own_number(ctx, phones, mine)
    missing = [name for name in SETTINGS if name not in mine["sms_config"]]
    if missing:
        ctx.note(Violation(f"the mock shows every setting, null where unset; missing {missing}", Level.MOCK))
    for channel, status in (("whatsapp", 200), ("fax", 400)):
        exchange = ctx.numbers({"channel": channel})
        if exchange.status != status or (status == 200 and exchange.data != []):
            ctx.note(
                Violation(
                    f"?channel={channel}: the mock answers {status}, got {exchange.response_line(160)}", Level.MOCK
                )
            )


def judge_own_number(ctx: KitContext, phones: list[str], mine: dict[str, Any]) -> None:
    """In the kit's own mock account: one number, its timer settings as set, its count of conversations."""
    if phones != [ctx.primary.agent_number]:
        fail(f"the kit's account has one number, but the list shows {phones}", Level.INFERRED)
    shown = {name: mine["sms_config"].get(name) for name in TIMEOUT_SETTINGS}
    if shown != {name: ctx.primary.sms_config.get(name) for name in TIMEOUT_SETTINGS}:
        fail(f"the number's timer settings are {shown}, not the ones it was given", Level.INFERRED)
    counted = ctx.list({"pageSize": 1}, scoped=False).pagination or {}
    if counted.get("totalItems") != mine["conversation_count"]:
        message = f"conversation_count {mine['conversation_count']} is not the {counted.get('totalItems')} listed"
        ctx.note(Violation(message, Level.MOCK))


@check("numbers.update", Level.DOCUMENTED, "behaviour")
def numbers_update(ctx: KitContext) -> None:
    """A number update changes the settings it names, keeps the rest, clears a null; a bad one changes nothing.

    Rules: numbers.update, numbers.update.timeout_config [documented]; numbers.update.partial [inferred];
    numbers.update.not_found, numbers.update.kit [mock]. Runs only with --allow-number-updates (or in the
    kit's own account on a mock) and puts the number's timer settings back at the end.
    """
    ctx.may_update_numbers()
    previous = settings_of(ctx)
    try:
        exercise_update(ctx, previous)
    finally:
        restore(ctx, previous)


def exercise_update(ctx: KitContext, previous: dict[str, Any]) -> None:
    """Change warning_message, clear it with null, try an invalid config and another account's number."""
    marker = f"kit {ctx.run_id}: are you there?"
    number = ctx.primary.agent_number
    data = ctx.ok(ctx.update_number({"phone_number": number, "warning_message": marker}), "a number update")
    config = data.get("sms_config") if isinstance(data, dict) else None
    if not isinstance(config, dict) or not isinstance(data.get("message"), str):
        fail(f"the answer must be data.message and data.sms_config: {data}", Level.DOCUMENTED)
    expected = {**{name: previous.get(name) for name in TIMEOUT_SETTINGS}, "warning_message": marker}
    for shown, where in ((config, "the answer"), (settings_of(ctx), "the numbers list")):
        got = {name: shown.get(name) for name in TIMEOUT_SETTINGS}
        if got != expected:
            level = Level.DOCUMENTED if got["warning_message"] != marker else Level.INFERRED
            fail(f"after updating warning_message alone {where} shows {got}, expected {expected}", level)
    ctx.ok(ctx.update_number({"phone_number": number, "warning_message": None}), "a number update clearing a setting")
    if settings_of(ctx).get("warning_message") is not None:
        fail("a setting sent as null was not cleared", Level.INFERRED)
    judge_refused_updates(ctx, number)


def judge_refused_updates(ctx: KitContext, number: str) -> None:
    """warning_time not below time_out is refused and changes nothing; another's number is refused [mock codes]."""
    before = settings_of(ctx)
    bad = ctx.update_number({"phone_number": number, "time_out": 10, "warning_time": 20})
    refused(bad, "a number update with warning_time above time_out", Level.DOCUMENTED)
    if bad.status != 400 or "INVALID_TIMEOUT_CONFIG" not in bad.error_codes:
        ctx.note(Violation(f"the mock answers 400 INVALID_TIMEOUT_CONFIG, got {bad.response_line(160)}", Level.MOCK))
    if settings_of(ctx) != before:
        fail("a refused number update changed the settings", Level.DOCUMENTED)
    stranger = ctx.second.agent_number if ctx.own_accounts and ctx.second else ctx.user_number()
    foreign = ctx.update_number({"phone_number": stranger, "warning_message": "kit: not yours"})
    refused(foreign, f"updating {stranger}, a number the account does not own", Level.INFERRED)
    if foreign.status != 404 or "NUMBER_NOT_FOUND" not in foreign.error_codes:
        ctx.note(Violation(f"the mock answers 404 NUMBER_NOT_FOUND, got {foreign.response_line(160)}", Level.MOCK))


def restore(ctx: KitContext, previous: dict[str, Any]) -> None:
    """Put the number's four timer settings back as they were (null where unset), and make sure they are.

    Raises:
        Violation: documented level; the target refused the restore or shows other settings afterwards.
    """
    body = {"phone_number": ctx.primary.agent_number, **{name: previous.get(name) for name in TIMEOUT_SETTINGS}}
    exchange = ctx.update_number(body)
    shown = settings_of(ctx) if exchange.status == 200 else {}
    if any(shown.get(name) != previous.get(name) for name in TIMEOUT_SETTINGS):
        fail(f"the number's settings could not be put back to {body}: {exchange.response_line(200)}", Level.DOCUMENTED)
