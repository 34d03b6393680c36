"""The mock's state as data: accounts, their conversations and messages, and the indexes a reset empties.

`State` is built by construction from a list of accounts; a reset, a restore and a fresh mock all make
a new one, so no field can be forgotten by one of them.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bland_sms_mock.contracts.models.api import TIMEOUT_SETTINGS, SmsConfig, format_timestamp
from bland_sms_mock.mock_server.orders import Orders
from bland_sms_mock.mock_server.timers import TimerQueue
from sortedcontainers import SortedKeyList

IDEMPOTENCY_KEYS_KEPT = 10_000
"""How many `idempotency-key`s of `send` the mock remembers; the oldest is forgotten first [mock]."""

DELETED_KEPT = 1_000
"""How many deleted conversations the control API remembers for the inspector [mock]."""


@dataclass(slots=True)
class Message:
    """One message of a conversation's history."""

    id: str
    sender: str
    kind: str
    text: str
    sid: str | None
    created_at: int


@dataclass(slots=True, eq=False)
class Conversation:
    """A conversation between a user number and an agent number of one account."""

    id: str
    user_number: str
    agent_number: str
    created_at: int
    updated_at: int
    sms_config: SmsConfig
    """The number's settings as they were when the conversation opened or its timer last started."""
    messages: list[Message] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)
    current_node_id: str | None = None
    curr_pathway_id: str | None = None
    curr_pathway_version: str | None = None
    is_active: bool = True
    timed_out_at: int | None = None
    time_out: int | None = None
    timeout_message: str | None = None
    warning_time: int | None = None
    warning_message: str | None = None
    webhook: str | None = None
    metadata: dict[str, Any] | None = None
    effective_channel: str = "sms"
    warning_due: int | None = None
    timeout_due: int | None = None
    generation: int = 0

    def effective(self, setting: str) -> Any:
        """The setting in force: the conversation's override, else the number's sms_config."""
        own = getattr(self, setting)
        return own if own is not None else getattr(self.sms_config, setting)

    def settings(self) -> dict[str, Any]:
        """Every timer setting in force, by name."""
        return {setting: self.effective(setting) for setting in TIMEOUT_SETTINGS}

    def next_timer(self) -> tuple[str, int] | None:
        """The next pending timer as (kind, due instant), or None."""
        if self.warning_due is not None:
            return ("warning", self.warning_due)
        if self.timeout_due is not None:
            return ("timeout", self.timeout_due)
        return None


@dataclass(eq=False)
class Account:
    """An account: its keys, its agent numbers, and its conversations indexed for the list endpoint."""

    name: str
    api_keys: list[str]
    numbers: dict[str, SmsConfig]
    from_config: bool = True
    conversations: dict[str, Conversation] = field(default_factory=dict)
    active: dict[tuple[str, str], Conversation] = field(default_factory=dict)
    orders: Orders = field(default_factory=Orders)
    """The conversations sorted by each list field in use, kept current by the store on every write."""
    webhook_secret: str | None = None
    """Key of the `X-Webhook-Signature` of the account's webhooks; derived from the name when not given."""

    def __post_init__(self) -> None:
        if not self.webhook_secret:
            self.webhook_secret = default_webhook_secret(self.name)

    @property
    def by_created(self) -> SortedKeyList:
        """The conversations oldest first (by created_at, then id)."""
        return self.orders.created.values

    def without_conversations(self) -> Account:
        """The same account (keys, numbers and their settings, webhook secret) with no conversations."""
        return Account(
            self.name, list(self.api_keys), dict(self.numbers), self.from_config, webhook_secret=self.webhook_secret
        )


def default_webhook_secret(name: str) -> str:
    """An account's webhook secret when none is configured: `whsec_` and 32 hex digits of its name's hash [mock].

    The same name gives the same secret on every run, so a test can hard-code it or read it from
    `GET /_mock/accounts`.
    """
    return "whsec_" + hashlib.sha256(f"bland-sms-mock webhook secret:{name}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class IdempotentReply:
    """What a `send` with an `idempotency-key` answered, and the body it answered."""

    body: dict[str, Any]
    conversation_id: str
    message_id: str


class State:
    """Everything a reset empties: accounts and their indexes, conversations, timers, remembered sends."""

    def __init__(self, accounts: Iterable[Account]) -> None:
        self.accounts: dict[str, Account] = {}
        self.by_key: dict[str, Account] = {}
        self.conversations: dict[str, Conversation] = {}
        self.owner: dict[str, Account] = {}
        self.timers = TimerQueue()
        self.replies: OrderedDict[tuple[str, str], IdempotentReply] = OrderedDict()
        self.deleted: OrderedDict[str, tuple[str, dict[str, Any]]] = OrderedDict()
        """Deleted conversations by id: (account name, what the control API shows of it), oldest first."""
        self.last_message_id = 0
        for account in accounts:
            self.register(account)

    def register(self, account: Account) -> None:
        """Make an account known by its name and every key."""
        self.accounts[account.name] = account
        for key in account.api_keys:
            self.by_key[key] = account

    def new_message_id(self) -> str:
        """The next message id: a string of decimal digits, unique in this state [mock]."""
        self.last_message_id += 1
        return str(self.last_message_id)

    def new_message_ids(self, count: int) -> list[str]:
        """The next `count` message ids at once (a seed's messages that came without one)."""
        first = self.last_message_id + 1
        self.last_message_id += count
        return [str(number) for number in range(first, first + count)]

    def note_message_id(self, message_id: str) -> None:
        """Keep later ids above one that was loaded (from a snapshot or a seed)."""
        if message_id.isdigit():
            self.last_message_id = max(self.last_message_id, int(message_id))

    def remember(self, account: Account, key: str, reply: IdempotentReply) -> None:
        """Remember what a send with an idempotency key answered, forgetting the oldest past the cap."""
        self.replies[(account.name, key)] = reply
        while len(self.replies) > IDEMPOTENCY_KEYS_KEPT:
            self.replies.popitem(last=False)

    def bury(self, account: Account, tombstone: dict[str, Any]) -> None:
        """Remember a deleted conversation for the control API, forgetting the oldest past the cap."""
        self.deleted[tombstone["id"]] = (account.name, tombstone)
        while len(self.deleted) > DELETED_KEPT:
            self.deleted.popitem(last=False)


_NO_VARIABLES: dict[str, Any] = {}
"""Shared by every event of a conversation without variables (events never change their variables)."""


@dataclass(slots=True)
class WebhookEvent:
    """What a webhook tells, captured at the instant of its event; the payload is rendered from it later.

    The history is kept as the conversation's message list and its length then: the store only ever
    appends to that list (deleting messages gives the conversation a new one), so the first `count`
    messages stay as they were, and capturing costs no copy. Never changed once captured (not frozen
    only because a frozen dataclass is slower to build, and one is built per webhook).
    """

    type: str
    """`message` or `status`."""
    conversation_id: str
    user_number: str
    agent_number: str
    channel: str
    pathway_id: str | None
    pathway_version: str | None
    variables: dict[str, Any]
    metadata: dict[str, Any] | None
    history: list[Message]
    count: int
    message: Message | None
    status: str | None
    at_ms: int

    @classmethod
    def capture(
        cls,
        conversation: Conversation,
        kind: str,
        at_ms: int,
        *,
        message: Message | None = None,
        status: str | None = None,
    ) -> WebhookEvent:
        """The event as the conversation stands now."""
        return cls(
            kind,
            conversation.id,
            conversation.user_number,
            conversation.agent_number,
            conversation.effective_channel,
            conversation.curr_pathway_id,
            conversation.curr_pathway_version,
            dict(conversation.variables) if conversation.variables else _NO_VARIABLES,
            conversation.metadata,
            conversation.messages,
            len(conversation.messages),
            message,
            status,
            at_ms,
        )

    @property
    def messages(self) -> list[Message]:
        """The conversation's messages at the instant of the event, oldest first."""
        return self.history[: self.count]


@dataclass(slots=True)
class WebhookAttemptRecord:
    """One attempt to deliver a webhook."""

    sent_ms: int
    """When it went out, on the mock's clock."""
    response_code: int | None
    response_ms: float
    """How long it took, in real milliseconds."""
    send_type: str
    error_message: str | None


@dataclass(eq=False, slots=True)
class Delivery:
    """One webhook to deliver: the event, where it goes, its signature key, and what happened to it.

    Up to 20,000 of these live at once (pending and logged), so each is kept to two objects the garbage
    collector tracks (this and its event): slots, attempts as a tuple (replaced, never appended to).
    """

    id: str
    account: str
    conversation_id: str
    url: str
    event: WebhookEvent
    secret: str
    created_ms: int
    due_ms: int
    """When the next attempt is due, on the mock's clock."""
    lane: str
    """Deliveries of one lane (a conversation) go out one at a time, in the order of their events."""
    status: str = "pending"
    attempts: tuple[WebhookAttemptRecord, ...] = ()
    fault: str | None = None
    duplicate_of: str | None = None
    note: str | None = None
    body: bytes | None = None
    """The exact bytes sent, kept while attempts remain (retries send the same bytes)."""
    signature: str | None = None


@dataclass(frozen=True)
class Fired:
    """A timer that fired: which conversation, what it did and when it fell due."""

    conversation_id: str
    kind: str
    due_ms: int

    def to_dict(self) -> dict[str, str]:
        """JSON form for the control API."""
        return {"conversation_id": self.conversation_id, "kind": self.kind, "due_at": format_timestamp(self.due_ms)}


def new_id(prefix: str) -> str:
    """An opaque id: `<prefix>_<32 hex>` [mock]."""
    return f"{prefix}_{uuid.uuid4().hex}"


def new_ids(prefix: str, count: int) -> list[str]:
    """`count` opaque ids like `new_id`'s, from one draw of random bits (a seed names a million conversations)."""
    digits = os.urandom(16 * count).hex()
    return [f"{prefix}_{digits[start : start + 32]}" for start in range(0, 32 * count, 32)]
