"""Flask app factory and the `/v1` routes; a route parses, calls the store once, and wraps the envelope."""

from __future__ import annotations

import logging
from typing import Any

from bland_sms_mock.contracts.models.api import (
    MAX_BODY_BYTES,
    CreateRequest,
    DeleteMessagesRequest,
    ErrorCode,
    ListQuery,
    NumbersQuery,
    SendRequest,
    UpdateConversationRequest,
    UpdateNumberRequest,
    parse_filters,
)
from bland_sms_mock.contracts.models.control import MockConfig
from bland_sms_mock.mock_server import ui
from bland_sms_mock.mock_server.clock import Clock
from bland_sms_mock.mock_server.config import accounts_from, load_config
from bland_sms_mock.mock_server.control import CAPABILITIES_KEY, TOKEN_KEY
from bland_sms_mock.mock_server.control import control as control_blueprint
from bland_sms_mock.mock_server.errors import ApiError, problems_from_validation
from bland_sms_mock.mock_server.journal import DEFAULT_JOURNAL_SIZE
from bland_sms_mock.mock_server.middleware import Traffic
from bland_sms_mock.mock_server.request_io import (
    EXTENSION,
    authenticate,
    idempotency_key,
    json_response,
    read_object,
    store,
    success,
    validate,
)
from bland_sms_mock.mock_server.store import Store
from flask import Blueprint, Flask, request
from pydantic import ValidationError
from pydantic_core import PydanticCustomError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

api = Blueprint("api", __name__, url_prefix="/v1")

_HTTP_CODES = {
    404: (ErrorCode.NOT_FOUND, "no such route: {path}"),
    405: (ErrorCode.METHOD_NOT_ALLOWED, "{method} is not allowed on {path}"),
    413: (ErrorCode.PAYLOAD_TOO_LARGE, "body: larger than 1 MiB"),
    415: (ErrorCode.UNSUPPORTED_MEDIA_TYPE, "content-type: send application/json"),
}


@api.post("/sms/create")
def create_conversation() -> Any:
    """Create a conversation, or append to the active one between the two numbers."""
    account = authenticate()
    body = validate(CreateRequest, read_object(), strict_numbers=store().strict_numbers)
    conversation_id, workflow_id = store().create(account, body)
    return success(
        {
            "message": "SMS conversation created successfully",
            "conversation_id": conversation_id,
            "workflow_id": workflow_id,
        }
    )


@api.post("/sms/send")
def send_message() -> Any:
    """Send an AGENT message: continue the pair's active conversation or start one."""
    account = authenticate()
    raw = read_object()
    body = validate(SendRequest, raw, strict_numbers=store().strict_numbers)
    conversation_id, message_id = store().send(account, body, idempotency_key=idempotency_key(), body=raw)
    return success({"message": "SMS sent successfully", "conversation_id": conversation_id, "message_id": message_id})


@api.get("/sms/conversations")
def list_conversations() -> Any:
    """List the account's conversations: filtered, sorted, one page."""
    account = authenticate()
    args = request.args.to_dict(flat=True)
    problems = []
    try:
        params = ListQuery.model_validate(args)
    except ValidationError as exc:
        problems += problems_from_validation(exc, ErrorCode.INVALID_QUERY)
    try:
        filters = parse_filters(args.get("filters"))
    except PydanticCustomError as exc:
        problems.append((ErrorCode.INVALID_FILTERS, f"filters: {exc.message()}"))
    except ValidationError as exc:
        problems += problems_from_validation(exc, ErrorCode.INVALID_FILTERS, prefix="filters")
    if problems:
        raise ApiError(problems)
    items, total = store().list(account, params, filters)
    pagination = {
        "totalItems": total,
        "totalPages": -(-total // params.pageSize),
        "currentPage": params.page,
        "pageSize": params.pageSize,
    }
    return success(items, extra={"pagination": pagination})


@api.get("/sms/conversations/<conversation_id>")
def get_conversation(conversation_id: str) -> Any:
    """One conversation with its messages, oldest first."""
    account = authenticate()
    return success(store().record(account, conversation_id))


@api.patch("/sms/conversations/<conversation_id>")
def update_conversation(conversation_id: str) -> Any:
    """End a conversation, or make an ended one active again; answered without the `data` wrapper."""
    account = authenticate()
    body = validate(UpdateConversationRequest, read_object())
    conversation = store().set_active(account, conversation_id, body.is_active)
    return json_response({"message": "Conversation updated successfully", "conversation": conversation})


@api.delete("/sms/conversations/<conversation_id>")
def delete_conversation(conversation_id: str) -> Any:
    """Delete a conversation and its messages."""
    account = authenticate()
    store().delete(account, conversation_id)
    return success({"message": "Conversation and all associated messages deleted successfully"})


@api.get("/sms/conversations/<conversation_id>/webhook")
def conversation_webhook(conversation_id: str) -> Any:
    """The conversation's webhook log: its latest status webhook with every delivery attempt, or null."""
    account = authenticate()
    return success(store().webhook_log(account, conversation_id))


@api.delete("/sms/conversations/<conversation_id>/messages")
def delete_messages(conversation_id: str) -> Any:
    """Delete messages from a conversation's history."""
    account = authenticate()
    body = validate(DeleteMessagesRequest, read_object())
    count = store().delete_messages(account, conversation_id, body.message_ids)
    return success(
        {"message": f"{count} {'message' if count == 1 else 'messages'} marked as deleted", "deleted_count": count}
    )


@api.get("/sms/numbers")
def list_numbers() -> Any:
    """The account's numbers with their sms_config and conversation counts."""
    account = authenticate()
    query = validate(NumbersQuery, request.args.to_dict(flat=True), code=ErrorCode.INVALID_QUERY)
    return success(store().numbers(account) if query.channel == "sms" else [])


@api.post("/sms/number/update")
def update_number() -> Any:
    """Change a number's sms_config: the settings given replace the number's, the rest stay."""
    account = authenticate()
    body = validate(UpdateNumberRequest, read_object(), strict_numbers=store().strict_numbers)
    if body.channel not in (None, "sms"):
        raise ApiError.one(ErrorCode.INVALID_FIELD, f"channel: the mock keeps SMS settings only, not {body.channel}")
    settings = store().update_number(account, body)
    return success({"message": f"SMS config updated for number {body.phone_number}", "sms_config": settings})


def _render_api_error(error: ApiError) -> Any:
    return json_response(error.envelope(), error.status, error.headers)


def _render_http_error(error: HTTPException) -> Any:
    code, template = _HTTP_CODES.get(error.code or 500, (ErrorCode.INVALID_FIELD, "{description}"))
    message = template.format(path=request.path, method=request.method, description=error.description)
    headers = {k: v for k, v in error.get_headers() if k.lower() == "allow"}
    status = error.code if error.code and error.code < 500 else 500
    return json_response(ApiError.one(code, message).envelope(), status, headers)


def _render_unexpected(error: Exception) -> Any:
    log.exception("unexpected error on %s %s", request.method, request.path, exc_info=error)
    return json_response(ApiError.one(ErrorCode.INTERNAL_ERROR, "internal error in the mock").envelope(), 500)


def create_app(
    config: MockConfig | dict | str | None = None,
    clock: Clock | None = None,
    *,
    control: bool = True,
    control_token: str | None = None,
    journal_size: int = DEFAULT_JOURNAL_SIZE,
    webhooks_any_host: bool = False,
) -> Flask:
    """Build a mock server app.

    `config` is a `MockConfig`, its dict form, a path to a YAML/JSON file, or None for the demo account.
    `control=False` leaves out the `/_mock` control API; `control_token` guards it (`authorization: Bearer T`).
    The request journal keeps the last `journal_size` API requests. Webhooks go to loopback hosts only
    unless `webhooks_any_host`.
    """
    if isinstance(config, dict):
        config = MockConfig.model_validate(config)
    elif not isinstance(config, MockConfig):
        config = load_config(config)
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY_BYTES, JSON_SORT_KEYS=False)
    state = Store(
        accounts_from(config),
        clock or Clock(),
        config.strict_numbers,
        config.limits,
        journal_size,
        webhooks_any_host=webhooks_any_host,
    )
    app.extensions[EXTENSION] = state
    app.wsgi_app = Traffic(app.wsgi_app, state)  # type: ignore[method-assign]
    app.register_blueprint(api)
    if control:
        app.config[TOKEN_KEY] = control_token or None
        app.config[CAPABILITIES_KEY] = [
            "clock",
            "reset",
            "accounts",
            "messages",
            "seed",
            "snapshot",
            "requests",
            "faults",
            "deleted",
            "webhooks",
        ]
        app.register_blueprint(control_blueprint)
        ui.init_app(app, app.config[CAPABILITIES_KEY])
    app.register_error_handler(ApiError, _render_api_error)
    app.register_error_handler(HTTPException, _render_http_error)
    app.register_error_handler(Exception, _render_unexpected)
    return app
