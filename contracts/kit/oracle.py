"""The contract's reference semantics, written to be obviously right rather than fast.

Brute force over plain lists: no indexes, no heaps, no caches. It shares the models (`bland_sms_mock.contracts.models`)
with the mock and nothing else, so checking the mock against it is a real differential test. Times are
epoch milliseconds; the oracle is told "now" by its caller (the kit, which moves the mock's clock).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from bland_sms_mock.contracts.models.api import (
    FILTER_FIELD_KIND,
    SEND_ALIASES,
    TIMEOUT_SETTINGS,
    ConversationItem,
    ConversationRecord,
    FieldKind,
    FilterField,
    format_timestamp,
    parse_timestamp,
    to_epoch_us,
)

PATHWAY_FIELDS = ("curr_pathway_id", "curr_pathway_version", "current_node_id")
SEND_PATHWAY = {
    "pathway_id": "curr_pathway_id",
    "pathway_version": "curr_pathway_version",
    "start_node_id": "current_node_id",
}
"""How `send` names the pathway fields, and the conversation field each becomes."""


class NotFound(LookupError):
    """The account has no conversation (or number) of that id: the API answers 404."""


class Conflict(Exception):
    """The pair already has another active conversation: reactivating this one is refused."""


class InvalidTimeoutConfig(ValueError):
    """A warning_time that is not below the time_out in force (or has none)."""


@dataclass
class Message:
    """One message of a conversation's history; `id` is the target's, once the caller learns it."""

    sender: str
    kind: str
    text: str | None
    at: int
    id: str | None = None


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
    started_with: dict[str, Any] | None = None
    """The number's sms_config as it was when the running timer started (a later update does not reach it)."""

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
        """The list item fields the oracle keeps (names from `ConversationItem`), timestamps as ISO text."""
        return {name: self.shown(name) for name in _item_fields()}

    def shown(self, name: str) -> Any:
        """A field as the API writes it: an instant as ISO text, anything else as it is."""
        value = getattr(self, name)
        return format_timestamp(value) if name in _timestamp_fields() and value is not None else value

    def record(self) -> dict[str, Any]:
        """What `GET /v1/sms/conversations/{id}` shows: the item, the hidden fields, the messages oldest first."""
        return {
            **self.item(),
            "curr_pathway_version": self.curr_pathway_version,
            "timed_out_at": self.shown("timed_out_at"),
            "messages": [self.message_view(m) for m in self.messages],
        }

    def message_view(self, message: Message) -> dict[str, Any]:
        """A message as one conversation shows it: an AGENT message goes from the agent to the user."""
        agent = message.sender == "AGENT"
        return {
            "sender": message.sender,
            "message": message.text,
            "from": self.agent_number if agent else self.user_number,
            "to": self.user_number if agent else self.agent_number,
            "created_at": format_timestamp(message.at),
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
        """A timeout setting: the conversation's override, else its number's sms_config, else None.

        While a timer runs, the number's sms_config is the one it started with.
        """
        if setting in conversation.overrides:
            return conversation.overrides[setting]
        if conversation.started_with is not None:
            return conversation.started_with.get(setting)
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

    def find(self, api_key: str, conversation_id: str) -> Conversation:
        """The account's conversation of that id.

        Raises:
            NotFound: no such conversation in this account (another account's included).
        """
        found = [c for c in self.conversations if c.account == api_key and c.id == conversation_id]
        if not found:
            raise NotFound(conversation_id)
        return found[0]

    def expected_target(self, api_key: str, body: dict[str, Any]) -> str | None:
        """The id a valid create or send must answer with: the active conversation's, or None for a new one."""
        if body.get("new_conversation"):
            return None
        fields = send_fields(body) if "user_number" not in body or "agent_number" not in body else body
        active = self.active(api_key, fields["user_number"], fields["agent_number"])
        return active.id if active else None

    def create(self, api_key: str, body: dict[str, Any], now: int, conversation_id: str) -> Conversation:
        """Apply a valid create at `now`; `conversation_id` is the id the target gave a new conversation."""
        pathway = {name: body.get(name) for name in PATHWAY_FIELDS}
        message = Message(body.get("sender") or "USER", "message", body["message"], now)
        return self._store(api_key, body, message, pathway, conversation_id)

    def send(
        self, api_key: str, body: dict[str, Any], now: int, conversation_id: str, message_id: str | None = None
    ) -> Conversation:
        """Apply a valid send at `now`: an AGENT message, its pathway fields as send names them.

        The body may use the older names (`phone_number`, `from`, `message`); the current name wins. A send
        without `agent_message` stores the target's own AI text, which the oracle keeps as None.
        """
        fields = send_fields(body)
        pathway = {target: fields.get(name) for name, target in SEND_PATHWAY.items()}
        if pathway["curr_pathway_version"] is not None:
            pathway["curr_pathway_version"] = str(pathway["curr_pathway_version"])
        message = Message("AGENT", "message", fields.get("agent_message"), now, message_id)
        return self._store(api_key, fields, message, pathway, conversation_id)

    def _store(
        self, api_key: str, body: dict[str, Any], message: Message, pathway: dict[str, Any], conversation_id: str
    ) -> Conversation:
        """Append `message` to the pair's active conversation, or to a new one; apply pathway, data, overrides."""
        now = message.at
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
        conversation.messages.append(message)
        conversation.updated_at = now
        for name, value in pathway.items():
            if value is not None:
                setattr(conversation, name, value)
        if isinstance(body.get("request_data"), dict):
            conversation.variables = {**conversation.variables, **body["request_data"]}
        for setting in TIMEOUT_SETTINGS:
            if body.get(setting) is not None:
                conversation.overrides[setting] = body[setting]
        if message.sender == "AGENT":
            conversation.timer_started_at, conversation.warned = now, False
            conversation.started_with = dict(self.numbers[api_key].get(conversation.agent_number, {}))
        else:
            conversation.timer_started_at = conversation.started_with = None
        return conversation

    # --------------------------------------------------------------------- end, delete, delete messages

    def set_active(self, api_key: str, conversation_id: str, is_active: bool, now: int) -> Conversation:
        """Apply a PATCH of `is_active` at `now`: false ends the conversation and cancels its timer.

        true makes an ended conversation active again (its timer waits for the next AGENT message); the
        same state as before changes nothing.

        Raises:
            NotFound: not a conversation of the account.
            Conflict: reactivating while the pair has another active conversation.
        """
        self.settle(now)
        conversation = self.find(api_key, conversation_id)
        if not is_active and conversation.is_active:
            self._end(conversation, now)
        elif is_active and not conversation.is_active:
            if self.active(api_key, conversation.user_number, conversation.agent_number) is not None:
                raise Conflict(conversation_id)
            conversation.is_active, conversation.updated_at = True, now
        return conversation

    def delete(self, api_key: str, conversation_id: str, now: int) -> None:
        """Remove a conversation and its messages at `now`; its timers go with it.

        Raises:
            NotFound: not a conversation of the account (already deleted included).
        """
        self.settle(now)
        conversation = self.find(api_key, conversation_id)
        self.conversations = [c for c in self.conversations if c is not conversation]

    def delete_messages(self, api_key: str, conversation_id: str, message_ids: list[Any], now: int) -> int:
        """Remove the messages whose id is named (as a string or an integer); return how many went.

        Ids that are not this conversation's are ignored; `updated_at`, activity and the timer stay.

        Raises:
            NotFound: not a conversation of the account.
        """
        self.settle(now)
        conversation = self.find(api_key, conversation_id)
        wanted = {str(message_id) for message_id in message_ids}
        kept = [m for m in conversation.messages if m.id is None or m.id not in wanted]
        removed = len(conversation.messages) - len(kept)
        conversation.messages = kept
        return removed

    # ------------------------------------------------------------------------------------ numbers

    def number_items(self, api_key: str) -> list[dict[str, Any]]:
        """The account's numbers as `GET /v1/sms/numbers` lists them, with the conversations of each."""
        return [
            {
                "phone_number": number,
                "sms_config": dict(config),
                "conversation_count": len(
                    [c for c in self.conversations if c.account == api_key and c.agent_number == number]
                ),
            }
            for number, config in self.numbers[api_key].items()
        ]

    def update_number(self, api_key: str, phone_number: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply a number update: settings given replace the number's (null clears one); return them all.

        Raises:
            NotFound: not a number of the account.
            InvalidTimeoutConfig: the result has a warning_time with no time_out, or not below it.
        """
        if phone_number not in self.numbers[api_key]:
            raise NotFound(phone_number)
        merged = {**self.numbers[api_key][phone_number], **changes}
        merged = {name: value for name, value in merged.items() if value is not None}
        warning, time_out = merged.get("warning_time"), merged.get("time_out")
        if warning is not None and (time_out is None or warning >= time_out):
            raise InvalidTimeoutConfig(f"warning_time {warning} is not below time_out {time_out}")
        self.numbers[api_key][phone_number] = merged
        return dict(merged)

    def _end(self, conversation: Conversation, at: int) -> None:
        conversation.is_active = False
        conversation.updated_at = at
        conversation.timer_started_at = conversation.started_with = None

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


def send_fields(body: dict[str, Any]) -> dict[str, Any]:
    """A send body with the older names (`phone_number`, `from`, `message`) read as the current ones.

    When both names are given, the current one wins.
    """
    fields = {name: value for name, value in body.items() if name not in SEND_ALIASES.values()}
    for name, old in SEND_ALIASES.items():
        if name not in fields and old in body:
            fields[name] = body[old]
    return fields


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


@cache
def _item_fields() -> tuple[str, ...]:
    """The fields of a list item the oracle models: those of `ConversationItem` its conversations carry."""
    known = set(Conversation.__dataclass_fields__) | {n for n in dir(Conversation) if not n.startswith("_")}
    return tuple(name for name in ConversationItem.model_fields if name in known)


@cache
def _timestamp_fields() -> frozenset[str]:
    """The fields the API writes as ISO instants (their schema's pattern ends in `Z`), read from the models."""
    properties = ConversationRecord.model_json_schema()["properties"]

    def is_instant(schema: dict[str, Any]) -> bool:
        return any(str(s.get("pattern", "")).endswith("Z$") for s in (schema, *schema.get("anyOf", [])))

    return frozenset(name for name, schema in properties.items() if is_instant(schema))
