"""Checks of authentication and of isolation between accounts."""

from __future__ import annotations

from bland_sms_mock.contracts.kit.checks.create import coded, refused
from bland_sms_mock.contracts.kit.checks.paging import list_all
from bland_sms_mock.contracts.kit.context import KitContext, Skip, fail
from bland_sms_mock.contracts.kit.registry import check
from bland_sms_mock.contracts.models.api import Level


@check("auth.required", Level.DOCUMENTED, "behaviour", writes=False)
def auth_required(ctx: KitContext) -> None:
    """Both endpoints refuse a missing or unknown key and give it no data (401 AUTH_FAILURE in the mock)."""
    cases = [
        ("list with no key", ctx.primary.client.list({}, api_key=None)),
        ("list with an unknown key", ctx.primary.client.list({}, api_key=f"sk-unknown-{ctx.run_id}")),
    ]
    if not ctx.read_only:
        body = ctx.base_body()
        cases.append(("create with no key", ctx.primary.client.create(body, api_key=None)))
    for what, exchange in cases:
        ctx.record(exchange)
        if exchange.status == 200 or exchange.data:
            fail(f"{what} got data: {exchange.response_line(300)}", Level.DOCUMENTED)
        refused(exchange, what, Level.DOCUMENTED)
    for what, exchange in cases:
        coded(exchange, what, 401, "AUTH_FAILURE")
    bearer = ctx.record(ctx.primary.client.list({"pageSize": 1}, api_key=f"Bearer {ctx.primary.api_key}"))
    if bearer.status != 200:
        fail(f"a key sent as 'Bearer <key>' was refused ({bearer.response_line(160)})", Level.MOCK)


@check("auth.isolation", Level.INFERRED, "behaviour")
def auth_isolation(ctx: KitContext) -> None:
    """An account sees only its own conversations; the same customer gets one conversation per account."""
    if ctx.second is None:
        raise Skip("needs --second-api-key and --second-agent-number on a target that is not a mock")
    user = ctx.user_number()
    mine = ctx.ok(ctx.create(ctx.base_body(user, message="for the first account")), "create")["conversation_id"]
    body = {"user_number": user, "agent_number": ctx.second.agent_number, "message": "for the second account"}
    theirs = ctx.ok(ctx.create(body, account=ctx.second), "create with the second key")["conversation_id"]
    if theirs == mine:
        fail("two accounts writing to the same customer share one conversation", Level.INFERRED)
    seen_first = {i.get("id") for i in list_all(ctx) if isinstance(i, dict)}
    seen_second = {i.get("id") for i in list_all(ctx, account=ctx.second) if isinstance(i, dict)}
    if theirs in seen_first or mine in seen_second:
        fail("an account's list shows another account's conversation", Level.INFERRED)
    if mine not in seen_first or theirs not in seen_second:
        fail("an account's list lacks its own conversation", Level.INFERRED)
    filtered = ctx.ok(
        ctx.list({"filters": [{"field": "agent_number", "operator": "eq", "value": ctx.second.agent_number}]}), "list"
    )
    if filtered:
        fail("filtering on another account's agent number found conversations", Level.INFERRED)
