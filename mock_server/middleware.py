"""WSGI middleware in front of the mock: journals every API request and applies the fault rules.

Requests under `/_mock` (control API, inspector) pass straight through: they are neither journalled nor
faulted [mock], so a test's own set-up never fills the journal. Neither are the `/v1` reads the inspector
makes to refresh its page: it marks them with the `x-mock-inspector` header (any value) [mock], so the
journal, `record` and `assert_request_made` see only what clients sent, and a `times: 1` fault is never
spent on the inspector.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterable, Iterator
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from bland_sms_mock.contracts.models.api import MAX_BODY_BYTES, format_timestamp
from bland_sms_mock.mock_server.faults import Fault
from bland_sms_mock.mock_server.journal import masked_headers
from bland_sms_mock.mock_server.request_io import key_from_header
from bland_sms_mock.mock_server.store import Store

IN_PROCESS = "bland_sms_mock.in_process"
"""WSGI environ key set by the in-process transports: a dropped connection raises `ConnectionDropped`."""

INSPECTOR_HEADER = "HTTP_X_MOCK_INSPECTOR"
"""WSGI environ key of the `x-mock-inspector` header the inspector sends on its own refreshes."""

StartResponse = Callable[..., Any]


class ConnectionDropped(ConnectionError):
    """A drop fault hit a request served in-process; the transports turn it into their connection error."""


def _request_headers(environ: dict[str, Any]) -> dict[str, str]:
    headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    return headers


def _read_body(environ: dict[str, Any]) -> bytes | None:
    """Read a body of declared length up to the API's limit and put it back for the app; None otherwise."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length <= 0 or length > MAX_BODY_BYTES:
        return None
    raw = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(raw)
    return raw


DROP_STATUS = "503 Service Unavailable"
DROP_LENGTH = "1024"
"""What a server that always writes headers (granian) sends for a drop: this status and length, no body."""


def _no_body() -> Iterator[bytes]:
    """A body that ends at once, short of its declared length: the server closes the connection, logs nothing."""
    yield from ()


class Traffic:
    """Wraps the Flask app's WSGI callable; holds no state of its own (journal and faults live in the store)."""

    def __init__(self, app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]], store: Store) -> None:
        self.app = app
        self.store = store

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Serve one request: fault rules first, then the app, then the journal entry."""
        path = environ.get("PATH_INFO", "") or "/"
        if path.startswith("/_mock") or INSPECTOR_HEADER in environ:
            return self.app(environ, start_response)
        started = time.perf_counter()
        method = environ.get("REQUEST_METHOD", "GET").upper()
        headers = _request_headers(environ)
        key = key_from_header(headers.get("authorization"))
        account = self.store.account_for_key(key) if key else None
        account_name = account.name if account else None
        raw = _read_body(environ)
        entry: dict[str, Any] = {
            "time": format_timestamp(self.store.clock.now_ms()),
            "method": method,
            "path": path,
            "query": dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)[::-1]),
            "headers": masked_headers(headers),
            "body": raw,
            "account": account_name,
        }
        fault = self.store.faults.pick(method, path, account_name)
        if fault is not None and fault.spec.latency_ms:
            time.sleep(fault.spec.latency_ms / 1000)
        if fault is not None and fault.spec.drop:
            self._record(entry, None, None, fault, started)
            return self._drop(environ, start_response)
        if fault is not None and fault.spec.status is not None:
            status, response_headers, body = _fault_response(fault)
        else:
            status, response_headers, body = _call(self.app, environ)
        self._record(entry, status, body, fault, started)
        start_response(status, response_headers)
        return [body]

    def _record(
        self, entry: dict, status: str | None, response: bytes | None, fault: Fault | None, started: float
    ) -> None:
        entry["status"] = int(status.split(" ", 1)[0]) if status else None
        entry["response"] = response
        entry["duration_ms"] = round((time.perf_counter() - started) * 1000, 3)
        entry["fault"] = {"id": fault.id, "kind": fault.kind()} if fault else None
        self.store.journal.add(entry)

    @staticmethod
    def _drop(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Lose the connection: no answer at all under waitress; elsewhere (granian) headers, then a close.

        Granian writes the status line and headers before it reads a body, so there the client gets
        `503` with `content-length: 1024` and then the connection closes with no body byte.
        """
        if environ.get(IN_PROCESS):
            raise ConnectionDropped("bland-sms-mock: connection dropped by a fault rule")
        if "waitress.client_disconnected" in environ:
            from waitress.channel import ClientDisconnected

            raise ClientDisconnected("bland-sms-mock: connection dropped by a fault rule")
        start_response(DROP_STATUS, [("Content-Length", DROP_LENGTH)])
        return _no_body()


def _fault_response(fault: Fault) -> tuple[str, list[tuple[str, str]], bytes]:
    body = json.dumps(fault.envelope(), separators=(",", ":")).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    headers += list(fault.response_headers().items())
    status = fault.spec.status or 500
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Injected Fault"
    return f"{status} {phrase}", headers, body


def _call(app: Callable[..., Iterable[bytes]], environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """Run the app and collect its whole answer (the mock's answers are small)."""
    captured: dict[str, Any] = {}

    def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        captured["status"], captured["headers"] = status, headers
        return lambda _data: None

    result = app(environ, capture)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return captured["status"], captured["headers"], body
