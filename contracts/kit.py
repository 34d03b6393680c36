"""Run the contract kit against a target: detect what it is, set up accounts, run every check, classify.

`run_kit(options)` returns a `KitReport`; `contracts.report` prints and writes it; `contracts.kit_cli`
is the `check` command around both. A violation below the chosen level is information, never a failure.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from contracts.checks import LEVEL_ORDER, Account, BudgetExhausted, KitContext, Skip, Violation, load_all
from contracts.checks.timeouts import KIT_SMS_CONFIG
from contracts.client import Client, ControlError, Exchange, TargetUnreachable
from contracts.models import Level

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

    @property
    def failed(self) -> list[CheckOutcome]:
        """The checks that failed at the chosen level."""
        return [o for o in self.outcomes if o.status == "failed"]


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


def _kit_account(client: Client, options: KitOptions, run_id: str, suffix: str, config: dict[str, Any]) -> Account:
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
            return Account(
                Client(options.base_url, key, control_token=options.control_token, timeout=options.request_timeout),
                number,
                dict(config),
            )
    raise KitUsageError(f"{options.base_url}: the mock refused to add the kit's account: {exchange.response_line(200)}")


def context_for(options: KitOptions, client: Client, health: dict[str, Any] | None, run_id: str) -> KitContext:
    capabilities = set(health.get("capabilities", [])) if health else set()
    if health is not None and "accounts" in capabilities:
        primary = _kit_account(client, options, run_id, "a", KIT_SMS_CONFIG)
        second = _kit_account(client, options, run_id, "b", {})
        if "clock" in capabilities:
            client.request("POST", "/_mock/clock", json_body={"freeze": True}, api_key=None, control=True)
        max_creates = options.max_creates
    else:
        if not options.api_key or not options.agent_number:
            raise KitUsageError("--api-key and --agent-number are required for a target that is not a bland-sms-mock")
        probe = client.list({"pageSize": 1})
        if probe.status in (401, 403):
            raise KitUsageError(f"{options.base_url} refused the API key ({probe.status})")
        primary = Account(client, options.agent_number)
        second = None
        if options.second_api_key and options.second_agent_number:
            second_client = Client(options.base_url, options.second_api_key, timeout=options.request_timeout)
            second = Account(second_client, options.second_agent_number)
        max_creates = options.max_creates if options.max_creates is not None else DEFAULT_LIVE_MAX_CREATES
    return KitContext(
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
    )


def run_kit(options: KitOptions, on_outcome: Any = None) -> KitReport:
    """Run every check (or those named in `options.only`) and return the report.

    Raises:
        KitUsageError: the target is unreachable, or a required option is missing for it.
    """
    started = time.perf_counter()
    run_id = secrets.token_hex(4)
    client, health = connect(options)
    try:
        ctx = context_for(options, client, health, run_id)
        report = KitReport(options.base_url, ctx.is_mock, options.level, run_id)
        for spec in load_all().values():
            if options.only and not any(spec.name == o or spec.name.startswith(o + ".") for o in options.only):
                continue
            outcome = run_check(ctx, spec)
            report.outcomes.append(outcome)
            if on_outcome is not None:
                on_outcome(outcome)
        report.creates = ctx.creates
        if ctx.has_clock:
            client.request("POST", "/_mock/clock", json_body={"freeze": False}, api_key=None, control=True)
    except TargetUnreachable as exc:
        raise KitUsageError(str(exc)) from None
    finally:
        client.close()
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
        ctx.raise_notes()
    except BudgetExhausted as exc:
        outcome.status, outcome.message = "skipped", f"{exc} (part of the check ran)"
    except Skip as exc:
        outcome.status, outcome.message = "skipped", str(exc)
    except Violation as violation:
        binding = LEVEL_ORDER[violation.level] <= LEVEL_ORDER[ctx.level]
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
