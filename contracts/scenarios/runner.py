"""Replay one scenario against a target: set it up, send each step, check each expectation.

A target without the control API (a real deployment, `serve --no-control`) cannot take a setup (clock,
accounts, seeds), move its clock, show a conversation's hidden state or be reset. Every step that does not
depend on one of those still runs; each one that does is skipped with the reason, never passed:

- a clock move, and every step after a skipped clock move (what they expect assumes the time moved);
- a step sending the key of an account the setup would have added (`setup.accounts`, `setup.api_key`);
- a step using a value saved by a skipped step, or re-checking the response of a skipped step;
- a step whose request or expectations name an instant, when the setup's clock could not be set;
- a conversation-state check (`expect.conversation`) or a webhook check (`expect.webhook`): the step's
  request still runs, the check does not (an `expect`-only step is skipped);
- a list's contents (`count`, `ids`, `items`, `pagination`, `data`, `response`) on an account that was not
  reset, unless the list filters on `{{ run.id }}`: other conversations may show; the same for a `numbers`
  answer (its counts include every conversation). Its status is still checked.

Every request step (`create`, `send`, `list`, `get`, `update`, `delete`, `delete_messages`, `numbers`,
`update_number`) is a plain API call: none of them needs the control API.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bland_sms_mock.contracts.client import Client, ControlError, Exchange, TargetUnreachable
from bland_sms_mock.contracts.models.api import timestamp_ms
from bland_sms_mock.contracts.models.control import format_duration
from bland_sms_mock.contracts.models.scenario import (
    CLOCK_ACTIONS,
    REQUEST_ACTIONS,
    Expect,
    ScenarioSetup,
    ScenarioStep,
    template_names,
)
from bland_sms_mock.contracts.scenarios.loader import ScenarioFile
from bland_sms_mock.contracts.scenarios.matching import CheckResult, diff, mismatches, normal_times
from bland_sms_mock.contracts.scenarios.seeds import read_seed
from bland_sms_mock.contracts.scenarios.templates import TemplateError, render
from bland_sms_mock.contracts.scenarios.webhooks import judge, secrets_by_account, settled_log
from pydantic import ValidationError


class Outcome(StrEnum):
    """How a step or a scenario ended."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    ERROR = "error"


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
    unchecked: list[str] = field(default_factory=list)
    """Expectations of a step that ran but could not be checked on this target, each with the reason."""

    @property
    def ran(self) -> bool:
        """Whether the step was carried out (passed, failed or errored), not skipped."""
        return self.outcome is not Outcome.SKIPPED


@dataclass
class ScenarioResult:
    """A scenario's replay."""

    path: str
    name: str
    description: str
    outcome: Outcome
    steps: list[StepResult] = field(default_factory=list)
    reason: str = ""
    setup_skipped: str = ""
    """What of the setup the target could not take, and why (empty when it took all of it)."""
    seconds: float = 0.0

    def count(self, outcome: Outcome) -> int:
        """How many steps ended with `outcome`."""
        return sum(1 for step in self.steps if step.outcome is outcome)


def run_outcome(results: list[ScenarioResult]) -> Outcome:
    """A whole replay's outcome: failed if a scenario failed or errored, skipped if no step ran, else passed."""
    if any(r.outcome in (Outcome.FAILED, Outcome.ERROR) for r in results):
        return Outcome.FAILED
    if not any(step.ran for r in results for step in r.steps):
        return Outcome.SKIPPED
    return Outcome.PASSED


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
    """Replay `loaded` against `target`: from a clean state on a mock, else every step that can run."""
    scenario = loaded.scenario
    result = ScenarioResult(str(loaded.path), scenario.name, scenario.description, Outcome.PASSED)
    started = time.perf_counter()
    try:
        if target.control:
            try:
                _set_up(loaded, target)
            except (ControlError, TargetUnreachable, ValueError) as exc:
                result.outcome = Outcome.ERROR
                result.reason = f"setup: {exc}"
                return result
        elif scenario.setup.needs_control:
            result.setup_skipped = (
                f"{_setup_parts(scenario.setup)} needs the mock's control API, which {target.label} does not have;"
                " the steps that depend on them are skipped"
            )
        _Replay(loaded, target, result).run()
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


def _setup_parts(setup: ScenarioSetup) -> str:
    parts = [f"the clock at {setup.clock}"] if setup.clock else []
    if setup.accounts:
        parts.append("accounts " + ", ".join(a.api_key for a in setup.accounts))
    if setup.seeds:
        parts.append("seeds " + ", ".join(setup.seeds))
    return "its setup (" + "; ".join(parts) + ")"


def _set_up(loaded: ScenarioFile, target: Target) -> None:
    setup = loaded.scenario.setup
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


class _Replay:
    """One scenario's steps on one target: what was saved, what was skipped, and what that rules out."""

    def __init__(self, loaded: ScenarioFile, target: Target, result: ScenarioResult) -> None:
        setup = loaded.scenario.setup
        self.steps = loaded.scenario.steps
        self.target, self.result = target, result
        self.label = target.label
        self.default_key = _default_key(loaded, target)
        self.missing_keys: set[str | None] = set()
        """Keys of the accounts the setup would have added (its accounts', and its api_key beside them)."""
        if not target.control and (setup.accounts or setup.seeds):
            self.missing_keys = {a.api_key for a in setup.accounts} | ({setup.api_key} if setup.api_key else set())
        self.missing_clock = None if target.control else setup.clock
        self.saved: dict[str, Any] = {"run": {"id": secrets.token_hex(6)}}
        self.skipped_saves: dict[str, int] = {}
        self.last: Exchange | None = None
        self.last_step: tuple[int, bool] | None = None
        """The number of the last request step, and whether it was skipped."""
        self.last_contents_hold = True
        self.skip_rest = ""
        self.conversation: str | None = None
        """The conversation the latest request step named (a create's or send's answer, a path's id)."""

    def run(self) -> None:
        """Carry out (or skip, with the reason) every step, appending each one's result."""
        for number, step in enumerate(self.steps, start=1):
            outcome = StepResult(number, step.action, _title(step), Outcome.PASSED)
            self.result.steps.append(outcome)
            reason = self._dependency(number, step)
            if reason:
                outcome.outcome, outcome.reason = Outcome.SKIPPED, reason
                if step.save_as:
                    self.skipped_saves[step.save_as] = number
                if step.sends_request:
                    self.last_step = (number, True)
                continue
            self._carry_out(number, step, outcome)

    def _dependency(self, number: int, step: ScenarioStep) -> str:
        """Why `step` cannot run on this target, or ''."""
        no_control = f"the mock's control API, which {self.label} does not have"
        if self.skip_rest:
            return self.skip_rest
        if step.action in CLOCK_ACTIONS and not self.target.control:
            self.skip_rest = f"step {number} (a clock move) was skipped, and this step depends on it"
            return f"moving the clock needs {no_control}"
        dump = step.model_dump(exclude={"save_as", "title"}, exclude_none=True)
        for name in sorted(template_names(dump)):
            if name in self.skipped_saves:
                return f"uses {{{{ {name}.… }}}}, saved by step {self.skipped_saves[name]}, which was skipped"
        key = self.default_key if step.api_key is None else step.api_key
        sends_key = step.sends_request or (step.expect is not None and step.expect.needs_control)
        if sends_key and key in self.missing_keys:
            return f"sends the key {key}, of an account the setup would have added"
        expect = step.expect
        rechecks = step.action == "expect" and expect is not None and bool(_response_keys(expect))
        if rechecks and self.last_step is not None and self.last_step[1]:
            return f"checks the response of step {self.last_step[0]}, which was skipped"
        if self.missing_clock and _mentions_instant(dump):
            return f"its times assume the setup's clock ({self.missing_clock}), which {self.label} could not set"
        if step.action == "expect" and not rechecks and not self.target.control:
            return f"{_control_checks(expect)} needs {no_control}"
        return ""

    def _carry_out(self, number: int, step: ScenarioStep, outcome: StepResult) -> None:
        try:
            rendered = _rendered(step, self.saved)
            api_key = self.default_key if rendered.api_key is None else (rendered.api_key or None)
            exchange = _act(rendered, self.target, api_key, outcome)
            if exchange is not None:
                self.last, self.last_step = exchange, (number, False)
                self.last_contents_hold = self.target.control or step.action not in WHOLE_ACCOUNT or _tagged(step)
                outcome.exchanges.append(exchange)
                self.conversation = _conversation_named(rendered, exchange) or self.conversation
            if rendered.expect is not None or exchange is not None:
                outcome.checks += self._check(rendered.expect, exchange or self.last, api_key, outcome)
            if rendered.save_as and exchange is not None:
                self.saved[rendered.save_as] = _saved_value(rendered.action, exchange)
        except (_StepFailed, TemplateError, ControlError) as exc:
            outcome.outcome, outcome.reason = Outcome.ERROR, str(exc)
            return
        except TargetUnreachable as exc:
            outcome.outcome, outcome.reason = Outcome.ERROR, str(exc)
            self.skip_rest = f"the target stopped answering at step {number}"
            return
        if any(not check.passed for check in outcome.checks):
            outcome.outcome = Outcome.FAILED

    def _check(
        self, expect: Expect | None, exchange: Exchange | None, api_key: str | None, step: StepResult
    ) -> list[CheckResult]:
        checks: list[CheckResult] = []
        expect = expect or Expect(status=200)
        response_keys = _response_keys(expect)
        if exchange is not None and step.action in REQUEST_ACTIONS and not {"status", "error"} & response_keys:
            checks.append(_compare("status (200 unless the step says otherwise)", 200, exchange.status))
        if response_keys:
            if exchange is None:
                return [CheckResult("last response", False, "no earlier step sent a request")]
            unchecked = sorted(LIST_CONTENTS & response_keys) if not self.last_contents_hold else []
            if unchecked:
                step.unchecked.append(
                    f"{', '.join(unchecked)}: the list's contents depend on a fresh account, and {self.label} cannot"
                    " be reset (a conversation list filtered on {{ run.id }} is checked everywhere)"
                )
            checks += _response_checks(expect, exchange, skip=set(unchecked))
        if expect.conversation is not None:
            if self.target.control:
                checks += _state_checks(expect, self.target, api_key, step)
            else:
                step.unchecked.append(
                    f"conversation state: needs the mock's control API, which {self.label} does not have"
                )
        if expect.webhook is not None:
            if self.target.control:
                checks += _webhook_checks(expect, self.target, self.conversation)
            else:
                step.unchecked.append(
                    f"webhook: the delivery log needs the mock's control API, which {self.label} does not have"
                )
        return checks


LIST_CONTENTS = frozenset({"data", "response", "pagination", "count", "ids", "items"})
"""The expectations on a list response that depend on everything the account holds."""
WHOLE_ACCOUNT = frozenset({"list", "numbers"})
"""Requests whose answer shows the whole account (every conversation, or counts of them), not this run's alone."""


def _rendered(step: ScenarioStep, saved: dict[str, Any]) -> ScenarioStep:
    """`step` with its templates filled in.

    Raises:
        _StepFailed: a template gave a value the step cannot take (a number where an id goes).
    """
    filled = render(step.model_dump(exclude_unset=True), saved)
    try:
        return ScenarioStep.model_validate(filled)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise _StepFailed(f"after filling in the templates: {problems}") from None


def _response_keys(expect: Expect) -> set[str]:
    return expect.model_fields_set - CONTROL_CHECKS


CONTROL_CHECKS = frozenset({"conversation", "fields", "messages", "webhook"})
"""The expectations read through the control API rather than from the last response."""


def _control_checks(expect: Expect | None) -> str:
    """What of `expect` needs the control API, in words."""
    parts = []
    if expect is not None and expect.conversation is not None:
        parts.append("reading a conversation's state")
    if expect is not None and expect.webhook is not None:
        parts.append("checking webhooks")
    return " and ".join(parts) or "reading a conversation's state"


def _conversation_named(step: ScenarioStep, exchange: Exchange) -> str | None:
    """The conversation a request named: a create's or send's answer, or the id of a successful request
    on one conversation; None for the others."""
    if step.action in ("create", "send"):
        data = exchange.data
        found = data.get("conversation_id") if isinstance(data, dict) else None
        return str(found) if isinstance(found, str | int) and not isinstance(found, bool) else None
    if exchange.status >= 300:
        return None
    if step.get is not None or step.delete is not None:
        return step.get if step.get is not None else step.delete
    action = step.update or step.delete_messages
    return action.id if action is not None else None


def _tagged(step: ScenarioStep) -> bool:
    """Whether a list step filters on this run's tag, so that its contents are this run's alone."""
    return "run" in template_names(step.list or {})


def _mentions_instant(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_mentions_instant(v) for v in value.values())
    if isinstance(value, list):
        return any(_mentions_instant(v) for v in value)
    return _is_instant(value)


def _is_instant(value: Any) -> bool:
    if not (isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and value[10:11] == "T"):
        return False
    try:
        timestamp_ms(value)
    except ValueError:
        return False
    return True


def _act(step: ScenarioStep, target: Target, api_key: str | None, outcome: StepResult) -> Exchange | None:
    client = target.client
    if step.action == "create":
        return client.create(step.create, api_key=api_key)
    if step.action == "send":
        return client.send(step.send, api_key=api_key, idempotency_key=step.idempotency_key)
    if step.action == "list":
        return client.list(step.list, api_key=api_key)
    if step.get is not None:
        return client.get_conversation(step.get, api_key=api_key)
    if step.update is not None:
        return client.update_conversation(step.update.id, step.update.payload(), api_key=api_key)
    if step.delete is not None:
        return client.delete_conversation(step.delete, api_key=api_key)
    if step.delete_messages is not None:
        action = step.delete_messages
        return client.delete_messages(action.id, action.payload(), api_key=api_key)
    if step.numbers is not None:
        return client.numbers(step.numbers, api_key=api_key)
    if step.update_number is not None:
        return client.update_number(step.update_number, api_key=api_key)
    if step.action == "advance":
        clock = client.clock({"advance": step.advance})
        outcome.note = f"clock moved forward {_seconds(step.advance)} to {clock['now']}"
    elif step.action == "set":
        clock = client.clock({"set": step.set})
        outcome.note = f"clock set to {clock['now']}"
    return None


def _shown(value: Any) -> str:
    return f" {json.dumps(value, separators=(',', ':'), ensure_ascii=False)}" if value else ""


def _seconds(value: float | str | None) -> str:
    return format_duration(float(value or 0))


def _title(step: ScenarioStep) -> str:
    if step.title:
        return step.title
    if step.action == "create" and isinstance(step.create, dict):
        sender = step.create.get("sender", "USER")
        text = str(step.create.get("message", ""))
        return f"{sender} says {text[:50]!r}" + (" (new conversation)" if step.create.get("new_conversation") else "")
    if step.action == "send" and isinstance(step.send, dict):
        text = step.send.get("agent_message", step.send.get("message"))
        said = f"sends {str(text)[:50]!r}" if text is not None else "sends the AI's message"
        new = " (new conversation)" if step.send.get("new_conversation") else ""
        return f"AGENT {said}{new}" + (f" (idempotency-key {step.idempotency_key})" if step.idempotency_key else "")
    if step.action == "list":
        return "list conversations" + _shown(step.list)
    if step.get is not None:
        return f"get conversation {step.get}"
    if step.update is not None:
        verb = {False: "end", True: "reactivate"}.get(step.update.is_active) if step.update.body is None else None
        return f"{verb} conversation {step.update.id}" if verb else f"update conversation {step.update.id}"
    if step.delete is not None:
        return f"delete conversation {step.delete}"
    if step.delete_messages is not None:
        return f"delete messages{_shown(step.delete_messages.message_ids)} of conversation {step.delete_messages.id}"
    if step.numbers is not None:
        return "list numbers" + _shown(step.numbers)
    if step.update_number is not None:
        number = step.update_number.get("phone_number") if isinstance(step.update_number, dict) else None
        return "update number" + (f" {number}" if number else "")
    if step.action in REQUEST_ACTIONS:  # a raw body
        return f"{step.action} with a raw body"
    if step.action == "advance":
        return f"advance the clock {_seconds(step.advance)}"
    if step.action == "set":
        return f"set the clock to {step.set}"
    return "check " + ("conversation state" if step.expect and step.expect.conversation else "the last response")


def _saved_value(action: str, exchange: Exchange) -> dict[str, Any]:
    """What `save_as` keeps: a list's items, ids, pagination and count; an update's whole body (it has no
    `data`); otherwise `data`'s keys. Always the `status`."""
    data = exchange.data
    if action in WHOLE_ACCOUNT:
        items = data if isinstance(data, list) else []
        if action == "numbers":
            return {"status": exchange.status, "items": items, "count": len(items)}
        return {
            "status": exchange.status,
            "items": items,
            "ids": [item.get("id") for item in items if isinstance(item, dict)],
            "pagination": exchange.pagination or {},
            "count": len(items),
        }
    if action == "update":
        body = exchange.json
        return {"status": exchange.status, **(body if isinstance(body, dict) else {})}
    return {"status": exchange.status, **(data if isinstance(data, dict) else {})}


# ------------------------------------------------------------------------------------------- checks


def _compare(what: str, expected: Any, actual: Any) -> CheckResult:
    expected = normal_times(expected)
    found = mismatches(expected, actual)
    if not found:
        return CheckResult(what, True)
    detail = "; ".join(str(m) for m in found[:8]) + (f" (+{len(found) - 8} more)" if len(found) > 8 else "")
    shows_diff = isinstance(expected, dict | list)
    return CheckResult(what, False, detail, diff(expected, actual) if shows_diff else "")


def _response_checks(expect: Expect, exchange: Exchange, *, skip: set[str]) -> list[CheckResult]:
    checks = []
    data = exchange.data
    wanted = expect.model_fields_set - skip
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
    if "data" in wanted:
        checks.append(_compare("data", expect.data, data))
    if expect.response is not None and "response" in wanted:
        checks.append(_compare("response", expect.response, exchange.json))
    if expect.pagination is not None and "pagination" in wanted:
        checks.append(_compare("pagination", expect.pagination, exchange.pagination))
    items = data if isinstance(data, list) else None
    if expect.count is not None and "count" in wanted:
        checks.append(_compare("count", expect.count, None if items is None else len(items)))
    if expect.ids is not None and "ids" in wanted:
        ids = None if items is None else [item.get("id") if isinstance(item, dict) else item for item in items]
        checks.append(_compare("ids", expect.ids, ids))
    if expect.items is not None and "items" in wanted:
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


def _webhook_checks(expect: Expect, target: Target, latest: str | None) -> list[CheckResult]:
    """Each `expect.webhook` judged against the mock's settled delivery log.

    Raises:
        ControlError: the control API refused.
    """
    checks = []
    secrets = secrets_by_account(target.client) if any(w.signed for w in expect.webhooks) else None
    logs = {}
    for wanted in expect.webhooks:
        conversation = wanted.conversation or expect.conversation or latest
        if conversation not in logs:
            logs[conversation] = settled_log(target.client, conversation)
        checks.append(judge(wanted, logs[conversation], secrets))
    return checks
