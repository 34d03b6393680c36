"""The mock's own models: account and number settings, the control API's bodies, config files, snapshots.

None of these is part of the real API's document; their rules are [mock] in docs/contract.md.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal, Protocol

from bland_sms_mock.contracts.models.api import (
    AnyWebhook,
    Channel,
    ContractModel,
    ConversationHidden,
    ConversationItem,
    MessageKind,
    PhoneNumber,
    Sender,
    SmsConfig,
    TimeoutSettings,
    Timestamp,
    WebhookAttempt,
    WebhookUrl,
    _query_int,
    check_timestamp,
    parse_timestamp,
)
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

# --------------------------------------------------------------------------------------------------
# Mock-only models (the control API); never part of the real API's document


class NumberSettings(SmsConfig):
    """A number's `sms_config` in a config file or the control API: an unknown key is refused (a typo)."""

    model_config = ConfigDict(extra="forbid")


class AgentNumber(ContractModel):
    """An agent number of an account and its sms_config."""

    model_config = ConfigDict(strict=True, extra="forbid")

    number: PhoneNumber
    sms_config: NumberSettings = Field(default_factory=NumberSettings)


class AccountSpec(ContractModel):
    """An account: its API key and agent numbers (body of `POST /_mock/accounts`)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    api_key: str = Field(min_length=1, max_length=512, pattern=r"^[!-~]+$")
    agent_numbers: list[AgentNumber] = Field(default_factory=list)
    webhook_secret: str | None = Field(
        None,
        min_length=1,
        max_length=256,
        pattern=r"^[!-~]+$",
        description="Key of the HMAC-SHA256 `X-Webhook-Signature` of this account's webhooks; when left out, "
        "`whsec_` and 32 hex digits derived from the account's name (the same on every run).",
    )


class NextTimer(ContractModel):
    """The next timer due on a conversation."""

    kind: Literal["warning", "timeout"]
    due_at: Timestamp


class ConversationDetail(TimeoutSettings, ConversationHidden, ConversationItem):
    """A conversation as the control API shows it: every item field, the hidden ones, the settings in force
    and the next timer."""

    next_timer: NextTimer | None


class MessageRecord(ContractModel):
    """One message of a conversation's history, as the control API shows it and a snapshot keeps it."""

    id: str | None = Field(None, description="The message's id; given a new one when left out of a seed.")
    sender: Sender = Sender.USER
    kind: MessageKind = MessageKind.MESSAGE
    message: str
    message_sid: str | None = None
    created_at: Timestamp


class ClockState(ContractModel):
    """The mock's clock."""

    now: Timestamp
    frozen: bool


class ClockCommand(ContractModel):
    """Body of `POST /_mock/clock`: `set` or `advance`, or `freeze` alone, or `freeze` with either [mock].

    `advance` takes seconds or a duration text (`"5m"`, `"4m30s"`, as `parse_duration` reads them) and
    keeps a running clock running, a frozen one frozen, unless `freeze` is given with it. `set` pins the
    clock at the instant, frozen, unless `"freeze": false` is given with it (then it runs on from there).
    """

    model_config = ConfigDict(strict=True, extra="forbid")

    freeze: bool | None = None
    set: str | None = None
    advance: float | None = Field(None, ge=0, le=10 * 365 * 86_400)

    @field_validator("advance", mode="before")
    @classmethod
    def _seconds_for_advance(cls, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return float(value)
        if isinstance(value, str):
            try:
                return parse_duration(value)
            except ValueError as exc:
                raise PydanticCustomError("bad_advance", "{problem}", {"problem": str(exc)}) from None
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> ClockCommand:
        given = [name for name in ("set", "advance") if getattr(self, name) is not None]
        if len(given) > 1 or (not given and self.freeze is None):
            raise PydanticCustomError("one_command", "give set or advance (optionally with freeze), or freeze alone")
        if self.set is not None:
            try:
                parse_timestamp(self.set)
            except ValueError:
                raise PydanticCustomError("bad_time", "set takes an ISO 8601 timestamp") from None
        if self.advance is not None and not math.isfinite(self.advance):
            raise PydanticCustomError("bad_advance", "advance takes a finite number of seconds")
        return self


class ResetCommand(ContractModel):
    """Body of `POST /_mock/reset`."""

    model_config = ConfigDict(strict=True, extra="forbid")

    accounts: bool = False


_DURATION = re.compile(r"(?:(?P<h>\d+(?:\.\d+)?)h)?(?:(?P<m>\d+(?:\.\d+)?)m)?(?:(?P<s>\d+(?:\.\d+)?)s)?")


def parse_duration(value: float | int | str) -> float:
    """Seconds from a number or a text such as `90`, `90s`, `4m30s`, `1h`, `1.5m`.

    Raises:
        ValueError: the value is negative, not finite, or not in that form.
    """
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or a text such as 90s, 4m30s, 1h")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = value.strip().replace(" ", "")
        try:
            seconds = float(text)
        except ValueError:
            match = _DURATION.fullmatch(text)
            if not text or match is None:
                raise ValueError(f"{value!r} is not a duration such as 90, 90s, 4m30s or 1h") from None
            seconds = sum(float(match[unit] or 0) * factor for unit, factor in (("h", 3600), ("m", 60), ("s", 1)))
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"{value!r} is not a duration of zero or more seconds")
    return seconds


def format_duration(seconds: float) -> str:
    """`1h30m`, `4m30s`, `20s`, `0s`: seconds written as `parse_duration` reads them."""
    hours, rest = divmod(float(seconds), 3600)
    minutes, rest = divmod(rest, 60)
    parts = [(hours, "h"), (minutes, "m"), (rest, "s")]
    return "".join(f"{amount:g}{unit}" for amount, unit in parts if amount) or "0s"


class FaultSpec(ContractModel):
    """Body of `POST /_mock/faults`: which `/v1` requests a fault matches and what it does to them [mock].

    A rule matches on method, path (exact or a glob such as `/v1/sms/*`) and account name, each optional.
    It answers a fixed `status` with an error envelope, adds `latency_ms`, or `drop`s the connection
    (latency combines with either). It applies always, to the first `times` matches, or with a seeded
    `probability`.
    """

    model_config = ConfigDict(strict=True, extra="forbid")

    method: str | None = Field(None, pattern=r"^[A-Za-z]+$", description="HTTP method; any when absent.")
    path: str | None = Field(None, min_length=1, description="Path or glob (`*` wildcards); any when absent.")
    account: str | None = Field(None, description="Account name; any (even no key) when absent.")
    status: int | None = Field(None, ge=400, le=599, description="Answer this status with an error envelope.")
    error: str | None = Field(None, pattern=r"^[A-Z][A-Z0-9_]*$", description="Error code in the envelope.")
    message: str | None = Field(None, description="Error message in the envelope.")
    headers: dict[str, str] = Field(default_factory=dict, description="Extra response headers.")
    retry_after: int | None = Field(None, ge=0, description="Seconds for a `Retry-After` header.")
    latency_ms: int = Field(0, ge=0, le=60_000, description="Delay before answering (real time).")
    drop: bool = Field(False, description="Close the connection without a complete answer.")
    times: int | None = Field(None, ge=1, description="Apply to the first N matching requests only.")
    probability: float = Field(1.0, gt=0, le=1, description="Chance that a matching request is hit.")
    seed: int | None = Field(None, description="Seed of the probability draws (repeatable runs).")

    @field_validator("path")
    @classmethod
    def _can_match(cls, path: str | None) -> str | None:
        if path is not None and not path.startswith(("/", "*")):
            raise PydanticCustomError("path_never_matches", "request paths start with /, e.g. /v1/sms/*")
        if path is not None and (path == "/_mock" or path.startswith("/_mock/")):
            raise PydanticCustomError("path_never_matches", "the control API (/_mock) is never faulted")
        return path

    @model_validator(mode="after")
    def _does_something(self) -> FaultSpec:
        if self.status is None and not self.drop and not self.latency_ms:
            raise PydanticCustomError("no_effect", "give status, latency_ms or drop")
        if self.status is not None and self.drop:
            raise PydanticCustomError("two_effects", "give status or drop, not both")
        if self.status is None and (self.error or self.message or self.retry_after is not None or self.headers):
            raise PydanticCustomError("needs_status", "error, message, headers and retry_after need a status")
        return self


class JournalQuery(ContractModel):
    """Query of `GET /_mock/requests`: every parameter narrows the list [mock]."""

    model_config = ConfigDict(extra="forbid")

    method: str | None = None
    path: str | None = Field(None, description="Path or glob (`*` wildcards).")
    account: str | None = None
    status: Annotated[int | None, BeforeValidator(_query_int)] = None
    limit: Annotated[int | None, BeforeValidator(_query_int), Field(ge=1, le=100_000)] = Field(
        None, description="Only the last N matching entries."
    )


WebhookDeliveryStatus = Literal["pending", "delivered", "failed", "dropped"]


class WebhookQuery(ContractModel):
    """Query of `GET /_mock/webhooks`: every parameter narrows the list [mock]."""

    model_config = ConfigDict(extra="forbid")

    conversation_id: str | None = None
    account: str | None = Field(None, description="Account name.")
    status: WebhookDeliveryStatus | None = None
    event: Literal["message", "status"] | None = None
    limit: Annotated[int | None, BeforeValidator(_query_int), Field(ge=1, le=100_000)] = Field(
        None, description="Only the last N matching deliveries."
    )


class WebhookDelivery(ContractModel):
    """One webhook as the control API lists it: what was (or will be) sent, where, and every attempt [mock]."""

    id: str = Field(examples=["whd_1"])
    event: Literal["message", "status"]
    account: str
    conversation_id: str
    url: str
    created_at: Timestamp = Field(description="The instant of the event.")
    status: WebhookDeliveryStatus = Field(
        description="`pending` (not delivered yet, more attempts to come), `delivered` (a 2xx answer), `failed` "
        "(every attempt failed, or the loopback-only policy refused the host) or `dropped` (never sent)."
    )
    attempts: list[WebhookAttempt]
    next_attempt_at: Timestamp | None = Field(description="When the next attempt is due (mock clock), if pending.")
    payload: AnyWebhook
    signature: str = Field(description="The `X-Webhook-Signature` sent with it: hex HMAC-SHA256 of the body.")
    fault: str | None = Field(description="The webhook fault rule that dropped, delayed or duplicated it.")
    duplicate_of: str | None = Field(description="For a copy made by a duplicate fault: the original's id.")
    note: str | None = Field(description="Why it was dropped or delayed, in words.")


class WebhookListing(ContractModel):
    """Body of `GET /_mock/webhooks` [mock]."""

    deliveries: list[WebhookDelivery] = Field(description="Oldest event first.")
    pending: int = Field(ge=0, description="Deliveries not finished yet.")
    dropped_over_cap: int = Field(ge=0, description="Undelivered webhooks dropped past the cap since the last reset.")
    any_host: bool = Field(description="Whether deliveries may go to hosts other than loopback ones.")


class WebhookFaultSpec(ContractModel):
    """Body of `POST /_mock/webhooks/faults`: which webhooks a rule matches and what it does to them [mock].

    A rule matches on account name, conversation id and event (`message` or `status`), each optional. It
    `drop`s the webhook (never sent), `delay`s its first attempt by seconds of the mock's clock (the
    conversation's later webhooks wait behind it), or `duplicate`s it (a second, identical delivery,
    `duplicate_after` seconds later on the mock's clock). It applies always, to the first `times` matches,
    or with a seeded `probability`.
    """

    model_config = ConfigDict(strict=True, extra="forbid")

    account: str | None = Field(None, description="Account name; any when absent.")
    conversation_id: str | None = Field(None, description="Conversation id; any when absent.")
    event: Literal["message", "status"] | None = Field(None, description="Webhook type; any when absent.")
    drop: bool = Field(False, description="Never send the webhook.")
    delay: float | None = Field(None, gt=0, le=86_400, description="Seconds (mock clock) before the first attempt.")
    duplicate: bool = Field(False, description="Send the webhook twice.")
    duplicate_after: float = Field(0, ge=0, le=86_400, description="Seconds (mock clock) between the two copies.")
    times: int | None = Field(None, ge=1, description="Apply to the first N matching webhooks only.")
    probability: float = Field(1.0, gt=0, le=1, description="Chance that a matching webhook is hit.")
    seed: int | None = Field(None, description="Seed of the probability draws (repeatable runs).")

    @field_validator("delay", "duplicate_after", mode="before")
    @classmethod
    def _seconds(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return parse_duration(value)
            except ValueError as exc:
                raise PydanticCustomError("bad_duration", "{problem}", {"problem": str(exc)}) from None
        return value

    @model_validator(mode="after")
    def _one_effect(self) -> WebhookFaultSpec:
        effects = [name for name in ("drop", "delay", "duplicate") if getattr(self, name) not in (None, False)]
        if len(effects) != 1:
            raise PydanticCustomError("one_effect", "give exactly one of drop, delay or duplicate")
        if self.duplicate_after and not self.duplicate:
            raise PydanticCustomError("needs_duplicate", "duplicate_after needs duplicate: true")
        return self


class ConfiguredAccount(AccountSpec):
    """An account in the mock's config file: a name, one or more API keys, agent numbers."""

    name: str | None = None
    api_keys: list[str] = Field(default_factory=list)


class Limits(ContractModel):
    """Caps that keep a runaway client from exhausting the mock's memory [mock]."""

    model_config = ConfigDict(strict=True, extra="forbid")

    max_conversations_per_account: int = Field(1_000_000, ge=1)
    max_messages_per_conversation: int = Field(10_000, ge=1)


class MockConfig(ContractModel):
    """The mock's config file (YAML or JSON)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    strict_numbers: bool = False
    limits: Limits = Field(default_factory=lambda: Limits())
    accounts: list[ConfiguredAccount] = Field(min_length=1)


Instant = Annotated[str, AfterValidator(check_timestamp)]
"""An instant in a snapshot or seed file: any ISO 8601 date or date-time, kept as written."""


class StoredMessage(MessageRecord):
    """A message in a snapshot or seed file: any ISO 8601 instant is accepted."""

    model_config = ConfigDict(extra="forbid")

    created_at: Instant


class StoredConversation(TimeoutSettings):
    """A conversation in a snapshot or seed file; what a seed leaves out is derived from its messages."""

    model_config = ConfigDict(extra="forbid")

    account: str | None = Field(None, description="Account name or API key; the first account when left out.")
    id: str | None = None
    user_number: PhoneNumber
    agent_number: PhoneNumber
    created_at: Instant | None = None
    updated_at: Instant | None = None
    variables: dict[str, Any] = Field(default_factory=dict)
    current_node_id: str | None = None
    curr_pathway_id: str | None = None
    curr_pathway_version: str | None = None
    is_active: bool = True
    timed_out_at: Instant | None = None
    webhook: WebhookUrl | None = None
    metadata: dict[str, Any] | None = None
    effective_channel: Channel = "sms"
    warning_due: Instant | None = Field(None, description="Pending warning; derived from the messages when left out.")
    timeout_due: Instant | None = Field(None, description="Pending timeout; derived from the messages when left out.")
    messages: list[StoredMessage] = Field(min_length=1)


class StoredAccount(ConfiguredAccount):
    """An account in a snapshot: whether it came from the config or was added at run time."""

    from_config: bool = True


STREAMED_SNAPSHOT = "streamed_snapshot"
"""Validation context key of a `SnapshotSink` that takes a `Snapshot`'s parts as soon as each is valid.

A seed of a million conversations then never exists as a million models at once: the loader builds each
conversation as pydantic hands it over. The validated `Snapshot` keeps its `accounts` and an empty
`conversations`; errors are the same as without a sink (the sink is told of valid parts only).
"""


class SnapshotSink(Protocol):
    """What takes a `Snapshot`'s parts during its validation, given `STREAMED_SNAPSHOT` in the context."""

    def accounts(self, accounts: list[StoredAccount]) -> None:
        """The valid `accounts` (not called when they are left out or invalid); before any conversation."""
        ...

    def conversation(self, conversation: StoredConversation) -> None:
        """The next valid conversation, in the document's order (an invalid one is skipped)."""
        ...


def _streamed(conversation: StoredConversation, info: ValidationInfo) -> StoredConversation | None:
    sink: SnapshotSink | None = (info.context or {}).get(STREAMED_SNAPSHOT)
    if sink is None:
        return conversation
    sink.conversation(conversation)
    return None


class Snapshot(ContractModel):
    """The whole state of a mock as versioned JSON (`GET`/`PUT /_mock/snapshot`, seed files)."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["bland-sms-mock/snapshot"] = "bland-sms-mock/snapshot"
    version: Literal[1] = 1
    clock: ClockState | None = None
    accounts: list[StoredAccount] = Field(default_factory=list)
    conversations: list[Annotated[StoredConversation, AfterValidator(_streamed)]] = Field(default_factory=list)

    @field_validator("accounts")
    @classmethod
    def _hand_accounts(cls, accounts: list[StoredAccount], info: ValidationInfo) -> list[StoredAccount]:
        if (sink := (info.context or {}).get(STREAMED_SNAPSHOT)) is not None:
            sink.accounts(accounts)
        return accounts

    @field_validator("conversations")
    @classmethod
    def _handed_over(cls, conversations: list[Any], info: ValidationInfo) -> list[StoredConversation]:
        return [] if (info.context or {}).get(STREAMED_SNAPSHOT) is not None else conversations
