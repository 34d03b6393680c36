"""Replay one scenario against a target: set it up, send each step, check each expectation.

A target without the control API (a real deployment) cannot be set up, have its clock moved or show a
conversation's hidden state: such steps are skipped with the reason, never passed. A skipped clock move
skips the steps after it too, since what they expect depends on the time having moved.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from contracts.client import Client, ControlError, Exchange, TargetUnreachable
from contracts.models import Expect, ScenarioStep, format_duration, format_timestamp, timestamp_ms
from contracts.scenarios.loader import ScenarioFile
from contracts.scenarios.matching import diff, mismatches
from contracts.scenarios.seeds import read_seed
from contracts.scenarios.templates import TemplateError, render


class Outcome(StrEnum):
    """How a step or a scenario ended."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    ERROR = "error"


@dataclass
class CheckResult:
    """One expectation: what it looked at, whether it held, and if not, why (and a diff)."""

    what: str
    passed: bool
    detail: str = ""
    diff: str = ""


@dataclass
class StepResult:
    """What one step sent, what came back, and how each expectation fared."""

    number: int
    action: str
    title: str
    outcome: Outcome
    exchanges: list[Exchange] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)
    reason: str = ""
    note: str = ""


@dataclass
class ScenarioResult:
    """A scenario's replay."""

    path: str
    name: str
    description: str
    outcome: Outcome
    steps: list[StepResult] = field(default_factory=list)
    reason: str = ""
    seconds: float = 0.0

    def count(self, outcome: Outcome) -> int:
        """How many steps ended with `outcome`."""
        return sum(1 for step in self.steps if step.outcome is outcome)


@dataclass
class Target:
    """Where scenarios are replayed: the client, whether the control API is there, the default API key."""

    client: Client
    control: bool
    api_key: str | None
    label: str


class _StepFailed(Exception):
    """A step could not be carried out (template, control call); the message says why."""


def run_scenario(loaded: ScenarioFile, target: Target) -> ScenarioResult:
    """Replay `loaded` against `target` from a clean state (reset first, on a mock)."""
    scenario = loaded.scenario
    result = ScenarioResult(str(loaded.path), scenario.name, scenario.description, Outcome.PASSED)
    started = time.perf_counter()
    try:
        if scenario.setup.needs_control and not target.control:
            result.outcome = Outcome.SKIPPED
            result.reason = f"its setup needs the mock's control API, which {target.label} does not have"
            result.steps = [
                StepResult(n, s.action, _title(s), Outcome.SKIPPED, reason="the setup was skipped")
                for n, s in enumerate(scenario.steps, start=1)
            ]
            return result
        try:
            _set_up(loaded, target)
        except (ControlError, TargetUnreachable, ValueError) as exc:
            result.outcome = Outcome.ERROR
            result.reason = f"setup: {exc}"
            return result
        _run_steps(loaded, target, result)
        outcomes = {step.outcome for step in result.steps}
        for outcome in (Outcome.ERROR, Outcome.FAILED):
            if outcome in outcomes:
                result.outcome = outcome
                break
        else:
            result.outcome = Outcome.PASSED if Outcome.PASSED in outcomes else Outcome.SKIPPED
        return result
    finally:
        result.seconds = time.perf_counter() - started


def _set_up(loaded: ScenarioFile, target: Target) -> None:
    setup = loaded.scenario.setup
    if not target.control:
        return
    target.client.reset(accounts=True)
    if setup.clock:
        target.client.clock({"set": setup.clock})
    for account in setup.accounts:
        target.client.add_account(account.model_dump(exclude_none=True))
    for seed in setup.seeds:
        target.client.seed(read_seed(loaded.path.parent / seed))


def _default_key(loaded: ScenarioFile, target: Target) -> str | None:
    setup = loaded.scenario.setup
    if setup.api_key is not None:
        return setup.api_key
    if setup.accounts:
        return setup.accounts[0].api_key
    return target.api_key


def _run_steps(loaded: ScenarioFile, target: Target, result: ScenarioResult) -> None:
    saved: dict[str, Any] = {"run": {"id": secrets.token_hex(6)}}
    default_key = _default_key(loaded, target)
    last: Exchange | None = None
    skip_rest = ""
    for number, step in enumerate(loaded.scenario.steps, start=1):
        outcome = StepResult(number, step.action, _title(step), Outcome.PASSED)
        result.steps.append(outcome)
        if skip_rest:
            outcome.outcome, outcome.reason = Outcome.SKIPPED, skip_rest
            continue
        if step.needs_control and not target.control:
            outcome.outcome = Outcome.SKIPPED
            outcome.reason = f"needs the mock's control API, which {target.label} does not have"
            if step.action in ("advance", "set"):
                skip_rest = f"step {number} (a clock move) was skipped, and this step depends on it"
            continue
        try:
            rendered = ScenarioStep.model_validate(render(step.model_dump(exclude_unset=True), saved))
            api_key = default_key if rendered.api_key is None else (rendered.api_key or None)
            exchange = _act(rendered, target, api_key, outcome)
            if exchange is not None:
                last = exchange
                outcome.exchanges.append(exchange)
            if rendered.expect is not None or exchange is not None:
                outcome.checks += _check(rendered.expect, exchange or last, target, api_key, outcome)
            if rendered.save_as and exchange is not None:
                saved[rendered.save_as] = _saved_value(rendered.action, exchange)
        except (_StepFailed, TemplateError, ControlError) as exc:
            outcome.outcome, outcome.reason = Outcome.ERROR, str(exc)
            continue
        except TargetUnreachable as exc:
            outcome.outcome, outcome.reason = Outcome.ERROR, str(exc)
            skip_rest = f"the target stopped answering at step {number}"
            continue
        if any(not check.passed for check in outcome.checks):
            outcome.outcome = Outcome.FAILED


def _act(step: ScenarioStep, target: Target, api_key: str | None, outcome: StepResult) -> Exchange | None:
    client = target.client
    if step.action == "create":
        return client.create(step.create, api_key=api_key)
    if step.action == "list":
        return client.list(step.list, api_key=api_key)
    if step.action == "advance":
        clock = client.clock({"advance": step.advance})
        outcome.note = f"clock moved forward {_seconds(step.advance)} to {clock['now']}"
    elif step.action == "set":
        clock = client.clock({"set": step.set})
        outcome.note = f"clock set to {clock['now']}"
    return None


def _seconds(value: float | str | None) -> str:
    return format_duration(float(value or 0))


def _title(step: ScenarioStep) -> str:
    if step.title:
        return step.title
    if step.action == "create" and isinstance(step.create, dict):
        sender = step.create.get("sender", "USER")
        text = str(step.create.get("message", ""))
        return f"{sender} says {text[:50]!r}" + (" (new conversation)" if step.create.get("new_conversation") else "")
    if step.action == "list":
        shown = json.dumps(step.list, separators=(",", ":"), ensure_ascii=False) if step.list else ""
        return "list conversations" + (f" {shown}" if shown else "")
    if step.action == "advance":
        return f"advance the clock {_seconds(step.advance)}"
    if step.action == "set":
        return f"set the clock to {step.set}"
    return "check " + ("conversation state" if step.expect and step.expect.conversation else "the last response")


def _saved_value(action: str, exchange: Exchange) -> dict[str, Any]:
    data = exchange.data
    if action == "list":
        items = data if isinstance(data, list) else []
        return {
            "status": exchange.status,
            "items": items,
            "ids": [item.get("id") for item in items if isinstance(item, dict)],
            "pagination": exchange.pagination or {},
            "count": len(items),
        }
    return {"status": exchange.status, **(data if isinstance(data, dict) else {})}


# ------------------------------------------------------------------------------------------- checks


def _check(
    expect: Expect | None, exchange: Exchange | None, target: Target, api_key: str | None, step: StepResult
) -> list[CheckResult]:
    checks: list[CheckResult] = []
    expect = expect or Expect(status=200)
    response_keys = expect.model_fields_set - {"conversation", "fields", "messages"}
    if exchange is not None and step.action in ("create", "list") and not {"status", "error"} & response_keys:
        checks.append(_compare("status (200 unless the step says otherwise)", 200, exchange.status))
    if response_keys:
        if exchange is None:
            return [CheckResult("last response", False, "no earlier step sent a request")]
        checks += _response_checks(expect, exchange)
    if expect.conversation is not None:
        checks += _state_checks(expect, target, api_key, step)
    return checks


def _compare(what: str, expected: Any, actual: Any) -> CheckResult:
    expected = _normal_times(expected)
    found = mismatches(expected, actual)
    if not found:
        return CheckResult(what, True)
    detail = "; ".join(str(m) for m in found[:8]) + (f" (+{len(found) - 8} more)" if len(found) > 8 else "")
    shows_diff = isinstance(expected, dict | list)
    return CheckResult(what, False, detail, diff(expected, actual) if shows_diff else "")


def _response_checks(expect: Expect, exchange: Exchange) -> list[CheckResult]:
    checks = []
    data = exchange.data
    if expect.status is not None:
        checks.append(_compare("status", expect.status, exchange.status))
    if expect.error is not None:
        codes = exchange.error_codes
        ok = expect.error in codes
        checks.append(CheckResult("error code", ok, "" if ok else f"expected {expect.error} among {codes or 'none'}"))
    if expect.error_mentions is not None:
        texts = exchange.error_messages
        ok = any(expect.error_mentions in text for text in texts)
        shown = "; ".join(texts) or "no error messages"
        detail = "" if ok else f"no message mentions {expect.error_mentions!r}: {shown}"
        checks.append(CheckResult("error message", ok, detail))
    if "data" in expect.model_fields_set:
        checks.append(_compare("data", expect.data, data))
    if expect.pagination is not None:
        checks.append(_compare("pagination", expect.pagination, exchange.pagination))
    items = data if isinstance(data, list) else None
    if expect.count is not None:
        checks.append(_compare("count", expect.count, None if items is None else len(items)))
    if expect.ids is not None:
        ids = None if items is None else [item.get("id") if isinstance(item, dict) else item for item in items]
        checks.append(_compare("ids", expect.ids, ids))
    if expect.items is not None:
        checks.append(_compare("items", expect.items, items))
    return checks


def _state_checks(expect: Expect, target: Target, api_key: str | None, step: StepResult) -> list[CheckResult]:
    checks = []
    conversation = str(expect.conversation)
    if expect.fields is not None:
        exchange = target.client.conversation(conversation, api_key=api_key)
        step.exchanges.append(exchange)
        if exchange.status != 200:
            raise _StepFailed(f"cannot read conversation {conversation}: {exchange.response_line()}")
        checks.append(_compare("conversation fields", expect.fields, exchange.data))
    if expect.messages is not None:
        exchange = target.client.messages(conversation, api_key=api_key)
        step.exchanges.append(exchange)
        if exchange.status != 200:
            raise _StepFailed(f"cannot read the messages of {conversation}: {exchange.response_line()}")
        checks.append(_compare("messages", expect.messages, exchange.data))
    return checks


def _normal_times(value: Any) -> Any:
    """Timestamps written as `2026-01-01T09:15:00Z` compare equal to the API's `...09:15:00.000Z`."""
    if isinstance(value, dict):
        return {k: _normal_times(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal_times(v) for v in value]
    if isinstance(value, str) and len(value) >= 20 and value[4:5] == "-" and value[10:11] == "T":
        try:
            return format_timestamp(timestamp_ms(value))
        except ValueError:
            return value
    return value
