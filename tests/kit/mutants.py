"""Deliberately broken (and benignly different) implementations of the API, to prove the kit's checks.

Each target is the real mock wrapped in a small WSGI layer that changes one behaviour: it rewrites a
request before the mock sees it, or the answer after, or answers a list itself from the mock's full
listing. `/_mock/*` passes through untouched, so the kit still sees a mock with a clock.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from bland_sms_mock.mock_server.app import create_app
from werkzeug.test import Client as WsgiClient
from werkzeug.wrappers import Request, Response

FORWARDED = ("authorization", "content-type", "idempotency-key")
"""The request headers a mutant passes on to the mock."""

Call = dict[str, Any]
"""A request as a mutant sees it: method, path, query (dict), headers (dict), body (decoded JSON or text)."""


@dataclass
class Mutant:
    """The mock behind one rewrite; `on_request`/`on_response` change a call, `answer` replaces it."""

    on_request: Callable[[Call], Call] | None = None
    on_response: Callable[[Call, int, Any], tuple[int, Any]] | None = None
    answer: Callable[[Call, Callable[[Call], tuple[int, Any]]], tuple[int, Any] | None] | None = None
    control_path: Callable[[str], str] | None = None
    """Rewrites the path of a `/_mock` call (for a target whose ids differ from the mock's)."""

    def __post_init__(self) -> None:
        self.app = create_app()
        self.inner = WsgiClient(self.app)

    def send(self, call: Call) -> tuple[int, Any]:
        """Send a call to the wrapped mock; return status and decoded body."""
        body = call.get("body")
        data = None if body is None else (body if isinstance(body, str) else json.dumps(body))
        response = self.inner.open(
            call["path"] + ("?" + urlencode(call["query"]) if call["query"] else ""),
            method=call["method"],
            headers=call["headers"],
            data=data,
        )
        try:
            return response.status_code, json.loads(response.get_data(as_text=True))
        except ValueError:
            return response.status_code, response.get_data(as_text=True)

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Any:
        request = Request(environ)
        if not request.path.startswith("/v1/"):
            if self.control_path is not None:
                environ = {**environ, "PATH_INFO": self.control_path(request.path)}
            return self.app(environ, start_response)
        raw = request.get_data(as_text=True)
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        headers = {k: v for k, v in request.headers.items() if k.lower() in FORWARDED}
        call: Call = {
            "method": request.method,
            "path": request.path,
            "query": dict(request.args),
            "headers": headers,
            "body": body,
        }
        if self.on_request is not None:
            call = self.on_request(call)
        answered = self.answer(call, self.send) if self.answer is not None else None
        status, payload = answered if answered is not None else self.send(call)
        if self.on_response is not None:
            status, payload = self.on_response(call, status, payload)
        text = payload if isinstance(payload, str) else json.dumps(payload)
        return Response(text, status, content_type="application/json")(environ, start_response)


# ------------------------------------------------------------------------------------------- helpers


def control_call(path: str, headers: dict[str, str] | None = None) -> Call:
    """A GET of the mock's control API (for a mutant that needs to know what the mock knows)."""
    return {"method": "GET", "path": path, "query": {}, "headers": headers or {}, "body": None}


def list_call(call: Call, filters: list[dict[str, Any]], **query: str) -> Call:
    """A list call with the key of `call`, these filters and query parameters."""
    return {
        "method": "GET",
        "path": "/v1/sms/conversations",
        "query": {**query, "filters": json.dumps(filters)},
        "headers": {k: v for k, v in call["headers"].items() if k.lower() == "authorization"},
        "body": None,
    }


def refusal(status: int, code: str, message: str) -> tuple[int, Any]:
    """An answer in the error envelope."""
    return status, {"data": None, "errors": [{"error": code, "message": message}]}


def is_list(call: Call) -> bool:
    return call["method"] == "GET" and call["path"] == "/v1/sms/conversations"


def is_create(call: Call) -> bool:
    return call["method"] == "POST" and call["path"] == "/v1/sms/create" and isinstance(call["body"], dict)


def filters_of(call: Call) -> list[dict[str, Any]]:
    try:
        decoded = json.loads(call["query"].get("filters") or "[]")
    except ValueError:
        return []
    return decoded if isinstance(decoded, list) else []


def with_filters(call: Call, filters: list[dict[str, Any]]) -> Call:
    return {**call, "query": {**call["query"], "filters": json.dumps(filters)}}


def rewrite_filters(change: Callable[[dict[str, Any]], dict[str, Any] | None]) -> Callable[[Call], Call]:
    """A request rewrite applying `change` to every filter of a list call (None drops the filter)."""

    def rewrite(call: Call) -> Call:
        filters = filters_of(call)
        if not is_list(call) or not filters or not all(isinstance(f, dict) for f in filters):
            return call
        return with_filters(call, [changed for f in filters if (changed := change(dict(f))) is not None])

    return rewrite


def rewrite_items(change: Callable[[dict[str, Any]], None]) -> Callable[[Call, int, Any], tuple[int, Any]]:
    """A response rewrite applying `change` to every item of a successful list answer."""

    def rewrite(call: Call, status: int, body: Any) -> tuple[int, Any]:
        if is_list(call) and status == 200 and isinstance(body, dict) and isinstance(body.get("data"), list):
            for item in body["data"]:
                change(item)
        return status, body

    return rewrite


def rewrite_create(change: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[Call], Call]:
    """A request rewrite applying `change` to every create body that is an object."""

    def rewrite(call: Call) -> Call:
        return {**call, "body": change(dict(call["body"]))} if is_create(call) else call

    return rewrite


def full_listing(call: Call, send: Callable[[Call], tuple[int, Any]]) -> tuple[int, Any, list[dict[str, Any]]]:
    """The mock's answer to this list call with every item on one page (to re-page or re-filter it).

    The call as sent goes first, so a query the mock refuses is refused here too (status not 200).
    """
    status, body = send(call)
    if status != 200:
        return status, body, []
    status, body = send({**call, "query": {**call["query"], "page": "1", "pageSize": "1000"}})
    items = body.get("data") if isinstance(body, dict) and isinstance(body.get("data"), list) else []
    return status, body, items


def paged(call: Call, body: dict[str, Any], items: list[dict[str, Any]], start_shift: int = 0) -> dict[str, Any]:
    """An answer built from a full listing, paged as the call asks (with an optional off-by-N start)."""
    page, size = int(call["query"].get("page", 1)), int(call["query"].get("pageSize", 25))
    start = max((page - 1) * size + (start_shift if page > 1 else 0), 0)
    total = len(items)
    pagination = {"totalItems": total, "totalPages": -(-total // size), "currentPage": page, "pageSize": size}
    return {**body, "data": items[start : start + size], "extra": {"pagination": pagination}}


# ------------------------------------------------------------------ the newer endpoints' calls

_ONE = re.compile(r"^/v1/sms/conversations/([^/]+)$")
_MESSAGES = re.compile(r"^/v1/sms/conversations/([^/]+)/messages$")


def conversation_of(call: Call) -> str | None:
    """The conversation id in the path of a read, update, delete or message delete."""
    match = _ONE.match(call["path"]) or _MESSAGES.match(call["path"])
    return match.group(1) if match else None


def is_send(call: Call) -> bool:
    return call["method"] == "POST" and call["path"] == "/v1/sms/send" and isinstance(call["body"], dict)


def is_read(call: Call) -> bool:
    return call["method"] == "GET" and _ONE.match(call["path"]) is not None


def is_update(call: Call) -> bool:
    return call["method"] == "PATCH" and _ONE.match(call["path"]) is not None


def is_delete(call: Call) -> bool:
    return call["method"] == "DELETE" and _ONE.match(call["path"]) is not None


def is_delete_messages(call: Call) -> bool:
    return call["method"] == "DELETE" and _MESSAGES.match(call["path"]) is not None


def is_numbers(call: Call) -> bool:
    return call["method"] == "GET" and call["path"] == "/v1/sms/numbers"


def is_number_update(call: Call) -> bool:
    return call["method"] == "POST" and call["path"] == "/v1/sms/number/update" and isinstance(call["body"], dict)


def read_call(call: Call, conversation: str | None = None) -> Call:
    """A GET of one conversation with the key of `call` (its own conversation unless another is named)."""
    return {
        "method": "GET",
        "path": f"/v1/sms/conversations/{conversation or conversation_of(call)}",
        "query": {},
        "headers": {k: v for k, v in call["headers"].items() if k.lower() == "authorization"},
        "body": None,
    }


def rewrite_body(match: Callable[[Call], bool], change: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable:
    """A request rewrite applying `change` to the object body of every call `match` accepts."""

    def rewrite(call: Call) -> Call:
        return {**call, "body": change(dict(call["body"]))} if match(call) and isinstance(call["body"], dict) else call

    return rewrite


def rewrite_answer(match: Callable[[Call], bool], change: Callable[[Call, dict[str, Any]], None]) -> Callable:
    """A response rewrite applying `change` to every successful object answer of a call `match` accepts."""

    def rewrite(call: Call, status: int, body: Any) -> tuple[int, Any]:
        if match(call) and status == 200 and isinstance(body, dict):
            change(call, body)
        return status, body

    return rewrite
