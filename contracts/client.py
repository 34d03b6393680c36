"""A small HTTP client for any target of the contract: the `/v1` SMS endpoints and, on a mock, `/_mock/*`.

Every call has a timeout and returns an `Exchange`: the request as sent and the response as received,
which reports print and turn into a curl command. The client knows nothing of the mock's internals.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import quote

import httpx

CREATE_PATH = "/v1/sms/create"
LIST_PATH = "/v1/sms/conversations"
SEND_PATH = "/v1/sms/send"
CONVERSATION_PATH = "/v1/sms/conversations/{id}"
"""One conversation: `GET`, `PATCH` and `DELETE` (fill in `{id}` with `conversation_path`)."""
MESSAGES_PATH = "/v1/sms/conversations/{id}/messages"
NUMBERS_PATH = "/v1/sms/numbers"
NUMBER_UPDATE_PATH = "/v1/sms/number/update"
KEY_PLACEHOLDER = "$BLAND_API_KEY"
"""What curl commands print instead of the API key, so reports never leak a live key."""

_DEFAULT = object()


def conversation_path(template: str, conversation_id: Any) -> str:
    """`template` (`CONVERSATION_PATH` or `MESSAGES_PATH`) with the id filled in, URL-quoted."""
    return template.replace("{id}", quote(str(conversation_id), safe=""))


class TargetUnreachable(Exception):
    """The target did not answer (connection refused, DNS, timeout); the message says which and where."""


class ControlError(Exception):
    """A control API call was refused; the message carries the status and the error envelope."""


@dataclass
class Exchange:
    """One request and its response."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None
    status: int
    text: str = ""
    raw: httpx.Response | None = field(default=None, repr=False, compare=False)
    """The response as httpx received it (for schema validation)."""

    @cached_property
    def json(self) -> Any:
        """The response body decoded as JSON, or None when it is not JSON (decoded once, then kept)."""
        try:
            return json.loads(self.text)
        except ValueError:
            return None

    @property
    def data(self) -> Any:
        """The envelope's `data`, or None."""
        body = self.json
        return body.get("data") if isinstance(body, dict) else None

    @property
    def pagination(self) -> dict[str, Any] | None:
        """A list answer's `extra.pagination`, or None when it has none."""
        body = self.json
        extra = body.get("extra") if isinstance(body, dict) else None
        pagination = extra.get("pagination") if isinstance(extra, dict) else None
        return pagination if isinstance(pagination, dict) else None

    def _error_field(self, key: str) -> list[str]:
        body = self.json
        errors = body.get("errors") if isinstance(body, dict) else None
        return [str(e.get(key)) for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []

    @property
    def error_codes(self) -> list[str]:
        """The `error` codes of the envelope's `errors` list (empty when there are none)."""
        return self._error_field("error")

    @property
    def error_messages(self) -> list[str]:
        """The `message` texts of the envelope's `errors` list."""
        return self._error_field("message")

    def request_line(self) -> str:
        """`POST /v1/sms/create {"user_number": ...}` in one line (body cut at 300 characters; an
        `idempotency-key` header shown after the path)."""
        path = self.url.split("://", 1)[-1].split("/", 1)[-1]
        body = self.body.decode("utf-8", "replace") if self.body else ""
        if len(body) > 300:
            body = body[:300] + "…"
        key = next((v for k, v in self.headers.items() if k.lower() == "idempotency-key"), None)
        shown = f" (idempotency-key: {key})" if key is not None else ""
        return f"{self.method} /{path}{shown}" + (f" {body}" if body else "")

    def response_line(self, limit: int = 600) -> str:
        """`200 {"data": ...}` in one line, cut at `limit` characters."""
        text = " ".join(self.text.split())
        return f"{self.status} " + (text[:limit] + "…" if len(text) > limit else text)

    def to_dict(self) -> dict[str, Any]:
        """The exchange as JSON reports write it: request line, status, response body, curl command."""
        return {
            "request": self.request_line(),
            "status": self.status,
            "response": self.json if self.json is not None else self.text,
            "curl": self.curl(),
        }

    def curl(self) -> str:
        """A curl command that sends this request again (the API key replaced by `$BLAND_API_KEY`)."""
        parts = ["curl", "-sS", "-X", self.method, shlex.quote(self.url)]
        for name, value in self.headers.items():
            if name.lower() == "authorization":
                parts += ["-H", f'"authorization: {KEY_PLACEHOLDER}"']
            elif name.lower() in ("content-type", "x-mock-token", "idempotency-key"):
                shown = "$BLAND_SMS_MOCK_CONTROL_TOKEN" if name.lower() == "x-mock-token" else value
                parts += ["-H", f'"{name}: {shown}"' if shown != value else shlex.quote(f"{name}: {value}")]
        if self.body:
            parts += ["--data-binary", shlex.quote(self.body.decode("utf-8", "replace"))]
        return " ".join(parts)


def _body(body: Any) -> dict[str, Any]:
    """`request` arguments for a body: a `str` or `bytes` is sent as it is, anything else as JSON."""
    return {"content": body} if isinstance(body, str | bytes) else {"json_body": body}


class Client:
    """Calls a target's API; `api_key` is the default key of `/v1` calls, `control_token` guards `/_mock`."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        control_token: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.control_token = control_token
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------------------------------- transport

    def request(
        self,
        method: str,
        path: str,
        *,
        api_key: Any = _DEFAULT,
        json_body: Any = _DEFAULT,
        content: bytes | str | None = None,
        params: dict[str, Any] | None = None,
        control: bool = False,
        headers: dict[str, str] | None = None,
    ) -> Exchange:
        """Send one request; `api_key=None` sends no authorization header.

        Raises:
            TargetUnreachable: no answer within the timeout, or no connection.
        """
        headers = dict(headers or {})
        key = self.api_key if api_key is _DEFAULT else api_key
        if key:
            headers["authorization"] = key
        if control and self.control_token:
            headers["x-mock-token"] = self.control_token
        body: bytes | None = None
        if json_body is not _DEFAULT:
            body = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
            headers["content-type"] = "application/json"
        elif content is not None:
            body = content.encode("utf-8") if isinstance(content, str) else content
            headers["content-type"] = "application/json"
        try:
            response = self._http.request(method, path, params=params, content=body, headers=headers)
        except httpx.TimeoutException:
            raise TargetUnreachable(f"{self.base_url}: no answer to {method} {path} in time") from None
        except httpx.TransportError as exc:
            raise TargetUnreachable(f"{self.base_url}: cannot reach the target ({exc or type(exc).__name__})") from None
        return Exchange(
            method=method,
            url=str(response.request.url),
            headers=headers,
            body=body,
            status=response.status_code,
            text=response.text,
            raw=response,
        )

    # -------------------------------------------------------------------------------------- the API

    def create(self, body: Any, *, api_key: Any = _DEFAULT) -> Exchange:
        """`POST /v1/sms/create` with a JSON body (a `str` or `bytes` body is sent as it is)."""
        if isinstance(body, str | bytes):
            return self.request("POST", CREATE_PATH, api_key=api_key, content=body)
        return self.request("POST", CREATE_PATH, api_key=api_key, json_body=body)

    def list(self, params: dict[str, Any] | None = None, *, api_key: Any = _DEFAULT) -> Exchange:
        """`GET /v1/sms/conversations`; a `filters` list or dict is JSON-encoded."""
        query = dict(params or {})
        if isinstance(query.get("filters"), list | dict):
            query["filters"] = json.dumps(query["filters"], separators=(",", ":"))
        return self.request("GET", LIST_PATH, api_key=api_key, params=query)

    def send(self, body: Any, *, api_key: Any = _DEFAULT, idempotency_key: str | None = None) -> Exchange:
        """`POST /v1/sms/send` (an AGENT message), with an `idempotency-key` header when one is given."""
        headers = {"idempotency-key": idempotency_key} if idempotency_key is not None else None
        return self.request("POST", SEND_PATH, api_key=api_key, headers=headers, **_body(body))

    def get_conversation(self, conversation_id: Any, *, api_key: Any = _DEFAULT) -> Exchange:
        """`GET /v1/sms/conversations/{id}`: one conversation with its messages."""
        return self.request("GET", conversation_path(CONVERSATION_PATH, conversation_id), api_key=api_key)

    def update_conversation(self, conversation_id: Any, body: Any, *, api_key: Any = _DEFAULT) -> Exchange:
        """`PATCH /v1/sms/conversations/{id}` (`{"is_active": false}` ends it)."""
        return self.request(
            "PATCH", conversation_path(CONVERSATION_PATH, conversation_id), api_key=api_key, **_body(body)
        )

    def delete_conversation(self, conversation_id: Any, *, api_key: Any = _DEFAULT) -> Exchange:
        """`DELETE /v1/sms/conversations/{id}`."""
        return self.request("DELETE", conversation_path(CONVERSATION_PATH, conversation_id), api_key=api_key)

    def delete_messages(self, conversation_id: Any, body: Any, *, api_key: Any = _DEFAULT) -> Exchange:
        """`DELETE /v1/sms/conversations/{id}/messages` with a body such as `{"message_ids": [...]}`."""
        path = conversation_path(MESSAGES_PATH, conversation_id)
        return self.request("DELETE", path, api_key=api_key, **_body(body))

    def numbers(self, params: dict[str, Any] | None = None, *, api_key: Any = _DEFAULT) -> Exchange:
        """`GET /v1/sms/numbers`."""
        return self.request("GET", NUMBERS_PATH, api_key=api_key, params=dict(params or {}))

    def update_number(self, body: Any, *, api_key: Any = _DEFAULT) -> Exchange:
        """`POST /v1/sms/number/update`."""
        return self.request("POST", NUMBER_UPDATE_PATH, api_key=api_key, **_body(body))

    # ----------------------------------------------------------------------------- the control API

    def health(self) -> dict[str, Any] | None:
        """The body of `GET /_mock/health` when the target is a bland-sms-mock, else None."""
        exchange = self.request("GET", "/_mock/health", api_key=None, control=True)
        body = exchange.json
        if exchange.status == 200 and isinstance(body, dict) and body.get("service") == "bland-sms-mock":
            return body
        if exchange.status == 401 and "CONTROL_TOKEN_REQUIRED" in exchange.error_codes:
            raise ControlError("the mock's control API needs a token (--control-token)")
        return None

    def control(self, method: str, path: str, body: Any = _DEFAULT, *, api_key: Any = None) -> Any:
        """Call `/_mock/<path>` and return its decoded body.

        Raises:
            ControlError: the call was refused (the message carries the envelope).
        """
        exchange = self.request(method, f"/_mock/{path.lstrip('/')}", api_key=api_key, json_body=body, control=True)
        if exchange.status >= 300:
            raise ControlError(f"{method} /_mock/{path.lstrip('/')}: {exchange.response_line()}")
        return exchange.json

    def reset(self, *, accounts: bool = True) -> None:
        """Drop every conversation (and the accounts added at run time); the clock flows again."""
        self.control("POST", "reset", {"accounts": accounts})

    def clock(self, command: dict[str, Any] | None = None) -> dict[str, Any]:
        """Read the clock, or send one command (`freeze`, `set`, `advance`)."""
        return self.control("POST", "clock", command) if command else self.control("GET", "clock")

    def add_account(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Add an account with its agent numbers."""
        return self.control("POST", "accounts", spec)

    def seed(self, document: dict[str, Any]) -> dict[str, Any]:
        """Load a seed document (accounts and conversations)."""
        return self.control("POST", "seed", document)

    def conversation(self, conversation_id: str, *, api_key: Any = _DEFAULT) -> Exchange:
        """`GET /_mock/conversations/<id>` (the detail, with hidden fields and the next timer)."""
        return self.request("GET", f"/_mock/conversations/{conversation_id}", api_key=api_key, control=True)

    def messages(self, conversation_id: str, *, api_key: Any = _DEFAULT) -> Exchange:
        """`GET /_mock/conversations/<id>/messages` (the whole history, oldest first)."""
        return self.request("GET", f"/_mock/conversations/{conversation_id}/messages", api_key=api_key, control=True)

    def journal(self, **filters: Any) -> list[dict[str, Any]]:
        """The mock's request journal, oldest first."""
        exchange = self.request("GET", "/_mock/requests", api_key=None, params=filters, control=True)
        if exchange.status != 200:
            raise ControlError(f"GET /_mock/requests: {exchange.response_line()}")
        body = exchange.json
        return body.get("requests", []) if isinstance(body, dict) else []

    def snapshot(self) -> dict[str, Any]:
        """The mock's whole state."""
        return self.control("GET", "snapshot")
