"""The real API's models: requests, responses, error codes, filters, sorting, limits, timestamps.

The mock validates requests with these, the kit checks responses against them, and `openapi.yaml` is
generated from them. Each rule is tagged in docs/contract.md as [documented], [inferred] or [mock].
"""

from __future__ import annotations

import json
import math
import re
import time
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any, Literal, Protocol
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    TypeAdapter,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

# --------------------------------------------------------------------------------------------------
# Enumerations


class Level(StrEnum):
    """How firmly a rule is known; decides whether the kit fails or only informs."""

    DOCUMENTED = "documented"
    INFERRED = "inferred"
    MOCK = "mock"


class ErrorCode(StrEnum):
    """Machine-readable error codes carried in the error envelope."""

    AUTH_FAILURE = "AUTH_FAILURE"
    MISSING_REQUIRED_FIELDS = "MISSING_REQUIRED_FIELDS"
    INVALID_FIELD = "INVALID_FIELD"
    INVALID_PHONE_NUMBER = "INVALID_PHONE_NUMBER"
    AGENT_NUMBER_NOT_FOUND = "AGENT_NUMBER_NOT_FOUND"
    INVALID_TIMEOUT_CONFIG = "INVALID_TIMEOUT_CONFIG"
    INVALID_QUERY = "INVALID_QUERY"
    INVALID_FILTERS = "INVALID_FILTERS"
    INVALID_JSON = "INVALID_JSON"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    NOT_FOUND = "NOT_FOUND"
    CONVERSATION_NOT_FOUND = "CONVERSATION_NOT_FOUND"
    NUMBER_NOT_FOUND = "NUMBER_NOT_FOUND"
    CONVERSATION_CONFLICT = "CONVERSATION_CONFLICT"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    ACCOUNT_EXISTS = "ACCOUNT_EXISTS"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
    RATE_LIMITED = "RATE_LIMITED"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    INJECTED_FAULT = "INJECTED_FAULT"
    CONTROL_TOKEN_REQUIRED = "CONTROL_TOKEN_REQUIRED"


ERROR_STATUS: dict[ErrorCode, int] = {
    ErrorCode.AUTH_FAILURE: 401,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONVERSATION_NOT_FOUND: 404,
    ErrorCode.NUMBER_NOT_FOUND: 404,
    ErrorCode.CONVERSATION_CONFLICT: 409,
    ErrorCode.IDEMPOTENCY_KEY_REUSED: 409,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.ACCOUNT_EXISTS: 409,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: 415,
    ErrorCode.INTERNAL_ERROR: 500,
    ErrorCode.LIMIT_EXCEEDED: 409,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.SERVICE_UNAVAILABLE: 503,
    ErrorCode.CONTROL_TOKEN_REQUIRED: 401,
}
"""HTTP status of each error code; codes not listed are 400."""


def status_of(code: ErrorCode) -> int:
    """Return the HTTP status that goes with an error code."""
    return ERROR_STATUS.get(code, 400)


class Sender(StrEnum):
    """Who wrote a message."""

    USER = "USER"
    AGENT = "AGENT"


class MessageKind(StrEnum):
    """Why a message is in a thread: sent through the API, or appended by a timer."""

    MESSAGE = "message"
    WARNING = "warning"
    TIMEOUT = "timeout"


class SortField(StrEnum):
    """Keys the list endpoint sorts by."""

    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    USER_NUMBER = "user_number"
    AGENT_NUMBER = "agent_number"
    IS_ACTIVE = "is_active"
    MESSAGE_COUNT = "message_count"
    CURR_PATHWAY_ID = "curr_pathway_id"
    CURR_PATHWAY_VERSION = "curr_pathway_version"
    TIMED_OUT_AT = "timed_out_at"


class SortDir(StrEnum):
    """Sort direction."""

    ASC = "asc"
    DESC = "desc"


class FilterField(StrEnum):
    """Fields the list endpoint filters on."""

    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    USER_NUMBER = "user_number"
    AGENT_NUMBER = "agent_number"
    IS_ACTIVE = "is_active"
    MESSAGE_COUNT = "message_count"
    VARIABLES = "variables"
    CURRENT_NODE_ID = "current_node_id"
    CURR_PATHWAY_ID = "curr_pathway_id"
    CURR_PATHWAY_VERSION = "curr_pathway_version"
    TIMED_OUT_AT = "timed_out_at"


class FilterOperator(StrEnum):
    """Filter operators."""

    EQ = "eq"
    CONTAINS = "contains"
    STARTS_WITH = "startsWith"
    ENDS_WITH = "endsWith"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"


class FieldKind(StrEnum):
    """The type a filter value is read as, by field [inferred]."""

    TIMESTAMP = "timestamp"
    TEXT = "text"
    BOOLEAN = "boolean"
    INTEGER = "integer"
    OBJECT = "object"


FILTER_FIELD_KIND: dict[FilterField, FieldKind] = {
    FilterField.CREATED_AT: FieldKind.TIMESTAMP,
    FilterField.UPDATED_AT: FieldKind.TIMESTAMP,
    FilterField.TIMED_OUT_AT: FieldKind.TIMESTAMP,
    FilterField.USER_NUMBER: FieldKind.TEXT,
    FilterField.AGENT_NUMBER: FieldKind.TEXT,
    FilterField.CURRENT_NODE_ID: FieldKind.TEXT,
    FilterField.CURR_PATHWAY_ID: FieldKind.TEXT,
    FilterField.CURR_PATHWAY_VERSION: FieldKind.TEXT,
    FilterField.IS_ACTIVE: FieldKind.BOOLEAN,
    FilterField.MESSAGE_COUNT: FieldKind.INTEGER,
    FilterField.VARIABLES: FieldKind.OBJECT,
}

SUBSTRING_OPERATORS = frozenset({FilterOperator.CONTAINS, FilterOperator.STARTS_WITH, FilterOperator.ENDS_WITH})
ORDER_OPERATORS = frozenset({FilterOperator.GT, FilterOperator.GTE, FilterOperator.LT, FilterOperator.LTE})

OPERATORS_BY_KIND: dict[FieldKind, frozenset[FilterOperator]] = {
    FieldKind.TIMESTAMP: frozenset(FilterOperator),  # substring operators read the ISO text [mock]
    FieldKind.TEXT: frozenset(FilterOperator),
    FieldKind.BOOLEAN: frozenset({FilterOperator.EQ}) | ORDER_OPERATORS,  # false < true [mock]
    FieldKind.INTEGER: frozenset({FilterOperator.EQ}) | ORDER_OPERATORS,
    FieldKind.OBJECT: frozenset({FilterOperator.EQ, FilterOperator.CONTAINS}),
}
"""Operators each kind of field accepts; any other pairing is 400 INVALID_FILTERS [mock]."""

# --------------------------------------------------------------------------------------------------
# Limits [mock]

MAX_MESSAGE_LENGTH = 1600
MAX_INT32 = 2_147_483_647
MAX_JSON_DEPTH = 64
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 25
MAX_FILTERS = 50
MAX_BODY_BYTES = 1024 * 1024

# Whitespace as JavaScript's String.prototype.trim sees it, so the schema's pattern and the
# server's check agree on what an empty message is.
_WHITESPACE = " \t\n\r\v\f\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
NON_BLANK_PATTERN = f"[^{_WHITESPACE}]"
E164_PATTERN = r"^\+[1-9][0-9]{1,14}$"
_E164 = re.compile(E164_PATTERN)
_NON_BLANK = re.compile(NON_BLANK_PATTERN)

# --------------------------------------------------------------------------------------------------
# Timestamps


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)


@lru_cache(maxsize=16_384)
def format_timestamp(ms: int) -> str:
    """Render epoch milliseconds as ISO 8601 UTC with milliseconds and a Z (a four-digit year always).

    Cached: a list renders the same few instants again and again (`time.gmtime` is twice as fast as
    `datetime.strftime`, a cache hit twenty times).
    """
    t = time.gmtime(ms // 1000)
    return f"{t[0]:04d}-{t[1]:02d}-{t[2]:02d}T{t[3]:02d}:{t[4]:02d}:{t[5]:02d}.{ms % 1000:03d}Z"


def parse_timestamp(text: str) -> datetime:
    """Parse an ISO 8601 instant; a value with no offset is read as UTC [mock].

    Raises:
        ValueError: the text is not an ISO 8601 date or date-time.
    """
    return _instant(text).astimezone(UTC)


def check_timestamp(text: str) -> str:
    """`text` itself when it is an ISO 8601 instant, as `parse_timestamp` reads them (a validator's body).

    Raises:
        ValueError: the text is not an ISO 8601 date or date-time.
    """
    _instant(text)
    return text


def _instant(text: str) -> datetime:
    """An ISO 8601 instant as an aware datetime in its own offset (UTC when it has none)."""
    if not isinstance(text, str) or not text or len(text) > 64:
        raise ValueError("not an ISO 8601 timestamp")
    parsed = datetime.fromisoformat(text)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def to_epoch_ms(moment: datetime) -> int:
    """Convert an aware datetime to epoch milliseconds (truncating below a millisecond)."""
    return (moment - _EPOCH) // _ONE_MS  # floor division of timedeltas, in C (a seed converts millions)


def timestamp_ms(text: str) -> int:
    """Epoch milliseconds of an ISO 8601 timestamp (any offset).

    Raises:
        ValueError: not an ISO 8601 timestamp.
    """
    return (_instant(text) - _EPOCH) // _ONE_MS  # no conversion to UTC needed to count from the epoch


def to_epoch_us(moment: datetime) -> int:
    """Convert an aware datetime to epoch microseconds."""
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


# --------------------------------------------------------------------------------------------------
# Field validators


def json_depth(value: Any, limit: int = MAX_JSON_DEPTH + 1) -> int:
    """Return how deep a JSON value nests (`{"a": 1}` is 1), counting no further than `limit`."""
    depth, level = 0, [value]
    while level and depth < limit:
        containers = [v for v in level if isinstance(v, dict | list)]
        if not containers:
            break
        depth += 1
        level = [c for v in containers for c in (v.values() if isinstance(v, dict) else v)]
    return depth


@lru_cache(maxsize=4096)
def _phone_verdict(number: str, strict: bool) -> bool:
    if not _E164.fullmatch(number):
        return False
    import phonenumbers  # lazy, for start-up speed: `serve` answers a list before any number is checked

    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(parsed) if strict else phonenumbers.is_possible_number(parsed)


def is_phone_number(number: str, strict: bool = False) -> bool:
    """Tell whether `number` is strict E.164 and a possible (or, when strict, valid) phone number."""
    return _phone_verdict(number, strict)


DEFERRED_NUMBERS = "deferred_numbers"
"""Validation context key of a `NumberVerdicts` that judges the phone numbers instead of this process.

A big seed's numbers are mostly distinct and the library parses each one slowly: the seed loader hands
them to a helper process while the document is parsed (`mock_server/number_checks.py`).
"""


class NumberVerdicts(Protocol):
    """Who judges the phone numbers of a validation given `DEFERRED_NUMBERS` in its context."""

    def verdict(self, number: str, strict: bool) -> bool:
        """Whether `number` passes `is_phone_number(number, strict)` (or True while the judgement is pending)."""
        ...


def _check_phone(value: str, info: ValidationInfo) -> str:
    context = info.context or {}
    strict = bool(context.get("strict_numbers"))
    deferred: NumberVerdicts | None = context.get(DEFERRED_NUMBERS)
    if not (deferred.verdict(value, strict) if deferred is not None else is_phone_number(value, strict)):
        kind = "valid" if strict else "possible"
        raise PydanticCustomError(
            "invalid_phone_number",
            "must be a {kind} E.164 phone number such as +15550001111",
            {"kind": kind},
        )
    return value


def _check_message(value: str) -> str:
    if not _NON_BLANK.search(value):
        raise PydanticCustomError("blank_message", "must not be empty or only whitespace")
    return value


def _check_depth(value: dict[str, Any]) -> dict[str, Any]:
    if json_depth(value) > MAX_JSON_DEPTH:
        raise PydanticCustomError("too_deep", "must not nest deeper than {limit} levels", {"limit": MAX_JSON_DEPTH})
    return value


PhoneNumber = Annotated[
    str,
    Field(pattern=E164_PATTERN, examples=["+15550001111"]),
    AfterValidator(_check_phone),
]
Seconds = Annotated[int, Field(gt=0, le=MAX_INT32)]

# --------------------------------------------------------------------------------------------------
# The base of every contract model


class ContractModel(BaseModel):
    """Base of the contract's models: a model's validator is built on its first use, not at import.

    `serve` answers its first request sooner when the models it has not met yet cost nothing; validation
    is the same either way (pydantic builds the full validator before the first `model_validate`).
    """

    model_config = ConfigDict(defer_build=True)


# --------------------------------------------------------------------------------------------------
# Requests


def _check_webhook(value: str) -> str:
    parsed = urlsplit(value)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise PydanticCustomError("bad_webhook", "must be an http:// or https:// URL with a host")
    return value


WebhookUrl = Annotated[
    str,
    Field(max_length=2048, pattern=r"^https?://", examples=["https://example.com/sms-webhook"]),
    AfterValidator(_check_webhook),
]
MessageText = Annotated[
    str,
    Field(min_length=1, max_length=MAX_MESSAGE_LENGTH, pattern=NON_BLANK_PATTERN),
    AfterValidator(_check_message),
]
JsonObject = Annotated[dict[str, Any], AfterValidator(_check_depth)]
Channel = Literal["sms", "whatsapp", "imessage"]


class TimeoutSettings(ContractModel):
    """The four silence-timer settings, on a number's `sms_config` and as per-conversation overrides."""

    time_out: Seconds | None = Field(
        None,
        description="Seconds of user silence after an agent message before the conversation times out.",
        examples=[600],
    )
    timeout_message: str | None = Field(None, description="Text appended as an agent message when the timeout fires.")
    warning_time: Seconds | None = Field(
        None,
        description="Seconds of silence before the warning message; must be below the effective time_out.",
        examples=[540],
    )
    warning_message: str | None = Field(None, description="Text appended as an agent message when the warning fires.")


TIMEOUT_SETTINGS: tuple[str, ...] = tuple(TimeoutSettings.model_fields)
"""The names of the timer settings, in one place."""


class SmsConfig(TimeoutSettings):
    """A number's `sms_config`: its timer settings and the reference's other settings (kept, not acted on)."""

    model_config = ConfigDict(strict=True, extra="ignore")

    webhook: WebhookUrl | None = Field(None, description="Where message and status webhooks of the number go.")
    request_data: dict[str, Any] | list[Any] | None = None
    timeout_action: str | None = None
    messaging_service_sid: str | None = None
    objective: str | None = None
    tools: list[Any] | None = None
    temperature: float | None = None
    pathway_id: str | None = None
    pathway_version: str | None = None
    start_node_id: str | None = None
    restart_after_end_call: bool | None = None
    timezone: str | None = None
    summary_prompt: str | None = None
    disposition_ids: list[str] | None = None
    citation_schema_ids: list[str] | None = None

    @model_validator(mode="after")
    def _warning_before_timeout(self) -> SmsConfig:
        if self.warning_time is not None and (self.time_out is None or self.warning_time >= self.time_out):
            raise PydanticCustomError("invalid_timeout_config", "warning_time must be less than time_out")
        return self


class CreateRequest(TimeoutSettings):
    """Body of `POST /v1/sms/create`: store one message in a conversation's history."""

    model_config = ConfigDict(
        strict=True,
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "user_number": "+15550001111",
                    "agent_number": "+15552223333",
                    "message": "Hi, I'd like to move my appointment to Friday.",
                    "sender": "USER",
                    "request_data": {"campaign_id": "spring-promo"},
                }
            ]
        },
    )

    user_number: PhoneNumber = Field(description="The customer's phone number, E.164.")
    agent_number: PhoneNumber = Field(
        description="The agent's phone number, E.164; it must be one of the calling account's numbers."
    )
    message: MessageText = Field(
        description="Text kept in the conversation's history; not blank, at most 1600 characters.",
        examples=["Hi, I'd like to move my appointment to Friday."],
    )
    message_sid: str | None = Field(
        None, description="Optional provider message id (e.g. a Twilio SID) kept with the message."
    )
    curr_pathway_id: str | None = Field(None, description="Pathway the conversation is on; replaces the stored one.")
    curr_pathway_version: str | None = Field(
        None, description="Version of that pathway, such as `latest` or `v1.0`.", examples=["latest"]
    )
    current_node_id: str | None = Field(
        None, description="Node of the pathway the conversation is at; replaces the stored one."
    )
    request_data: JsonObject | None = Field(
        None,
        description="Metadata merged key by key into the conversation's `variables` (at most 64 levels deep).",
        examples=[{"campaign_id": "spring-promo"}],
    )
    new_conversation: bool | None = Field(
        False,
        description="When true, archive the active conversation between these numbers (if any) and start a new one.",
    )
    sender: Literal["USER", "AGENT"] | None = Field("USER", description="Who wrote the message; USER when left out.")


SEND_ALIASES: dict[str, str] = {"user_number": "phone_number", "agent_number": "from", "agent_message": "message"}
"""Older names `/v1/sms/send` still accepts (Bland's own CLI sends them); the current name wins [mock]."""


def _send_schema_extra(schema: dict[str, Any]) -> None:
    properties = schema.setdefault("properties", {})
    for name, old in SEND_ALIASES.items():
        properties[old] = {**properties[name], "deprecated": True, "description": f"Older name of `{name}`."}
    schema["examples"] = [
        {"user_number": "+15550001111", "agent_number": "+15552223333", "agent_message": "Your order has shipped."}
    ]


class SendRequest(TimeoutSettings):
    """Body of `POST /v1/sms/send`: an AGENT message that starts or continues a conversation."""

    model_config = ConfigDict(strict=True, extra="ignore", json_schema_extra=_send_schema_extra)

    user_number: PhoneNumber = Field(
        validation_alias=AliasChoices("user_number", SEND_ALIASES["user_number"]),
        description="The customer's phone number, E.164.",
    )
    agent_number: PhoneNumber = Field(
        validation_alias=AliasChoices("agent_number", SEND_ALIASES["agent_number"]),
        description="The number that sends; one of the calling account's numbers.",
    )
    agent_message: MessageText | None = Field(
        None,
        validation_alias=AliasChoices("agent_message", SEND_ALIASES["agent_message"]),
        description="The text to send; when left out the mock sends `MOCK_AI_MESSAGE` in the AI's place.",
    )
    request_data: JsonObject | None = Field(None, description="Merged key by key into the conversation's variables.")
    new_conversation: bool | None = Field(False, description="Archive the active conversation and start a new one.")
    persona_id: str | None = None
    persona_version: Literal["production", "draft"] | None = None
    persona_settings: JsonObject | None = None
    pathway_id: str | None = Field(None, description="Becomes the conversation's `curr_pathway_id`.")
    pathway_version: int | str | None = Field(None, description="Becomes its `curr_pathway_version` (as text).")
    start_node_id: str | None = Field(None, description="Becomes its `current_node_id`.")
    webhook: WebhookUrl | None = Field(None, description="Webhook of this conversation, instead of the number's.")
    metadata: JsonObject | None = Field(None, description="Kept on the conversation and echoed in its webhooks.")
    disposition_ids: list[str] | None = None
    citation_schema_ids: list[str] | None = None
    channel: Channel | None = Field("sms", description="Channel to send on; the conversation's `effective_channel`.")
    content_sid: str | None = None
    content_variables: JsonObject | None = None


MOCK_AI_MESSAGE = "Thanks for your message! This is an automated reply from the Bland SMS mock."
"""What `send` stores when `agent_message` is left out: the real API has its AI write one [mock]."""


class UpdateConversationRequest(ContractModel):
    """Body of `PATCH /v1/sms/conversations/{id}`."""

    model_config = ConfigDict(strict=True, extra="ignore")

    is_active: bool = Field(description="false ends the conversation (its timer is cancelled).")


def _message_id(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    raise PydanticCustomError("bad_message_id", "must be a message id: a non-empty string or an integer")


MessageId = Annotated[
    str, PlainValidator(_message_id, json_schema_input_type=int | str), Field(description="A string or an integer.")
]


class DeleteMessagesRequest(ContractModel):
    """Body of `DELETE /v1/sms/conversations/{id}/messages`."""

    model_config = ConfigDict(strict=True, extra="ignore")

    message_ids: list[MessageId] = Field(
        min_length=1, max_length=10_000, description="Ids of messages to delete; strings or integers [mock]."
    )


class NumbersQuery(ContractModel):
    """Query string of `GET /v1/sms/numbers`."""

    model_config = ConfigDict(extra="ignore")

    channel: Channel = Field("sms", description="Whose configuration to list; the mock keeps SMS numbers only.")


class UpdateNumberRequest(SmsConfig):
    """Body of `POST /v1/sms/number/update`: the settings given replace the number's; the rest stay."""

    model_config = ConfigDict(strict=True, extra="ignore")

    phone_number: PhoneNumber = Field(description="The number to update; one of the calling account's numbers.")
    channel: Channel | None = Field("sms", description="Whose configuration to update.")

    @model_validator(mode="after")
    def _warning_before_timeout(self) -> UpdateNumberRequest:
        return self  # checked against the number's merged settings by the mock, as INVALID_TIMEOUT_CONFIG


def _query_int(value: Any) -> Any:
    """Read a query-string integer: decimal digits only, no sign, exponent or fraction [mock]."""
    if isinstance(value, str):
        if not value.isascii() or not value.isdigit() or len(value) > 18:
            raise PydanticCustomError("int_parsing", "must be a whole number written in decimal digits")
        return int(value)
    return value


QueryInt = Annotated[int, BeforeValidator(_query_int)]


class Filter(ContractModel):
    """One element of the `filters` array; `value` is typed by the field's kind [inferred]."""

    model_config = ConfigDict(
        extra="ignore", json_schema_extra={"examples": [{"field": "is_active", "operator": "eq", "value": True}]}
    )

    field: FilterField
    operator: FilterOperator
    value: Any = Field(
        description="Compared after typing by the field: instants, booleans, integers, text or an object."
    )

    @model_validator(mode="after")
    def _type_value(self) -> Filter:
        self.value = typed_filter_value(self.field, self.operator, self.value)
        return self


def typed_filter_value(field: FilterField, operator: FilterOperator, value: Any) -> Any:
    """Type a filter value by its field: datetime, bool, int, str, dict, or None for `eq null`.

    Raises:
        PydanticCustomError: the operator does not apply to the field, or the value has the wrong type.
    """
    kind = FILTER_FIELD_KIND[field]
    if operator not in OPERATORS_BY_KIND[kind]:
        raise PydanticCustomError(
            "bad_operator", "operator {op} does not apply to {field}", {"op": operator.value, "field": field.value}
        )
    if value is None:
        if operator is FilterOperator.EQ:
            return None
        raise PydanticCustomError("bad_value", "null is only allowed with the eq operator")
    if kind is FieldKind.TEXT or (kind is FieldKind.TIMESTAMP and operator in SUBSTRING_OPERATORS):
        if isinstance(value, str):
            return value
        raise PydanticCustomError("bad_value", "{field} takes a string value", {"field": field.value})
    if kind is FieldKind.TIMESTAMP:
        try:
            return parse_timestamp(value)
        except (ValueError, TypeError):
            raise PydanticCustomError(
                "bad_value", "{field} takes an ISO 8601 timestamp", {"field": field.value}
            ) from None
    if kind is FieldKind.BOOLEAN:
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
        raise PydanticCustomError("bad_value", "is_active takes true or false")
    if kind is FieldKind.INTEGER:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer() and math.isfinite(value):
            return int(value)
        if isinstance(value, str) and value.isascii() and value.lstrip("-").isdigit() and len(value) <= 18:
            return int(value)
        raise PydanticCustomError("bad_value", "message_count takes an integer")
    if isinstance(value, dict) and json_depth(value) <= MAX_JSON_DEPTH:
        return value
    raise PydanticCustomError("bad_value", "variables takes a JSON object at most 64 levels deep")


def parse_filters(raw: str | None) -> list[Filter]:
    """Decode the `filters` query parameter into typed filters; empty or absent means none.

    Raises:
        PydanticCustomError: malformed JSON, not an array, too many filters.
        pydantic.ValidationError: an element is not a valid filter.
    """
    if raw is None or raw == "":
        return []
    try:
        decoded = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise PydanticCustomError("bad_json", "must be a URL-encoded JSON array of filter objects") from None
    if not isinstance(decoded, list):
        raise PydanticCustomError("not_array", "must be a JSON array of filter objects")
    if len(decoded) > MAX_FILTERS:
        raise PydanticCustomError("too_many", "takes at most {n} filters", {"n": MAX_FILTERS})
    return _FILTER_LIST.validate_python(decoded)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class ListQuery(ContractModel):
    """Query string of `GET /v1/sms/conversations`."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    page: QueryInt = Field(1, ge=1, description="Page number, from 1.")
    pageSize: QueryInt = Field(
        DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Conversations per page, 1 to 1000."
    )
    sortBy: SortField = Field(SortField.CREATED_AT, description="Sort key.")
    sortDir: SortDir = Field(SortDir.DESC, description="Sort direction.")
    filters: str | None = Field(
        None,
        description="URL-encoded JSON array of {field, operator, value} objects, all of which must match.",
        examples=['[{"field":"is_active","operator":"eq","value":true}]'],
    )


# --------------------------------------------------------------------------------------------------
# Responses


class ErrorObject(ContractModel):
    """One problem with a request."""

    error: str = Field(description="Machine-readable code, e.g. INVALID_FIELD.", examples=["INVALID_PHONE_NUMBER"])
    message: str = Field(
        description="What went wrong, naming the field.",
        examples=["user_number: must be a possible E.164 phone number such as +15550001111"],
    )


class ErrorEnvelope(ContractModel):
    """Body of every failed response."""

    data: None = None
    errors: list[ErrorObject] = Field(min_length=1)


class CreateResult(ContractModel):
    """What `POST /v1/sms/create` returns in `data`."""

    message: Literal["SMS conversation created successfully"] = "SMS conversation created successfully"
    conversation_id: str = Field(min_length=1, examples=["convo_4f1c2b7e9d0a4c1f8e3b5a6d7c8e9f01"])
    workflow_id: str = Field(min_length=1, examples=["workflow_0a1b2c3d4e5f60718293a4b5c6d7e8f9"])


class CreateResponse(ContractModel):
    """Body of a successful create."""

    data: CreateResult
    errors: None = None


class PathwayTag(ContractModel):
    """A tag from a pathway node the conversation visited."""

    name: str
    color: str


Timestamp = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$",
        examples=["2024-11-20T14:01:00.000Z"],
    ),
]


class ConversationItem(ContractModel):
    """One conversation as the list endpoint returns it."""

    id: str = Field(min_length=1, examples=["convo_4f1c2b7e9d0a4c1f8e3b5a6d7c8e9f01"])
    created_at: Timestamp
    updated_at: Timestamp
    user_number: str
    agent_number: str
    variables: dict[str, Any] = Field(description="Everything merged in from request_data; {} before any.")
    current_node_id: str | None
    curr_pathway_id: str | None
    is_active: bool
    message_count: int = Field(ge=0)
    last_message: str | None
    last_message_at: Timestamp | None
    pathway_tags: list[PathwayTag]
    effective_channel: str | None = Field(examples=["sms"])
    summary: str | None
    citation_variables: dict[str, Any] | None
    disposition_tag: str | None


class Pagination(ContractModel):
    """Where a page sits in the whole result."""

    totalItems: int = Field(ge=0)
    totalPages: int = Field(ge=0)
    currentPage: int = Field(ge=1)
    pageSize: int = Field(ge=1)


class ListExtra(ContractModel):
    """Extra data of a list response."""

    pagination: Pagination


class ListResponse(ContractModel):
    """Body of a successful list."""

    data: list[ConversationItem]
    errors: None = None
    extra: ListExtra


class ConversationMessage(ContractModel):
    """One message as `GET /v1/sms/conversations/{id}` returns it."""

    model_config = ConfigDict(populate_by_name=True)

    id: str | int = Field(description="The message's id: a string of digits in the mock [mock].", examples=["1"])
    created_at: Timestamp
    message: str
    text: str = Field(description="The same text again: Bland's own CLI reads `text` [mock].")
    from_: str = Field(alias="from", description="The sending number.")
    to: str = Field(description="The receiving number.")
    sender: Sender
    status: str | None = Field(description="Delivery status; `delivered` for agent messages in the mock [mock].")
    error_code: str | None


class ConversationHidden(ContractModel):
    """Conversation fields that one conversation carries and a list item does not."""

    curr_pathway_version: str | None
    timed_out_at: Timestamp | None


class ConversationRecord(ConversationHidden, ConversationItem):
    """One conversation with its messages, oldest first."""

    messages: list[ConversationMessage]
    disposition_logs: list[dict[str, Any]] = Field(description="Outcome runs; always empty in the mock [mock].")


class ConversationResponse(ContractModel):
    """Body of `GET /v1/sms/conversations/{id}`."""

    data: ConversationRecord
    errors: None = None


class SendResult(ContractModel):
    """What `POST /v1/sms/send` returns in `data`."""

    message: str = Field(examples=["SMS sent successfully"])
    conversation_id: str = Field(min_length=1)
    message_id: str | int = Field(description="Id of the stored message (the reference's example shows a workflow_id).")


class SendResponse(ContractModel):
    """Body of a successful send."""

    data: SendResult
    errors: None = None


class UpdatedConversation(ContractModel):
    """The fields of a conversation a PATCH answers with."""

    id: str
    is_active: bool
    updated_at: Timestamp


class UpdateConversationResponse(ContractModel):
    """Body of a successful `PATCH /v1/sms/conversations/{id}`: not wrapped in `data` (as the reference shows)."""

    message: str = Field(examples=["Conversation updated successfully"])
    conversation: UpdatedConversation


class Confirmation(ContractModel):
    """A success message alone."""

    message: str


class DeleteConversationResponse(ContractModel):
    """Body of a successful `DELETE /v1/sms/conversations/{id}`."""

    data: Confirmation
    errors: None = None


class DeletedMessages(ContractModel):
    """How many messages a delete removed."""

    message: str = Field(examples=["2 messages marked as deleted"])
    deleted_count: int = Field(ge=0)


class DeleteMessagesResponse(ContractModel):
    """Body of a successful `DELETE /v1/sms/conversations/{id}/messages`."""

    data: DeletedMessages
    errors: None = None


class NumberItem(ContractModel):
    """One number of the account as `GET /v1/sms/numbers` returns it."""

    phone_number: str
    sms_config: SmsConfig
    conversation_count: int = Field(ge=0, description="Conversations of this number, ended ones included.")


class NumbersResponse(ContractModel):
    """Body of `GET /v1/sms/numbers`."""

    data: list[NumberItem]
    errors: None = None


class NumberUpdated(ContractModel):
    """What `POST /v1/sms/number/update` returns in `data`."""

    message: str = Field(examples=["SMS config updated for number +15550001111"])
    sms_config: SmsConfig


class UpdateNumberResponse(ContractModel):
    """Body of a successful number update."""

    data: NumberUpdated
    errors: None = None


# --------------------------------------------------------------------------------------------------
# Webhooks: what the API POSTs to a conversation's webhook URL, and the delivery log it keeps


WEBHOOK_STATUSES: tuple[str, ...] = ("ended", "timeout", "blacklisted", "inactive", "read", "link_clicked")
"""The `status` values the reference lists for a status webhook [documented]; the mock adds `active` [mock]."""


class ChatTurn(ContractModel):
    """One message of a webhook's `chat_history` [inferred: the shape Bland's pathway chat answers with]."""

    role: Literal["user", "assistant"] = Field(description="`user` for a USER message, `assistant` for an AGENT one.")
    content: str


class WebhookPayload(ContractModel):
    """The fields every SMS webhook carries, message and status alike [documented]."""

    type: Literal["message", "status"] = Field(description="Which webhook this is (the log's example shows it).")
    conversation_id: str
    phone_number: str = Field(description="The user's number.", examples=["+15550001111"])
    agent_number: str = Field(examples=["+15552223333"])
    channel: str = Field(description="`sms`, `rcs`, `whatsapp` or `imessage`: the conversation's channel.")
    pathway_id: str | None
    pathway_version: str | None
    message: str | None = Field(description="The message's text; null in a status webhook [mock].")
    sender: Sender | None = Field(description="`USER` or `AGENT`; null in a status webhook [mock].")
    chat_history: list[ChatTurn] = Field(description="The whole conversation so far, oldest first.")
    variables: dict[str, Any] = Field(description="The conversation's variables (everything from request_data).")
    metadata: dict[str, Any] | None = Field(description="The metadata given with send; null when none was.")
    pathway_tags: list[PathwayTag]
    created_at: Timestamp = Field(description="The instant of the event: the message's, or the status change's.")


class MessageWebhook(WebhookPayload):
    """What a message webhook POSTs: one for every message stored in the conversation."""

    type: Literal["message"] = "message"
    message: str
    sender: Sender
    message_id: str = Field(description="Id of the message, as the conversation's `messages[].id` [mock].")
    message_kind: MessageKind = Field(
        description="`message` (sent through the API), `warning` or `timeout` (appended by the timer) [mock]."
    )


class StatusWebhook(WebhookPayload):
    """What a status webhook POSTs when a conversation ends, times out or becomes active again."""

    type: Literal["status"] = "status"
    status: str = Field(
        description="`timeout`, `ended` (patched inactive), `inactive` (archived by new_conversation) or `active` "
        "(patched active again) in the mock; the reference also lists blacklisted, read and link_clicked.",
        examples=["timeout"],
    )
    message_count: int = Field(ge=0)
    concatenated_transcript: str = Field(description="Every message as `user: text` or `assistant: text` lines.")
    summary: str | None = Field(description="AI summary when a summary prompt is set; always null in the mock.")
    citations: dict[str, Any] | None = Field(description="Extracted citations; always null in the mock.")
    dispositions: list[Any] | None = Field(description="Outcome results; always null in the mock.")


AnyWebhook = Annotated[MessageWebhook | StatusWebhook, Field(discriminator="type")]


class WebhookAttempt(ContractModel):
    """One attempt to deliver a webhook."""

    sent_at: Timestamp = Field(description="When the attempt went out, on the mock's clock.")
    response_code: int | None = Field(description="The receiver's HTTP status; null when no answer came.")
    response_time: str = Field(description="How long the attempt took (real time).", examples=["142ms"])
    send_type: str = Field(description="`spawn` for the first attempt, `retry` for the next ones [mock].")
    error_message: str | None = Field(description="Why the attempt failed; null when it succeeded.")


class WebhookLog(ContractModel):
    """The webhook log of a conversation: its latest status webhook and every attempt to deliver it."""

    conversation_id: str
    url: str = Field(description="Where the webhook was sent.")
    payload: AnyWebhook
    created_at: Timestamp = Field(description="When the webhook was logged: the instant of its event.")
    user_id: str = Field(description="The account that owns the conversation (its name in the mock).")
    metadata: list[WebhookAttempt] = Field(description="The delivery attempts, oldest first.")


class WebhookLogResponse(ContractModel):
    """Body of `GET /v1/sms/conversations/{id}/webhook`: the log, or null when no webhook has been sent."""

    data: WebhookLog | None
    errors: None = None


_FILTER_LIST = TypeAdapter(list[Filter], config=ConfigDict(defer_build=True))
