"""What a check sees: the accounts, what the target is, its limits and evidence; and how it reports.

A check raises `Violation(message, level)` when the target breaks a rule (the level says how binding that
rule is), or `Skip(reason)` when it cannot run here (read-only, no second account, no clock).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bland_sms_mock.contracts.client import Client, Exchange
from bland_sms_mock.contracts.models.api import Level, timestamp_ms

LEVEL_ORDER = {Level.DOCUMENTED: 0, Level.INFERRED: 1, Level.MOCK: 2}


RUN_TAG = "kit_run"
"""The `request_data` key every conversation the kit creates carries, with the run id as its value."""


GROUP_TAG = "kit_check"
"""The `request_data` key naming the check (or group of checks) that created a conversation."""


class Violation(Exception):
    """The target broke a rule of `level`; `message` says which and how."""

    def __init__(self, message: str, level: Level, exchanges: list[Exchange] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.level = level
        self.exchanges = exchanges


class Skip(Exception):
    """The check cannot run against this target; the message says why."""


class BudgetExhausted(Skip):
    """`--max-creates` is reached; the rest of the check is not run."""


class NotTheKits(AssertionError):
    """A bug in the kit: it was about to change a conversation it did not create in this run."""


@dataclass
class KitAccount:
    """A key the kit may use and one of its agent numbers, with that number's sms_config when known."""

    client: Client
    agent_number: str
    sms_config: dict[str, Any] = field(default_factory=dict)

    @property
    def api_key(self) -> str:
        """The account's API key."""
        return self.client.api_key or ""


@dataclass
class KitContext:
    """What a check may use: the accounts, what the target is, the limits, and the evidence so far."""

    primary: KitAccount
    second: KitAccount | None
    is_mock: bool
    capabilities: set[str]
    level: Level
    run_id: str = field(default_factory=lambda: secrets.token_hex(4))
    read_only: bool = False
    max_creates: int | None = None
    max_examples: int = 50
    seed: int | None = None
    timeout_checks: str = "real"
    creates: int = 0
    evidence: list[Exchange] = field(default_factory=list)
    numbers_used: int = 0
    cache: dict[str, Any] = field(default_factory=dict)
    group: str = ""
    own_accounts: bool = False
    """Whether the kit works in accounts it added to a mock for this run (so their numbers are its own)."""
    allow_number_updates: bool = False
    created: set[str] = field(default_factory=set)
    """Ids of the conversations this run's creates and sends made or joined: the only ones it may change."""

    @property
    def has_clock(self) -> bool:
        """Whether the kit may freeze and move the target's clock."""
        return self.is_mock and "clock" in self.capabilities

    def user_number(self) -> str:
        """A user number no earlier step of this run used (E.164, a reserved 555 number).

        Numbers run up from a random base, so two runs on one live account almost never share a pair
        (a shared pair would append to the other run's active conversation).
        """
        if "number_base" not in self.cache:
            self.cache["number_base"] = secrets.randbelow(9_000_000) + 500_000
        self.numbers_used += 1
        return f"+1555{self.cache['number_base'] + self.numbers_used:07d}"

    def tag(self) -> dict[str, str]:
        """The `request_data` that marks a conversation as this run's, and the running check's."""
        return {RUN_TAG: self.run_id, GROUP_TAG: self.group}

    def scope(self) -> list[dict[str, Any]]:
        """The filter that keeps only this run's conversations (none in read-only mode)."""
        if self.read_only:
            return []
        return [{"field": "variables", "operator": "contains", "value": self.tag()}]

    def writing(self) -> None:
        """Refuse to go on in read-only mode.

        Raises:
            Skip: in read-only mode.
        """
        if self.read_only:
            raise Skip("--read-only: this check creates conversations")

    def create(self, body: Any, *, account: KitAccount | None = None, api_key: Any = ..., tag: bool = True) -> Exchange:
        """Send a create (tagged with the run id); an accepted one counts against `--max-creates`.

        Raises:
            Skip: read-only mode.
            BudgetExhausted: the create budget is spent.
        """
        self.may_create()
        account = account or self.primary
        if tag and isinstance(body, dict):
            body = {**body, "request_data": {**self.tag(), **(body.get("request_data") or {})}}
        kwargs = {} if api_key is ... else {"api_key": api_key}
        exchange = account.client.create(body, **kwargs)
        self.evidence.append(exchange)
        self.count_create(exchange)
        return exchange

    @property
    def budget_left(self) -> bool:
        """Whether `--max-creates` still allows an accepted create."""
        return self.max_creates is None or self.creates < self.max_creates

    def may_create(self) -> None:
        """Refuse a create in read-only mode or once `--max-creates` accepted creates were made.

        Raises:
            Skip: read-only mode.
            BudgetExhausted: the create budget is spent.
        """
        self.writing()
        if not self.budget_left:
            raise BudgetExhausted(f"--max-creates {self.max_creates} reached")

    def count_create(self, exchange: Exchange) -> None:
        """Count a create or send the target accepted (a refused one stored nothing) and keep its conversation id."""
        if exchange.status < 300:
            self.creates += 1
            data = exchange.data
            if isinstance(data, dict) and isinstance(data.get("conversation_id"), str):
                self.created.add(data["conversation_id"])

    def send(
        self,
        body: Any,
        *,
        account: KitAccount | None = None,
        api_key: Any = ...,
        tag: bool = True,
        idempotency_key: str | None = None,
    ) -> Exchange:
        """Send an AGENT message (tagged with the run id); an accepted send counts against `--max-creates`.

        Raises:
            Skip: read-only mode.
            BudgetExhausted: the create budget is spent.
        """
        self.may_create()
        if tag and isinstance(body, dict):
            body = {**body, "request_data": {**self.tag(), **(body.get("request_data") or {})}}
        kwargs = {} if api_key is ... else {"api_key": api_key}
        exchange = (account or self.primary).client.send(body, idempotency_key=idempotency_key, **kwargs)
        self.evidence.append(exchange)
        self.count_create(exchange)
        return exchange

    def send_body(self, user_number: str | None = None, **fields: Any) -> dict[str, Any]:
        """A valid send body for the primary account."""
        return {
            "user_number": user_number or self.user_number(),
            "agent_number": self.primary.agent_number,
            "agent_message": "contract kit",
            **fields,
        }

    def read(self, conversation_id: Any, *, account: KitAccount | None = None) -> Exchange:
        """`GET /v1/sms/conversations/{id}` (reading is safe on any conversation)."""
        return self.record((account or self.primary).client.get_conversation(conversation_id))

    def _ours(self, conversation_id: Any) -> None:
        """Refuse to change a conversation this run did not create.

        Raises:
            Skip: read-only mode.
            NotTheKits: the id is not one of this run's conversations (a bug in the kit).
        """
        self.writing()
        if conversation_id not in self.created:
            raise NotTheKits(f"the kit changes only conversations it created in this run, not {conversation_id!r}")

    def patch(self, conversation_id: str, body: Any, *, account: KitAccount | None = None) -> Exchange:
        """`PATCH /v1/sms/conversations/{id}` of one of this run's conversations."""
        self._ours(conversation_id)
        return self.record((account or self.primary).client.update_conversation(conversation_id, body))

    def delete(self, conversation_id: str, *, account: KitAccount | None = None) -> Exchange:
        """`DELETE /v1/sms/conversations/{id}` of one of this run's conversations."""
        self._ours(conversation_id)
        return self.record((account or self.primary).client.delete_conversation(conversation_id))

    def delete_messages(self, conversation_id: str, body: Any, *, account: KitAccount | None = None) -> Exchange:
        """`DELETE /v1/sms/conversations/{id}/messages` of one of this run's conversations."""
        self._ours(conversation_id)
        return self.record((account or self.primary).client.delete_messages(conversation_id, body))

    def numbers(self, params: dict[str, Any] | None = None, *, account: KitAccount | None = None) -> Exchange:
        """`GET /v1/sms/numbers`."""
        return self.record((account or self.primary).client.numbers(params))

    def may_update_numbers(self) -> None:
        """Refuse to change a number's settings unless allowed (or the number is the kit's own, on a mock).

        Raises:
            Skip: read-only mode, or neither `--allow-number-updates` nor a mock account of the kit's own.
        """
        self.writing()
        if not (self.allow_number_updates or self.own_accounts):
            raise Skip(
                "changes the agent number's sms_config (and puts it back): give --allow-number-updates to run it"
            )

    def update_number(self, body: Any, *, account: KitAccount | None = None) -> Exchange:
        """`POST /v1/sms/number/update`, only when number updates are allowed."""
        self.may_update_numbers()
        return self.record((account or self.primary).client.update_number(body))

    def list(
        self,
        params: dict[str, Any] | None = None,
        *,
        account: KitAccount | None = None,
        api_key: Any = ...,
        scoped: bool = True,
    ) -> Exchange:
        """List conversations, ANDing the run's scope filter to any `filters` given."""
        query = dict(params or {})
        if scoped and self.scope():
            extra = query.get("filters") or []
            query["filters"] = [*self.scope(), *extra] if isinstance(extra, list) else extra
        kwargs = {} if api_key is ... else {"api_key": api_key}
        exchange = (account or self.primary).client.list(query, **kwargs)
        self.evidence.append(exchange)
        return exchange

    def binding(self, level: Level) -> bool:
        """Whether a violation of a rule of `level` fails this run."""
        return LEVEL_ORDER[level] <= LEVEL_ORDER[self.level]

    def note(self, violation: Violation) -> None:
        """Keep a violation below the run's level (information) and let the check go on exploring."""
        self.cache.setdefault(("notes", self.group), []).append(violation)

    def noting(self, action: Callable[[], None]) -> None:
        """Run part of a check; a violation below the run's level becomes a note and ends only that part.

        Raises:
            Violation: one the run's level makes binding.
        """
        try:
            action()
        except Violation as violation:
            if self.binding(violation.level):
                raise
            self.note(violation)

    def raise_notes(self) -> None:
        """Report the first kept note, if any, as this check's (information-level) outcome.

        Raises:
            Violation: the first note, with a count of the others.
        """
        notes = self.cache.pop(("notes", self.group), [])
        if notes:
            first = notes[0]
            more = f" (and {len(notes) - 1} more such differences)" if len(notes) > 1 else ""
            raise Violation(first.message + more, first.level, first.exchanges)

    def move_clock(self, seconds: float) -> int:
        """Advance the mock's clock (timers due on the way fire); return its new time in epoch ms.

        Raises:
            Violation: the mock refused to move its clock ([mock] level).
        """
        exchange = self.record(
            self.primary.client.request(
                "POST", "/_mock/clock", json_body={"advance": seconds}, api_key=None, control=True
            )
        )
        if exchange.status != 200 or not isinstance(exchange.json, dict):
            raise Violation(f"the mock refused to move its clock: {exchange.response_line(200)}", Level.MOCK)
        fired = exchange.json.get("fired") or []
        self.cache.setdefault("fired", []).extend(e.get("conversation_id") for e in fired if isinstance(e, dict))
        return timestamp_ms(exchange.json["now"])

    def record(self, exchange: Exchange) -> Exchange:
        """Keep an exchange as evidence (for control API calls a check makes itself)."""
        self.evidence.append(exchange)
        return exchange

    def base_body(self, user_number: str | None = None, **fields: Any) -> dict[str, Any]:
        """A valid create body for the primary account."""
        return {
            "user_number": user_number or self.user_number(),
            "agent_number": self.primary.agent_number,
            "message": "contract kit",
            **fields,
        }

    def ok(self, exchange: Exchange, what: str) -> dict[str, Any]:
        """The `data` of a 200 answer, or a violation naming `what` was refused.

        Raises:
            Violation: documented level; the target refused a valid request.
        """
        if exchange.status != 200 or not isinstance(exchange.data, dict | list):
            raise Violation(f"{what}: a valid request was answered {exchange.response_line(300)}", Level.DOCUMENTED)
        return exchange.data


def first_of(error: BaseException, kind: type[BaseException]) -> BaseException | None:
    """The first exception of `kind` in an exception or in a (nested) exception group, else None."""
    if isinstance(error, kind):
        return error
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            found = first_of(inner, kind)
            if found is not None:
                return found
    return None


def fail(message: str, level: Level) -> None:
    """Raise a violation of a rule of `level`."""
    raise Violation(message, level)
