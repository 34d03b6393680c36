"""The contract's reference semantics, written to be obviously right rather than fast.

Brute force over plain lists: no indexes, no heaps, no caches. It shares the models (`bland_sms_mock.contracts.models`)
with the mock and nothing else, so checking the mock against it is a real differential test. Times are
epoch milliseconds; the oracle is told "now" by its caller (the kit, which moves the mock's clock).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from bland_sms_mock.contracts.models.api import (
    FILTER_FIELD_KIND,
    TIMEOUT_SETTINGS,
    FieldKind,
    FilterField,
    format_timestamp,
    parse_timestamp,
    to_epoch_us,
)

PATHWAY_FIELDS = ("curr_pathway_id", "curr_pathway_version", "current_node_id")


@dataclass
class Message:
    """One message of a conversation's history."""

    sender: str
    kind: str
    text: str
    at: int


@dataclass
class Conversation:
    """A conversation as the contract describes it."""

    id: str
    account: str
    user_number: str
    agent_number: str
    created_at: int
    updated_at: int
    variables: dict[str, Any] = field(default_factory=dict)
    current_node_id: str | None = None
    curr_pathway_id: str | None = None
    curr_pathway_version: str | None = None
    is_active: bool = True
    timed_out_at: int | None = None
    messages: list[Message] = field(default_factory=list)
    overrides: dict[str, Any] = field(default_factory=dict)
    timer_started_at: int | None = None
    warned: bool = False

    @property
    def message_count(self) -> int:
        """How many messages the history holds (warnings and timeout messages included)."""
        return len(self.messages)

    @property
    def last_message(self) -> str | None:
        """The newest message's text."""
        return self.messages[-1].text if self.messages else None

    @property
    def last_message_at(self) -> int | None:
        """The newest message's time."""
        return self.messages[-1].at if self.messages else None

    def value(self, name: str) -> Any:
        """A field by its API name, timestamps as epoch milliseconds."""
        return getattr(self, name)

    def item(self) -> dict[str, Any]:
        """The fields a list item shows, as the API writes them (timestamps as ISO text)."""
        return {
            "id": self.id,
            "created_at": format_timestamp(self.created_at),
            "updated_at": format_timestamp(self.updated_at),
            "user_number": self.user_number,
            "agent_number": self.agent_number,
            "variables": self.variables,
            "current_node_id": self.current_node_id,
            "curr_pathway_id": self.curr_pathway_id,
            "is_active": self.is_active,
            "message_count": self.message_count,
            "last_message": self.last_message,
            "last_message_at": format_timestamp(self.last_message_at) if self.last_message_at is not None else None,
        }


class Oracle:
    """Every account's conversations and what each API call must do to them.

    `numbers` maps an API key to its agent numbers and their `sms_config` dicts.
    """

    def __init__(self, numbers: dict[str, dict[str, dict[str, Any]]]) -> None:
        self.numbers = numbers
        self.conversations: list[Conversation] = []

    # ------------------------------------------------------------------------------------ create

    def effective(self, conversation: Conversation, setting: str) -> Any:
        """A timeout setting: the conversation's override, else its number's sms_config, else None."""
        if setting in conversation.overrides:
            return conversation.overrides[setting]
        return self.numbers[conversation.account].get(conversation.agent_number, {}).get(setting)

    def active(self, api_key: str, user_number: str, agent_number: str) -> Conversation | None:
        """The active conversation of a pair in an account, if any."""
        found = [
            c
            for c in self.conversations
            if c.account == api_key and c.user_number == user_number and c.agent_number == agent_number and c.is_active
        ]
        assert len(found) <= 1, "the oracle holds two active conversations for one pair"
        return found[0] if found else None

    def expected_target(self, api_key: str, body: dict[str, Any]) -> str | None:
        """The id a valid create must answer with: the active conversation's, or None for a new one."""
        if body.get("new_conversation"):
            return None
        active = self.active(api_key, body["user_number"], body["agent_number"])
        return active.id if active else None

    def create(self, api_key: str, body: dict[str, Any], now: int, conversation_id: str) -> Conversation:
        """Apply a valid create at `now`; `conversation_id` is the id the target gave a new conversation."""
        self.settle(now)
        conversation = self.active(api_key, body["user_number"], body["agent_number"])
        if conversation is not None and body.get("new_conversation"):
            self._end(conversation, now)
            conversation = None
        if conversation is None:
            conversation = Conversation(
                conversation_id, api_key, body["user_number"], body["agent_number"], created_at=now, updated_at=now
            )
            self.conversations.append(conversation)
        sender = body.get("sender") or "USER"
        conversation.messages.append(Message(sender, "message", body["message"], now))
        conversation.updated_at = now
        for name in PATHWAY_FIELDS:
            if body.get(name) is not None:
                setattr(conversation, name, body[name])
        if isinstance(body.get("request_data"), dict):
            conversation.variables = {**conversation.variables, **body["request_data"]}
        for setting in TIMEOUT_SETTINGS:
            if body.get(setting) is not None:
                conversation.overrides[setting] = body[setting]
        if sender == "AGENT":
            conversation.timer_started_at, conversation.warned = now, False
        else:
            conversation.timer_started_at = None
        return conversation

    def _end(self, conversation: Conversation, at: int) -> None:
        conversation.is_active = False
        conversation.updated_at = at
        conversation.timer_started_at = None

    # ------------------------------------------------------------------------------------ timers

    def due_timers(self) -> list[tuple[int, str, Conversation]]:
        """Every pending (due time, kind, conversation), soonest first."""
        pending = []
        for c in self.conversations:
            if not c.is_active or c.timer_started_at is None:
                continue
            time_out = self.effective(c, "time_out")
            if time_out is None:
                continue
            warning = self.effective(c, "warning_time")
            if warning is not None and warning < time_out and not c.warned:
                pending.append((c.timer_started_at + warning * 1000, "warning", c))
            pending.append((c.timer_started_at + time_out * 1000, "timeout", c))
        return sorted(pending, key=lambda entry: (entry[0], entry[1] != "warning"))

    def settle(self, now: int) -> list[tuple[int, str, str]]:
        """Fire every timer due up to `now`, in due order; return (due, kind, conversation id) of each."""
        fired = []
        while True:
            due = [entry for entry in self.due_timers() if entry[0] <= now]
            if not due:
                return fired
            at, kind, conversation = due[0]
            if kind == "warning":
                conversation.warned = True
                text = self.effective(conversation, "warning_message")
                if text:
                    conversation.messages.append(Message("AGENT", "warning", text, at))
                    conversation.updated_at = at
            else:
                text = self.effective(conversation, "timeout_message")
                if text:
                    conversation.messages.append(Message("AGENT", "timeout", text, at))
                self._end(conversation, at)
                conversation.timed_out_at = at
            fired.append((at, kind, conversation.id))

    # ------------------------------------------------------------------------------------- list

    def query(self, api_key: str, params: dict[str, Any], filters: list[dict[str, Any]]) -> tuple[list[str], int]:
        """(ids of the requested page in order, totalItems) for an account's list call."""
        matching = [c for c in self.conversations if c.account == api_key and all(matches(c, f) for f in filters)]
        ordered = sort(matching, params.get("sortBy", "created_at"), params.get("sortDir", "desc"))
        size, page = int(params.get("pageSize", 25)), int(params.get("page", 1))
        return [c.id for c in ordered[(page - 1) * size : page * size]], len(matching)


def total_pages(total: int, page_size: int) -> int:
    """ceil(total / page_size); 0 when nothing matches."""
    return math.ceil(total / page_size)


def sort(conversations: list[Conversation], field_name: str, direction: str) -> list[Conversation]:
    """Sorted by a field, nulls after every value in asc, ties broken by id in the same direction."""
    present = [c for c in conversations if c.value(field_name) is not None]
    absent = [c for c in conversations if c.value(field_name) is None]
    present.sort(key=lambda c: (c.value(field_name), c.id))
    absent.sort(key=lambda c: c.id)
    ordered = present + absent
    return ordered[::-1] if direction == "desc" else ordered


def matches(conversation: Conversation, spec: dict[str, Any]) -> bool:
    """Whether one `{field, operator, value}` filter keeps the conversation."""
    name, operator, value = spec["field"], spec["operator"], spec["value"]
    kind = FILTER_FIELD_KIND[FilterField(name)]
    actual = conversation.value(name)
    if value is None:
        return operator == "eq" and actual is None
    if actual is None:
        return False
    if kind is FieldKind.TIMESTAMP and operator in ("contains", "startsWith", "endsWith"):
        return _text_test(format_timestamp(actual), operator, value)
    if kind is FieldKind.TIMESTAMP:  # compared in microseconds: a filter value may be finer than a millisecond
        actual, value = actual * 1000, to_epoch_us(parse_timestamp(value))
    elif kind is FieldKind.BOOLEAN and isinstance(value, str):
        value = value == "true"
    elif kind is FieldKind.INTEGER:
        value = int(value)
    if kind is FieldKind.OBJECT:
        if operator == "eq":
            return json_equal(actual, value)
        return all(key in actual and json_equal(actual[key], item) for key, item in value.items())
    if operator == "eq":
        return actual == value
    if operator in ("contains", "startsWith", "endsWith"):
        return _text_test(actual, operator, value)
    return {"gt": actual > value, "gte": actual >= value, "lt": actual < value, "lte": actual <= value}[operator]


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: `true` is not `1`, `1` is `1.0`, objects and arrays compare member by member."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict | list) or isinstance(b, dict | list):
        return False
    return a == b


def _text_test(actual: str, operator: str, value: str) -> bool:
    if operator == "contains":
        return value in actual
    if operator == "startsWith":
        return actual.startswith(value)
    return actual.endswith(value)
