"""How the state is shown: every answer and record is built from its contract model's own field list.

A view is a plan made once from a model: for each of the model's fields (by its JSON name), the getter
that reads it from the state. Fields whose value is the state's attribute of the same name need no
getter; the rest are derived here. A model field with neither fails at import, so a field added to a
model cannot be forgotten by the mock.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import operator
from collections.abc import Callable, Iterable
from typing import Any

from bland_sms_mock.contracts.models.api import (
    TIMEOUT_SETTINGS,
    ConversationItem,
    ConversationMessage,
    ConversationRecord,
    MessageWebhook,
    NumberItem,
    Sender,
    StatusWebhook,
    UpdatedConversation,
    WebhookAttempt,
    WebhookLog,
    format_timestamp,
)
from bland_sms_mock.contracts.models.control import (
    AgentNumber,
    ConversationDetail,
    MessageRecord,
    StoredAccount,
    StoredConversation,
    WebhookDelivery,
)
from bland_sms_mock.mock_server.state import (
    Account,
    Conversation,
    Delivery,
    Message,
    WebhookAttemptRecord,
    WebhookEvent,
)
from pydantic import BaseModel

Getter = Callable[[Any], Any]
Plan = tuple[tuple[str, Getter], ...]


def _plan(model: type[BaseModel], source: type, derived: dict[str, Getter], skip: Iterable[str] = ()) -> Plan:
    """Pair each field of `model` with its getter: `derived[name]`, else `source`'s attribute of that name."""
    attributes = set(getattr(source, "__dataclass_fields__", {})) | set(getattr(source, "__slots__", ()))
    plan = []
    for name, info in model.model_fields.items():
        if name in skip:
            continue
        if name in derived:
            getter = derived[name]
        elif name in attributes:
            getter = operator.attrgetter(name)
        else:
            raise TypeError(f"{model.__name__}.{name}: no attribute of {source.__name__} and no getter in views")
        plan.append((info.alias or name, getter))
    if stray := set(derived) - set(model.model_fields):
        raise TypeError(f"getters for fields {model.__name__} does not have: {sorted(stray)}")
    return tuple(plan)


def _render(plan: Plan, source: Any) -> dict[str, Any]:
    return {key: get(source) for key, get in plan}


def _instant(ms: int | None) -> str | None:
    return None if ms is None else format_timestamp(ms)


def _timestamp(name: str) -> Getter:
    return lambda source: _instant(getattr(source, name))


def _constant(value: Any) -> Getter:
    return lambda _source: value() if callable(value) else value


def _last(conversation: Conversation) -> Message | None:
    return conversation.messages[-1] if conversation.messages else None


_ITEM_DERIVED: dict[str, Getter] = {
    "created_at": _timestamp("created_at"),
    "updated_at": _timestamp("updated_at"),
    "message_count": lambda c: len(c.messages),
    "last_message": lambda c: m.text if (m := _last(c)) else None,
    "last_message_at": lambda c: format_timestamp(m.created_at) if (m := _last(c)) else None,
    "pathway_tags": _constant(list),
    "summary": _constant(None),
    "citation_variables": _constant(None),
    "disposition_tag": _constant(None),
}
_HIDDEN_DERIVED: dict[str, Getter] = {"timed_out_at": _timestamp("timed_out_at")}

_ITEM = _plan(ConversationItem, Conversation, _ITEM_DERIVED)


def item(conversation: Conversation) -> dict[str, Any]:
    """A conversation as the list endpoint returns it (`ConversationItem`)."""
    return _render(_ITEM, conversation)


# One message of a conversation, read from the pair (conversation, message).
_MESSAGE = _plan(
    ConversationMessage,
    tuple,
    {
        "id": lambda pair: pair[1].id,
        "created_at": lambda pair: format_timestamp(pair[1].created_at),
        "message": lambda pair: pair[1].text,
        "text": lambda pair: pair[1].text,
        "from_": lambda pair: pair[0].agent_number if pair[1].sender == Sender.AGENT else pair[0].user_number,
        "to": lambda pair: pair[0].user_number if pair[1].sender == Sender.AGENT else pair[0].agent_number,
        "sender": lambda pair: str(pair[1].sender),
        "status": lambda pair: "delivered" if pair[1].sender == Sender.AGENT else None,
        "error_code": _constant(None),
    },
)

_RECORD = _plan(
    ConversationRecord,
    Conversation,
    {
        **_ITEM_DERIVED,
        **_HIDDEN_DERIVED,
        "messages": lambda c: [_render(_MESSAGE, (c, m)) for m in c.messages],
        "disposition_logs": _constant(list),
    },
)


def record(conversation: Conversation) -> dict[str, Any]:
    """One conversation with its messages, as `GET /v1/sms/conversations/{id}` returns it."""
    return _render(_RECORD, conversation)


_UPDATED = _plan(UpdatedConversation, Conversation, {"updated_at": _timestamp("updated_at")})


def updated(conversation: Conversation) -> dict[str, Any]:
    """The fields a PATCH of a conversation answers with."""
    return _render(_UPDATED, conversation)


def _next_timer(conversation: Conversation) -> dict[str, str] | None:
    timer = conversation.next_timer()
    return {"kind": timer[0], "due_at": format_timestamp(timer[1])} if timer else None


_DETAIL = _plan(
    ConversationDetail,
    Conversation,
    {
        **_ITEM_DERIVED,
        **_HIDDEN_DERIVED,
        **{setting: (lambda s: lambda c: c.effective(s))(setting) for setting in TIMEOUT_SETTINGS},
        "next_timer": _next_timer,
    },
)


def detail(conversation: Conversation) -> dict[str, Any]:
    """A conversation as the control API shows it: item fields, hidden fields, settings in force, next timer."""
    return _render(_DETAIL, conversation)


_MESSAGE_RECORD = _plan(
    MessageRecord,
    Message,
    {
        "message": operator.attrgetter("text"),
        "message_sid": operator.attrgetter("sid"),
        "created_at": _timestamp("created_at"),
        "sender": lambda m: str(m.sender),
        "kind": lambda m: str(m.kind),
    },
)


def message_record(message: Message) -> dict[str, Any]:
    """A message as the control API shows it and a snapshot keeps it (`MessageRecord`)."""
    return _render(_MESSAGE_RECORD, message)


_STORED = _plan(
    StoredConversation,
    Conversation,
    {
        "created_at": _timestamp("created_at"),
        "updated_at": _timestamp("updated_at"),
        "timed_out_at": _timestamp("timed_out_at"),
        "warning_due": _timestamp("warning_due"),
        "timeout_due": _timestamp("timeout_due"),
        "messages": lambda c: [message_record(m) for m in c.messages],
    },
    skip=("account",),
)


def stored_conversation(account: Account, conversation: Conversation) -> dict[str, Any]:
    """A conversation as a snapshot keeps it (`StoredConversation`): its own overrides, not the settings in force."""
    return {"account": account.name, **_render(_STORED, conversation)}


def number_settings(number: str, settings: Any) -> dict[str, Any]:
    """An agent number and the settings it was given (`AgentNumber`)."""
    fields = {"number": number, "sms_config": settings.model_dump(exclude_none=True)}
    return {name: fields[name] for name in AgentNumber.model_fields}


_ACCOUNT = _plan(
    StoredAccount,
    Account,
    {
        "api_key": lambda a: a.api_keys[0],
        "api_keys": lambda a: a.api_keys[1:],
        "agent_numbers": lambda a: [number_settings(n, s) for n, s in a.numbers.items()],
    },
)


def account_record(account: Account) -> dict[str, Any]:
    """An account as the control API lists it and a snapshot keeps it (`StoredAccount`)."""
    return _render(_ACCOUNT, account)


def number_item(number: str, settings: Any, conversation_count: int) -> dict[str, Any]:
    """A number as `GET /v1/sms/numbers` returns it (`NumberItem`), every setting shown, unset ones null."""
    fields = {"phone_number": number, "sms_config": settings.model_dump(), "conversation_count": conversation_count}
    return {name: fields[name] for name in NumberItem.model_fields}


def tombstone(conversation: Conversation, deleted_at: int) -> dict[str, Any]:
    """What the control API keeps of a deleted conversation: its list item and when it was deleted."""
    return {**item(conversation), "deleted_at": format_timestamp(deleted_at)}


# ------------------------------------------------------------------------------------------ webhooks


def _role(message: Message) -> str:
    return "assistant" if message.sender == Sender.AGENT else "user"


def transcript(messages: Iterable[Message]) -> str:
    """The messages as one text, a `user: ...` or `assistant: ...` line each (a status webhook's transcript)."""
    return "\n".join(f"{_role(m)}: {m.text}" for m in messages)


_WEBHOOK_COMMON: dict[str, Getter] = {
    "phone_number": operator.attrgetter("user_number"),
    "chat_history": lambda e: [{"role": _role(m), "content": m.text} for m in e.messages],
    "pathway_tags": _constant(list),
    "created_at": _timestamp("at_ms"),
}

_MESSAGE_WEBHOOK = _plan(
    MessageWebhook,
    WebhookEvent,
    {
        **_WEBHOOK_COMMON,
        "message": lambda e: e.message.text,
        "sender": lambda e: str(e.message.sender),
        "message_id": lambda e: e.message.id,
        "message_kind": lambda e: str(e.message.kind),
    },
)

_STATUS_WEBHOOK = _plan(
    StatusWebhook,
    WebhookEvent,
    {
        **_WEBHOOK_COMMON,
        "message": _constant(None),
        "sender": _constant(None),
        "message_count": operator.attrgetter("count"),
        "concatenated_transcript": lambda e: transcript(e.messages),
        "summary": _constant(None),
        "citations": _constant(None),
        "dispositions": _constant(None),
    },
)


def webhook_payload(event: WebhookEvent) -> dict[str, Any]:
    """The JSON a webhook POSTs for an event (`MessageWebhook` or `StatusWebhook`)."""
    return _render(_MESSAGE_WEBHOOK if event.type == "message" else _STATUS_WEBHOOK, event)


def webhook_body(event: WebhookEvent) -> bytes:
    """The exact bytes a webhook POSTs: compact JSON, UTF-8, keys in the payload's field order.

    Compact and with non-ASCII characters as they are, it is what JavaScript's `JSON.stringify` gives
    back for the parsed body (whole-number floats aside), so a verifier that re-serialises still matches.
    """
    return json.dumps(webhook_payload(event), separators=(",", ":"), ensure_ascii=False).encode()


def webhook_signature(secret: str, body: bytes) -> str:
    """`X-Webhook-Signature`: the hex HMAC-SHA256 of the body, keyed with the account's webhook secret."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _delivery_signature(delivery: Delivery) -> str:
    return delivery.signature or webhook_signature(delivery.secret, delivery.body or webhook_body(delivery.event))


_ATTEMPT = _plan(
    WebhookAttempt,
    WebhookAttemptRecord,
    {
        "sent_at": _timestamp("sent_ms"),
        "response_time": lambda a: f"{round(a.response_ms)}ms",
    },
)


def webhook_attempt(attempt: WebhookAttemptRecord) -> dict[str, Any]:
    """One delivery attempt (`WebhookAttempt`)."""
    return _render(_ATTEMPT, attempt)


_WEBHOOK_LOG = _plan(
    WebhookLog,
    Delivery,
    {
        "payload": lambda d: webhook_payload(d.event),
        "created_at": _timestamp("created_ms"),
        "user_id": operator.attrgetter("account"),
        "metadata": lambda d: [webhook_attempt(a) for a in d.attempts],
    },
)


def webhook_log(delivery: Delivery) -> dict[str, Any]:
    """A delivery as `GET /v1/sms/conversations/{id}/webhook` answers it (`WebhookLog`)."""
    return _render(_WEBHOOK_LOG, delivery)


_DELIVERY = _plan(
    WebhookDelivery,
    Delivery,
    {
        "event": lambda d: d.event.type,
        "created_at": _timestamp("created_ms"),
        "attempts": lambda d: [webhook_attempt(a) for a in d.attempts],
        "next_attempt_at": lambda d: format_timestamp(d.due_ms) if d.status == "pending" else None,
        "payload": lambda d: webhook_payload(d.event),
        "signature": _delivery_signature,
    },
)


def delivery(delivery: Delivery) -> dict[str, Any]:
    """A delivery as the control API lists it (`WebhookDelivery`)."""
    return _render(_DELIVERY, delivery)
