"""The mock's state as data: accounts, their conversations and messages, and the ids they are known by."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from bland_sms_mock.contracts.models.api import format_timestamp
from bland_sms_mock.contracts.models.control import SmsConfig
from sortedcontainers import SortedKeyList

TIMEOUT_SETTINGS = ("time_out", "timeout_message", "warning_time", "warning_message")


@dataclass(slots=True)
class Message:
    """One message of a conversation's history."""

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
    warning_due: int | None = None
    timeout_due: int | None = None
    generation: int = 0

    def effective(self, setting: str) -> Any:
        """The setting in force: the conversation's override, else the number's sms_config."""
        own = getattr(self, setting)
        return own if own is not None else getattr(self.sms_config, setting)

    def next_timer(self) -> tuple[str, int] | None:
        """The next pending timer as (kind, due instant), or None."""
        if self.warning_due is not None:
            return ("warning", self.warning_due)
        if self.timeout_due is not None:
            return ("timeout", self.timeout_due)
        return None


def _by_created(conversation: Conversation) -> tuple[int, str]:
    return (conversation.created_at, conversation.id)


@dataclass(eq=False)
class Account:
    """An account: its keys, its agent numbers, and its conversations indexed for the list endpoint."""

    name: str
    api_keys: list[str]
    numbers: dict[str, SmsConfig]
    from_config: bool = True
    conversations: dict[str, Conversation] = field(default_factory=dict)
    active: dict[tuple[str, str], Conversation] = field(default_factory=dict)
    by_created: SortedKeyList = field(default_factory=lambda: SortedKeyList(key=_by_created))
    orders: dict[str, tuple[int, list[Conversation]]] = field(default_factory=dict)
    """Ascending orders by sort key, each valid while the store's version is the one it was built at."""

    def spec(self) -> dict[str, Any]:
        """The account as the control API shows it."""
        return {
            "name": self.name,
            "api_key": self.api_keys[0],
            "api_keys": list(self.api_keys),
            "agent_numbers": [
                {"number": number, "sms_config": config.model_dump(exclude_none=True)}
                for number, config in self.numbers.items()
            ],
        }


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
