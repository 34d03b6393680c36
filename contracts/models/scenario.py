"""The QA scenario file format (`fixtures/scenarios/*.yaml`); `fixtures/scenario.schema.json` is generated
from these models."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from bland_sms_mock.contracts.models.api import WEBHOOK_STATUSES, ContractModel, parse_timestamp
from bland_sms_mock.contracts.models.control import AccountSpec, WebhookDeliveryStatus, parse_duration
from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    model_validator,
)
from pydantic_core import PydanticCustomError

# --------------------------------------------------------------------------------------------------
# QA scenario files (`fixtures/scenarios/*.yaml`); `fixtures/scenario.schema.json` is generated from these

TEMPLATE_PATTERN = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z0-9_]+)*)\s*\}\}")
"""`{{ name.field.0 }}`: a value saved by an earlier step (`save_as: name`), or `run.id`."""

BUILTIN_TEMPLATE_NAMES = frozenset({"run"})

Duration = Annotated[
    float | str,
    Field(description="Seconds: a number, or a text such as 90s, 4m30s, 1h.", examples=["4m30s", 90]),
    AfterValidator(parse_duration),
]


def _check_instant(value: str) -> str:
    try:
        parse_timestamp(value)
    except ValueError:
        raise PydanticCustomError("bad_time", "takes an ISO 8601 timestamp such as 2026-01-01T09:00:00Z") from None
    return value


Instant = Annotated[str, Field(examples=["2026-01-01T09:00:00Z"]), AfterValidator(_check_instant)]


MOCK_WEBHOOK_STATUSES = (*WEBHOOK_STATUSES, "active")
"""The `status` values a status webhook can carry: the reference's, and the mock's `active` (webhooks.status.*)."""


def _check_webhook_status(value: str) -> str:
    if value not in MOCK_WEBHOOK_STATUSES:
        raise PydanticCustomError(
            "bad_webhook_status", "must be one of {names}", {"names": ", ".join(MOCK_WEBHOOK_STATUSES)}
        )
    return value


WebhookStatus = Annotated[
    str, Field(json_schema_extra={"enum": list(MOCK_WEBHOOK_STATUSES)}), AfterValidator(_check_webhook_status)
]


class WebhookExpect(ContractModel):
    """A webhook the target sent or queued: one or more deliveries in the mock's log (`GET /_mock/webhooks`).

    Every key written down must match (the payload as a subset); without `count`, at least one delivery
    matches. Needs the control API: elsewhere it is reported as not checked.
    """

    model_config = ConfigDict(extra="forbid")

    conversation: str | None = Field(
        None,
        description="Whose deliveries to look at, e.g. `{{ chat.conversation_id }}`; default: the `expect`'s"
        " `conversation`, else the conversation of the latest request step that named one (this step's"
        " included), else every delivery.",
    )
    type: Literal["message", "status"] | None = Field(None, description="A message or a status webhook.")
    status: WebhookStatus | None = Field(None, description="A status webhook's `status` (implies `type: status`).")
    payload: dict[str, Any] | None = Field(None, description="Subset of the webhook's body (its payload).")
    url: str | None = Field(None, description="Where it was (or will be) posted.")
    delivery: WebhookDeliveryStatus | None = Field(
        None,
        description="How the delivery stands: `pending` (more attempts to come, e.g. the receiver is down),"
        " `delivered`, `failed` or `dropped`.",
    )
    signed: Literal[True] | None = Field(
        None,
        description="Its `X-Webhook-Signature` is the HMAC-SHA256 of its body keyed with its account's webhook secret.",
    )
    count: int | None = Field(None, ge=0, description="Exactly this many deliveries match (0: none does).")

    @model_validator(mode="after")
    def _status_is_a_status_webhook(self) -> WebhookExpect:
        if self.status is not None and self.type == "message":
            raise PydanticCustomError("status_needs_status", "status is a status webhook's; leave out type: message")
        return self

    def wanted(self) -> dict[str, Any]:
        """What a delivery must show, keyed as `webhooks.delivery_view` shows it (`type` implied by `status`)."""
        wanted = self.model_dump(exclude={"conversation", "count"}, exclude_none=True)
        if self.status is not None:
            wanted = {"type": "status", **wanted}
        return wanted


class Expect(ContractModel):
    """What must hold after a step: on the last response, or (with `conversation`) on a conversation's state.

    Objects are compared as subsets (only the keys written down are checked); lists must have the same
    length and match element by element.
    """

    model_config = ConfigDict(extra="forbid")

    status: int | None = Field(None, ge=100, le=599, description="HTTP status of the last response.")
    error: str | None = Field(None, description="An error code that `errors` must contain.")
    error_mentions: str | None = Field(None, description="Text that one of the error messages must contain.")
    data: Any = Field(None, description="Subset of the last response's `data`.")
    response: dict[str, Any] | None = Field(
        None,
        description="Subset of the last response's whole body, for answers not wrapped in `data` (an `update`'s"
        " top-level `message` and `conversation`).",
    )
    pagination: dict[str, int] | None = Field(None, description="Subset of `extra.pagination`.")
    count: int | None = Field(None, ge=0, description="Number of items in a list response (`list`, `numbers`).")
    ids: list[str] | None = Field(None, description="The ids of a list response's items, in order.")
    items: list[dict[str, Any]] | None = Field(
        None, description="The items of a list response (`list`, `numbers`), each as a subset."
    )
    conversation: str | None = Field(
        None,
        description="Id of a conversation whose state to inspect through the control API (with `fields`,"
        " `messages`); not the `conversation` of an update's answer, which `response` checks.",
    )
    fields: dict[str, Any] | None = Field(None, description="Subset of the conversation's detail (control API).")
    messages: list[dict[str, Any]] | None = Field(
        None, description="The conversation's messages, oldest first, each as a subset (control API)."
    )
    webhook: WebhookExpect | list[WebhookExpect] | None = Field(
        None,
        description="A webhook the target sent or queued (control API: the mock's delivery log), or a list of"
        " them, each checked on its own.",
    )

    @model_validator(mode="after")
    def _state_needs_conversation(self) -> Expect:
        if (self.fields is not None or self.messages is not None) and self.conversation is None:
            raise PydanticCustomError("needs_conversation", "fields and messages need `conversation: <id>`")
        if self.conversation is not None and self.fields is None and self.messages is None:
            raise PydanticCustomError(
                "needs_state",
                "`conversation` needs `fields` or `messages` to check (an update's answer: `response: {conversation:"
                " ...}`)",
            )
        if not self.model_fields_set:
            raise PydanticCustomError("empty_expect", "an expect needs at least one thing to check")
        return self

    @property
    def needs_control(self) -> bool:
        """Whether checking this needs the mock's control API."""
        return self.conversation is not None or self.webhook is not None

    @property
    def webhooks(self) -> list[WebhookExpect]:
        """The webhook expectations, as a list (empty when there are none)."""
        if self.webhook is None:
            return []
        return self.webhook if isinstance(self.webhook, list) else [self.webhook]


class UpdateAction(ContractModel):
    """`PATCH /v1/sms/conversations/{id}`: `is_active`, or a whole `body` sent as it is."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="The conversation's id, e.g. `{{ chat.conversation_id }}`.")
    is_active: StrictBool | None = Field(None, description='Sent as the body `{"is_active": ...}`.')
    body: dict[str, Any] | str | None = Field(
        None, description="The body instead, as it is (a string is sent as raw bytes), e.g. for a bad one."
    )

    @model_validator(mode="after")
    def _one_body(self) -> UpdateAction:
        if (self.is_active is None) == (self.body is None):
            raise PydanticCustomError("one_body", "give one of is_active, body")
        return self

    def payload(self) -> dict[str, Any] | str:
        """The body to send."""
        return {"is_active": self.is_active} if self.body is None else self.body


class DeleteMessagesAction(ContractModel):
    """`DELETE /v1/sms/conversations/{id}/messages`: `message_ids`, or a whole `body` sent as it is."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="The conversation's id, e.g. `{{ chat.conversation_id }}`.")
    message_ids: list[StrictInt | str] | None = Field(
        None, description='Sent as the body `{"message_ids": [...]}`, e.g. `["{{ thread.messages.0.id }}"]`.'
    )
    body: dict[str, Any] | str | None = Field(
        None, description="The body instead, as it is (a string is sent as raw bytes), e.g. for a bad one."
    )

    @model_validator(mode="after")
    def _one_body(self) -> DeleteMessagesAction:
        if (self.message_ids is None) == (self.body is None):
            raise PydanticCustomError("one_body", "give one of message_ids, body")
        return self

    def payload(self) -> dict[str, Any] | str:
        """The body to send."""
        return {"message_ids": self.message_ids} if self.body is None else self.body


REQUEST_ACTIONS = ("create", "send", "list", "get", "update", "delete", "delete_messages", "numbers", "update_number")
"""Steps that send one `/v1` request; none of them needs the control API."""
CLOCK_ACTIONS = ("advance", "set")
SCENARIO_ACTIONS = REQUEST_ACTIONS + CLOCK_ACTIONS
_ACTION_NAMES = ", ".join(SCENARIO_ACTIONS)


class ScenarioStep(ContractModel):
    """One step: a request (`create`, `send`, `list`, `get`, `update`, `delete`, `delete_messages`, `numbers`,
    `update_number`), a clock move (`advance`, `set`), or only an `expect`."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, description="What this step stands for, shown in the report.")
    create: dict[str, Any] | str | None = Field(
        None, description="Body of POST /v1/sms/create (a string is sent as raw bytes, e.g. broken JSON)."
    )
    send: dict[str, Any] | str | None = Field(
        None, description="Body of POST /v1/sms/send, an AGENT message (a string is sent as raw bytes)."
    )
    idempotency_key: str | None = Field(
        None, description="With `send`: the `idempotency-key` header (`{{ run.id }}` in it keeps it unique per run)."
    )
    list: dict[str, Any] | None = Field(
        None, description="Query of GET /v1/sms/conversations; `filters` may be written as a list."
    )
    get: str | None = Field(
        None, description="GET /v1/sms/conversations/{id}: a conversation's id, e.g. `{{ chat.conversation_id }}`."
    )
    update: UpdateAction | None = Field(None, description="PATCH /v1/sms/conversations/{id}.")
    delete: str | None = Field(None, description="DELETE /v1/sms/conversations/{id}: a conversation's id.")
    delete_messages: DeleteMessagesAction | None = Field(
        None, description="DELETE /v1/sms/conversations/{id}/messages."
    )
    numbers: dict[str, Any] | None = Field(None, description="Query of GET /v1/sms/numbers (`{}` for none).")
    update_number: dict[str, Any] | str | None = Field(
        None, description="Body of POST /v1/sms/number/update (a string is sent as raw bytes)."
    )
    advance: Duration | None = Field(None, description="Move the mock's clock forward (needs the control API).")
    set: Instant | None = Field(None, description="Set the mock's clock to an instant (needs the control API).")
    api_key: str | None = Field(
        None, description="API key for this step (default: the scenario's); an empty string sends none."
    )
    save_as: str | None = Field(
        None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", description="Name the response for `{{ name.field }}` later."
    )
    expect: Expect | None = None

    @model_validator(mode="after")
    def _one_action(self) -> ScenarioStep:
        actions = [name for name in SCENARIO_ACTIONS if getattr(self, name) is not None]
        if len(actions) > 1:
            raise PydanticCustomError(
                "two_actions", "give one of {names}; got {a}", {"names": _ACTION_NAMES, "a": actions}
            )
        if not actions and self.expect is None:
            raise PydanticCustomError("no_action", "give one of {names} or expect", {"names": _ACTION_NAMES})
        if self.save_as is not None and self.action not in REQUEST_ACTIONS:
            raise PydanticCustomError(
                "save_needs_request", "save_as goes with a request step, not a clock move or expect"
            )
        if self.idempotency_key is not None and self.action != "send":
            raise PydanticCustomError("key_needs_send", "idempotency_key goes with a send step")
        if self.save_as in BUILTIN_TEMPLATE_NAMES:
            raise PydanticCustomError("reserved_name", "save_as: {n} is reserved", {"n": self.save_as})
        return self

    @property
    def action(self) -> str:
        """One of `SCENARIO_ACTIONS`, or `expect`."""
        return next((name for name in SCENARIO_ACTIONS if getattr(self, name) is not None), "expect")

    @property
    def sends_request(self) -> bool:
        """Whether this step sends a `/v1` request."""
        return self.action in REQUEST_ACTIONS

    @property
    def needs_control(self) -> bool:
        """Whether this step needs the mock's control API."""
        return self.action in CLOCK_ACTIONS or (self.expect is not None and self.expect.needs_control)


class ScenarioSetup(ContractModel):
    """State to start from, on a mock: a frozen clock, accounts with their numbers, seed files."""

    model_config = ConfigDict(extra="forbid")

    clock: Instant | None = Field(None, description="Freeze the clock at this instant before the first step.")
    accounts: list[AccountSpec] = Field(default_factory=lambda: [], description="Accounts to add (control API).")
    seeds: list[str] = Field(
        default_factory=lambda: [], description="Seed files to load, relative to the scenario file (control API)."
    )
    api_key: str | None = Field(
        None, description="Default API key of the steps (default: the first account's, else the target's)."
    )

    @property
    def needs_control(self) -> bool:
        """Whether this setup needs the mock's control API."""
        return bool(self.clock or self.accounts or self.seeds)


class Scenario(ContractModel):
    """A QA scenario file: a conversation's life as ordered steps and expectations."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    description: str = ""
    tags: list[str] = Field(default_factory=lambda: [])
    setup: ScenarioSetup = Field(default_factory=lambda: ScenarioSetup())
    steps: list[ScenarioStep] = Field(min_length=1)

    @model_validator(mode="after")
    def _templates_name_earlier_steps(self) -> Scenario:
        saved: set[str] = set(BUILTIN_TEMPLATE_NAMES)
        for number, step in enumerate(self.steps, start=1):
            for name in sorted(template_names(step.model_dump(exclude={"save_as", "title"}))):
                if name not in saved:
                    raise PydanticCustomError(
                        "unknown_template",
                        "step {n}: {{ {name}.… }} names no earlier step's `save_as`",
                        {"n": number, "name": name},
                    )
            if step.save_as:
                saved.add(step.save_as)
        return self


def template_names(value: Any) -> set[str]:
    """The names that `{{ name... }}` templates in a nested value refer to."""
    if isinstance(value, str):
        return {match[1] for match in TEMPLATE_PATTERN.finditer(value)}
    if isinstance(value, dict):
        return set().union(*(template_names(v) for v in value.values()), *(template_names(k) for k in value))
    if isinstance(value, list):
        return set().union(*(template_names(v) for v in value))
    return set()
