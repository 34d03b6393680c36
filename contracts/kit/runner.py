"""Run the contract kit against a target: detect what it is, set up accounts, run every check, classify.

`run_kit(options)` returns a `KitReport`; `kit.report` prints and writes it; `kit.cli`
is the `check` command around both. A violation below the chosen level is information, never a failure.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bland_sms_mock.contracts.client import (
    CONVERSATION_PATH,
    CREATE_PATH,
    LIST_PATH,
    MESSAGES_PATH,
    NUMBER_UPDATE_PATH,
    NUMBERS_PATH,
    SEND_PATH,
    Client,
    ControlError,
    Exchange,
    TargetUnreachable,
)
from bland_sms_mock.contracts.kit.checks.timeouts import KIT_SMS_CONFIG
from bland_sms_mock.contracts.kit.context import LEVEL_ORDER, BudgetExhausted, KitAccount, KitContext, Skip, Violation
from bland_sms_mock.contracts.kit.selection import UnknownSelection, select
from bland_sms_mock.contracts.models.api import Level, format_timestamp, timestamp_ms

DEFAULT_LIVE_MAX_CREATES = 200


class KitUsageError(Exception):
    """The kit cannot run: a missing option, an unreachable target, a refused key. One line, no traceback."""


@dataclass
class KitOptions:
    """What `bland-sms-mock check` was asked to do."""

    base_url: str
    api_key: str | None = None
    agent_number: str | None = None
    second_api_key: str | None = None
    second_agent_number: str | None = None
    level: Level = Level.INFERRED
    read_only: bool = False
    max_creates: int | None = None
    max_examples: int = 50
    seed: int | None = None
    timeout_checks: str = "real"
    control_token: str | None = None
    request_timeout: float = 10.0
    only: tuple[str, ...] = ()
    allow_number_updates: bool = False


@dataclass
class CheckOutcome:
    """How one check ended: passed, failed, info (a violation below the level) or skipped."""

    name: str
    level: Level
    suite: str
    description: str
    status: str
    message: str = ""
    violation_level: Level | None = None
    exchanges: list[Exchange] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class KitReport:
    """A whole run."""

    target: str
    is_mock: bool
    level: Level
    run_id: str
    outcomes: list[CheckOutcome] = field(default_factory=list)
    creates: int = 0
    seconds: float = 0.0
    left_behind: list[str] = field(default_factory=list)
    """What the kit changed on a mock and could not undo (empty when it left the mock as found)."""

    @property
    def failed(self) -> list[CheckOutcome]:
        """The checks that failed at the chosen level."""
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def verdict(self) -> str:
        """`failed`, `passed`, or `nothing checked` when every check was skipped (never a pass)."""
        if self.failed:
            return "failed"
        return "passed" if any(o.status != "skipped" for o in self.outcomes) else "nothing checked"


def connect(options: KitOptions) -> tuple[Client, dict[str, Any] | None]:
    client = Client(
        options.base_url, options.api_key, control_token=options.control_token, timeout=options.request_timeout
    )
    try:
        return client, client.health()
    except TargetUnreachable as exc:
        client.close()
        raise KitUsageError(str(exc)) from None
    except ControlError as exc:
        client.close()
        raise KitUsageError(f"{options.base_url}: {exc}") from None


@dataclass
class Footprint:
    """What the kit changed on a mock, so that it can leave the mock as it found it.

    The kit adds two accounts of its own and freezes and moves the clock. `restore` removes those accounts
    (and with them every conversation the kit made) and puts the clock back: a frozen clock at the instant
    it stood at, a running one at the time it would show had the kit never moved it (to within the few
    milliseconds between the two control calls that restart it).
    """

    client: Client
    accounts: list[str] = field(default_factory=list)
    clock: dict[str, Any] | None = None
    clock_read_at: float = 0.0
    fired: list[str] = field(default_factory=list)
    """Ids of the conversations whose timers fired while the kit moved the clock (`KitContext.move_clock`)."""

    def note_clock(self) -> None:
        """Read the clock as found, before the kit freezes it."""
        exchange = self.client.request("GET", "/_mock/clock", api_key=None, control=True)
        if exchange.status == 200 and isinstance(exchange.json, dict) and "now" in exchange.json:
            self.clock, self.clock_read_at = exchange.json, time.monotonic()

    def restore(self) -> list[str]:
        """Remove the kit's accounts and put the clock back; return what could not be undone (empty: all)."""
        problems = []
        others = set(self.fired) - self._kit_conversations()
        if others:
            problems.append(
                "moving the clock fired timers of conversations the kit did not make (they warned or timed out "
                f"as they would have later): {', '.join(sorted(others)[:10])}" + (" ..." if len(others) > 10 else "")
            )
        for key in self.accounts:
            exchange = self.client.request("DELETE", f"/_mock/accounts/{key}", api_key=None, control=True)
            if exchange.status != 200:
                problems.append(f"account {key} was not removed: {exchange.response_line(200)}")
        if self.clock is not None:
            problems += self._restore_clock()
        return problems

    def _kit_conversations(self) -> set[str]:
        """The ids of every conversation in the kit's own accounts, deleted ones included (asked when timers fired)."""
        ids: set[str] = set()
        for key in self.accounts if self.fired else []:
            page, pages = 1, 1
            while page <= pages:
                exchange = self.client.list({"pageSize": 1000, "page": page}, api_key=key)
                if exchange.status != 200 or not isinstance(exchange.json, dict):
                    break
                ids |= {item.get("id") for item in exchange.json.get("data") or [] if isinstance(item, dict)}
                pages = ((exchange.json.get("extra") or {}).get("pagination") or {}).get("totalPages") or 0
                page += 1
            # the ones the kit deleted after their timers fired are no longer listed; the mock remembers them
            exchange = self.client.request("GET", "/_mock/deleted", api_key=key, control=True)
            if exchange.status == 200 and isinstance(exchange.json, dict):
                ids |= {item.get("id") for item in exchange.json.get("data") or [] if isinstance(item, dict)}
        return ids

    def _restore_clock(self) -> list[str]:
        assert self.clock is not None
        found = timestamp_ms(self.clock["now"])
        if not self.clock.get("frozen"):
            found += round((time.monotonic() - self.clock_read_at) * 1000)
        commands = [{"set": format_timestamp(found)}] + ([] if self.clock.get("frozen") else [{"freeze": False}])
        for command in commands:
            exchange = self.client.request("POST", "/_mock/clock", json_body=command, api_key=None, control=True)
            if exchange.status != 200:
                return [f"the clock was not put back ({command}): {exchange.response_line(200)}"]
        return []


def _kit_account(
    client: Client, options: KitOptions, run_id: str, suffix: str, config: dict[str, Any], footprint: Footprint
) -> KitAccount:
    """Add an account of the kit's own to a mock (a fresh key and number), so no other data can interfere."""
    for attempt in range(5):
        number = f"+1555{secrets.randbelow(9_000_000) + 1_000_000}"
        key = f"sk-kit-{run_id}-{suffix}{attempt or ''}"
        exchange = client.request(
            "POST",
            "/_mock/accounts",
            api_key=None,
            control=True,
            json_body={"api_key": key, "agent_numbers": [{"number": number, "sms_config": config}]},
        )
        if exchange.status == 201:
            footprint.accounts.append(key)
            return KitAccount(
                Client(options.base_url, key, control_token=options.control_token, timeout=options.request_timeout),
                number,
                dict(config),
            )
    raise KitUsageError(f"{options.base_url}: the mock refused to add the kit's account: {exchange.response_line(200)}")


def context_for(
    options: KitOptions, client: Client, health: dict[str, Any] | None, run_id: str, footprint: Footprint
) -> KitContext:
    """The context checks run in: the kit's own accounts on a mock (noted in `footprint`), else the given key.

    Raises:
        KitUsageError: a required option is missing, or the target refused the key or the kit's account.
    """
    capabilities = set(health.get("capabilities", [])) if health else set()
    if health is not None and "clock" in capabilities:
        footprint.note_clock()
    own_accounts = health is not None and "accounts" in capabilities
    if own_accounts:
        primary = _kit_account(client, options, run_id, "a", KIT_SMS_CONFIG, footprint)
        second = _kit_account(client, options, run_id, "b", {}, footprint)
        if "clock" in capabilities:
            client.request("POST", "/_mock/clock", json_body={"freeze": True}, api_key=None, control=True)
        max_creates = options.max_creates
    else:
        if not options.api_key or not options.agent_number:
            raise KitUsageError("--api-key and --agent-number are required for a target that is not a bland-sms-mock")
        probe = client.list({"pageSize": 1})
        if probe.status in (401, 403):
            raise KitUsageError(f"{options.base_url} refused the API key ({probe.status})")
        primary = KitAccount(client, options.agent_number)
        second = None
        if options.second_api_key and options.second_agent_number:
            second_client = Client(options.base_url, options.second_api_key, timeout=options.request_timeout)
            second = KitAccount(second_client, options.second_agent_number)
        max_creates = options.max_creates if options.max_creates is not None else DEFAULT_LIVE_MAX_CREATES
    context = KitContext(
        primary=primary,
        second=second,
        is_mock=health is not None,
        capabilities=capabilities,
        level=options.level,
        run_id=run_id,
        read_only=options.read_only,
        max_creates=max_creates,
        max_examples=options.max_examples,
        seed=options.seed,
        timeout_checks=options.timeout_checks,
        own_accounts=own_accounts,
        allow_number_updates=options.allow_number_updates,
    )
    context.cache["fired"] = footprint.fired  # `KitContext.move_clock` notes there what its moves fired
    return context


def run_kit(options: KitOptions, on_outcome: Any = None) -> KitReport:
    """Run every check (or those named in `options.only`) and return the report.

    Raises:
        KitUsageError: `options.only` selects no check, the target is unreachable, or a required option is
            missing for it.
    """
    started = time.perf_counter()
    try:
        selected = select(options.only)
    except UnknownSelection as exc:
        raise KitUsageError(str(exc)) from None
    run_id = secrets.token_hex(4)
    client, health = connect(options)
    footprint = Footprint(client)
    try:
        ctx = context_for(options, client, health, run_id, footprint)
        report = KitReport(options.base_url, ctx.is_mock, options.level, run_id)
        for spec in selected:
            outcome = run_check(ctx, spec)
            report.outcomes.append(outcome)
            if on_outcome is not None:
                on_outcome(outcome)
        report.creates = ctx.creates
    except TargetUnreachable as exc:
        raise KitUsageError(str(exc)) from None
    finally:
        try:  # also on a failure or Ctrl-C: leave the mock as it was found
            left = footprint.restore()
        except TargetUnreachable as exc:
            left = [f"could not clean up: {exc}"]
        client.close()
    report.left_behind = left
    report.seconds = time.perf_counter() - started
    return report


def run_check(ctx: KitContext, spec: Any) -> CheckOutcome:
    """Run one check and classify how it ended (a violation below the run's level is `info`)."""
    outcome = CheckOutcome(spec.name, spec.level, spec.suite, spec.description, "passed")
    ctx.evidence = []
    ctx.group = spec.group or spec.name
    began = time.perf_counter()
    try:
        if ctx.read_only and spec.writes:
            raise Skip("--read-only: this check creates conversations")
        ctx.cache.pop(("notes", ctx.group), None)
        spec.run(ctx)
        confirm_operations(ctx)
        ctx.raise_notes()
    except BudgetExhausted as exc:
        outcome.status, outcome.message = "skipped", f"{exc} (part of the check ran)"
    except Skip as exc:
        outcome.status, outcome.message = "skipped", str(exc)
    except Violation as found:
        violation = found
        if not ctx.binding(violation.level):  # a difference below the level is no pass on refusals alone either
            try:
                confirm_operations(ctx)
            except Violation as stronger:
                violation = stronger
        binding = ctx.binding(violation.level)
        outcome.status = "failed" if binding else "info"
        outcome.message = violation.message
        outcome.violation_level = violation.level
        outcome.exchanges = list(violation.exchanges or ctx.evidence[-2:])
    except TargetUnreachable:
        raise
    except (Exception, BaseExceptionGroup) as exc:  # the target answered something the check could not read
        outcome.status = "failed" if LEVEL_ORDER[Level.INFERRED] <= LEVEL_ORDER[ctx.level] else "info"
        outcome.message = f"the check could not complete on the target's answers: {type(exc).__name__}: {exc}"
        outcome.violation_level = Level.INFERRED
        outcome.exchanges = ctx.evidence[-2:]
    outcome.seconds = time.perf_counter() - began
    return outcome


OPERATIONS = {
    ("GET", LIST_PATH): "list",
    ("POST", CREATE_PATH): "create",
    ("POST", SEND_PATH): "send",
    ("GET", CONVERSATION_PATH): "read",
    ("PATCH", CONVERSATION_PATH): "update",
    ("DELETE", CONVERSATION_PATH): "delete",
    ("DELETE", MESSAGES_PATH): "delete messages",
    ("GET", NUMBERS_PATH): "numbers",
    ("POST", NUMBER_UPDATE_PATH): "number update",
}
"""The contract's operations, by method and path (`{id}` standing for a conversation id), as the kit names them."""

_PATTERNS = {op: re.compile(re.escape(op[1]).replace(re.escape("{id}"), "[^/]+") + "$") for op in OPERATIONS}


def _operation(exchange: Exchange) -> tuple[str, str] | None:
    path = exchange.url.split("?", 1)[0]
    return next((op for op, pattern in _PATTERNS.items() if exchange.method == op[0] and pattern.search(path)), None)


def _own_conversation(ctx: KitContext) -> str | None:
    """A fresh conversation of this run's (one create), or None when the run may not create one."""
    if ctx.read_only or not ctx.budget_left:
        return None
    exchange = ctx.create(ctx.base_body())
    data = exchange.data
    return data.get("conversation_id") if exchange.status == 200 and isinstance(data, dict) else None


def _readable_conversation(ctx: KitContext) -> str | None:
    """A conversation to read: one of this run's, else (read-only) the account's first listed one."""
    if not ctx.read_only:
        return _own_conversation(ctx)
    data = ctx.list({"pageSize": 1}).data
    return data[0].get("id") if isinstance(data, list) and data and isinstance(data[0], dict) else None


def _probe_messages(ctx: KitContext) -> Exchange | None:
    """Delete the one message of a fresh conversation (its id read from the conversation)."""
    conversation = _own_conversation(ctx)
    if conversation is None:
        return None
    read = ctx.read(conversation)
    messages = (read.data or {}).get("messages") if isinstance(read.data, dict) else None
    if read.status != 200 or not isinstance(messages, list) or not messages or not isinstance(messages[0], dict):
        return read
    return ctx.delete_messages(conversation, {"message_ids": [messages[0].get("id")]})


def _with(conversation: str | None, call: Callable[[str], Exchange]) -> Exchange | None:
    return None if conversation is None else call(conversation)


PROBES: dict[str, Callable[[KitContext], Exchange | None]] = {
    "list": lambda ctx: ctx.list({"pageSize": 1}),
    "create": lambda ctx: None if ctx.read_only or not ctx.budget_left else ctx.create(ctx.base_body()),
    "send": lambda ctx: None if ctx.read_only or not ctx.budget_left else ctx.send(ctx.send_body()),
    "read": lambda ctx: _with(_readable_conversation(ctx), ctx.read),
    "update": lambda ctx: _with(_own_conversation(ctx), lambda c: ctx.patch(c, {"is_active": False})),
    "delete": lambda ctx: _with(_own_conversation(ctx), ctx.delete),
    "delete messages": _probe_messages,
    "numbers": lambda ctx: ctx.numbers(),
    "number update": lambda ctx: ctx.update_number({"phone_number": ctx.primary.agent_number}),
}
"""For each operation, one valid request of the kit's own (None when the run may not make it: read-only,
the create budget spent, nothing to read). A number update that names no setting changes nothing."""


def confirm_operations(ctx: KitContext) -> None:
    """Make sure a check did not pass on refusals alone: each operation it used accepts a valid request.

    A check that sends only invalid requests (and sees them refused: an unknown id, another account's
    conversation) would pass on a target that implements nothing; so when the run has not yet seen an
    operation accept anything, the kit sends it one valid request of its own (`PROBES`), when it may.

    Raises:
        Violation: documented level; the target refused that valid request.
    """
    accepted = ctx.cache.setdefault("accepted_operations", set())
    used = set()
    for exchange in ctx.evidence:
        operation = _operation(exchange)
        if operation is not None:
            used.add(operation)
            if 200 <= exchange.status < 300:
                accepted.add(operation)
    for operation in sorted(used - accepted):
        try:
            probe = PROBES[OPERATIONS[operation]](ctx)
        except Skip:  # the run may not make that request (read-only, budget, number updates not allowed)
            continue
        if probe is None:
            continue
        if not 200 <= probe.status < 300:
            raise Violation(
                f"the check saw only refusals, and the target does not implement {operation[0]} {operation[1]}: "
                f"a valid {OPERATIONS[operation]} request was answered {probe.response_line(300)}",
                Level.DOCUMENTED,
                [probe],
            )
        accepted.add(operation)
