"""Request parsing and response rendering shared by the mock's blueprints."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from bland_sms_mock.contracts.models.api import ErrorCode
from bland_sms_mock.mock_server.errors import ApiError, problems_from_validation
from bland_sms_mock.mock_server.jsontext import loads_strict
from bland_sms_mock.mock_server.state import Account
from bland_sms_mock.mock_server.store import Store
from flask import Response, current_app, request
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)
EXTENSION = "bland_sms_mock"


def store() -> Store:
    """The store of the running app."""
    return current_app.extensions[EXTENSION]


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Serialise `payload` compactly as an `application/json` response."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return Response(body, status=status, mimetype="application/json", headers=headers)


def success(data: Any, **extra: Any) -> Response:
    """The success envelope: `{"data": ..., "errors": null, ...extra}`."""
    return json_response({"data": data, "errors": None, **extra})


def key_from_header(value: str | None) -> str | None:
    """The key in an `authorization` header value, with an optional `Bearer ` prefix removed [mock]."""
    raw = (value or "").strip()
    if raw[:7].lower() == "bearer ":
        raw = raw[7:].strip()
    return raw or None


def api_key() -> str | None:
    """The API key from the request's `authorization` header."""
    return key_from_header(request.headers.get("authorization"))


MAX_IDEMPOTENCY_KEY = 255


def idempotency_key() -> str | None:
    """The request's `idempotency-key` header, or None when absent [mock: at most 255 visible characters].

    Raises:
        ApiError: INVALID_FIELD for an empty or over-long key.
    """
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_IDEMPOTENCY_KEY:
        raise ApiError.one(
            ErrorCode.INVALID_FIELD, f"idempotency-key: must be 1 to {MAX_IDEMPOTENCY_KEY} characters, not blank"
        )
    return key


def authenticate() -> Account:
    """The account of the request's API key.

    Raises:
        ApiError: AUTH_FAILURE for a missing or unknown key.
    """
    key = api_key()
    account = store().account_for_key(key) if key else None
    if account is None:
        message = "authorization: unknown API key" if key else "authorization: header with an API key is required"
        raise ApiError.one(ErrorCode.AUTH_FAILURE, message)
    return account


def _is_json_type(mimetype: str) -> bool:
    return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))


def read_json(*, required: bool = True) -> Any:
    """Decode the request body as JSON; an absent body gives None when not `required`.

    Raises:
        ApiError: UNSUPPORTED_MEDIA_TYPE, PAYLOAD_TOO_LARGE (via werkzeug) or INVALID_JSON.
    """
    if request.content_type and not _is_json_type(request.mimetype):
        raise ApiError.one(
            ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            f"content-type: {request.mimetype} is not supported; send application/json",
        )
    raw = request.get_data(cache=True)
    if not raw.strip():
        if not required:
            return None
        raise ApiError.one(ErrorCode.INVALID_JSON, "body: is empty; send a JSON object")
    try:
        return loads_strict(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ApiError.one(ErrorCode.INVALID_JSON, "body: is not valid UTF-8") from None
    except RecursionError:
        raise ApiError.one(ErrorCode.INVALID_JSON, "body: nests too deeply to parse") from None
    except ValueError as exc:
        raise ApiError.one(ErrorCode.INVALID_JSON, f"body: is not valid JSON ({exc})") from None


def read_object(*, required: bool = True) -> dict[str, Any]:
    """Decode the body as a JSON object (`{}` when absent and not `required`).

    Raises:
        ApiError: as `read_json`, and INVALID_JSON when the body is not an object.
    """
    decoded = read_json(required=required)
    if decoded is None and not required:
        return {}
    if not isinstance(decoded, dict):
        raise ApiError.one(ErrorCode.INVALID_JSON, "body: must be a JSON object")
    return decoded


def validate(model: type[Model], data: Any, *, code: ErrorCode = ErrorCode.INVALID_FIELD, **context: Any) -> Model:
    """Validate `data` with a contract model, turning every problem into one error object.

    Raises:
        ApiError: 400 with one (code, "field: problem") per problem found.
    """
    try:
        return model.model_validate(data, context=context or None)
    except ValidationError as exc:
        raise ApiError(problems_from_validation(exc, code)) from None
