"""Flask app factory and the two `/v1` routes; routes parse, call the store once, and wrap the envelope."""

from __future__ import annotations

import logging
from typing import Any

from bland_sms_mock.contracts.models.api import MAX_BODY_BYTES, CreateRequest, ErrorCode, ListQuery, parse_filters
from bland_sms_mock.contracts.models.control import MockConfig
from bland_sms_mock.mock_server.clock import Clock
from bland_sms_mock.mock_server.config import accounts_from, load_config
from bland_sms_mock.mock_server.errors import ApiError, problems_from_validation
from bland_sms_mock.mock_server.journal import DEFAULT_JOURNAL_SIZE
from bland_sms_mock.mock_server.middleware import Traffic
from bland_sms_mock.mock_server.request_io import (
    EXTENSION,
    authenticate,
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
) -> Flask:
    """Build a mock server app.

    `config` is a `MockConfig`, its dict form, a path to a YAML/JSON file, or None for the demo account.
    `control=False` leaves out the `/_mock` control API; `control_token` guards it (`authorization: Bearer T`).
    The request journal keeps the last `journal_size` API requests.
    """
    if isinstance(config, dict):
        config = MockConfig.model_validate(config)
    elif not isinstance(config, MockConfig):
        config = load_config(config)
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY_BYTES, JSON_SORT_KEYS=False)
    state = Store(accounts_from(config), clock or Clock(), config.strict_numbers, config.limits, journal_size)
    app.extensions[EXTENSION] = state
    app.wsgi_app = Traffic(app.wsgi_app, state)  # type: ignore[method-assign]
    app.register_blueprint(api)
    if control:
        from bland_sms_mock.mock_server.control import CAPABILITIES_KEY, TOKEN_KEY
        from bland_sms_mock.mock_server.control import control as control_blueprint

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
        ]
        app.register_blueprint(control_blueprint)
        from bland_sms_mock.mock_server import ui

        ui.init_app(app, app.config[CAPABILITIES_KEY])
    app.register_error_handler(ApiError, _render_api_error)
    app.register_error_handler(HTTPException, _render_http_error)
    app.register_error_handler(Exception, _render_unexpected)
    return app
