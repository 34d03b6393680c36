"""`WebhookReceiver`: a small HTTP server on a free loopback port that records the webhooks it receives.

It stands in for an app's webhook endpoint in tests and demos (the `bland_webhook_receiver` fixture
serves one per test). It can also misbehave on purpose: answer chosen statuses (`respond_with`), or
never answer at all (`hang`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socketserver
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

MAX_BODY_BYTES = 16 * 1024 * 1024
"""A body larger than this is answered 413 and not recorded."""


@dataclass(frozen=True)
class ReceivedRequest:
    """One request the receiver got."""

    method: str
    path: str
    headers: dict[str, str]
    """Header names in lower case."""
    body: bytes
    json: Any
    """The body as JSON, or None when it is not JSON."""
    received_at: float
    """Wall-clock time (epoch seconds) of its arrival."""

    @property
    def signature(self) -> str | None:
        """The `X-Webhook-Signature` header, if any."""
        return self.headers.get("x-webhook-signature")

    def signed_with(self, secret: str) -> bool:
        """Whether `X-Webhook-Signature` is the HMAC-SHA256 of the body with `secret`."""
        expected = hmac.new(secret.encode(), self.body, hashlib.sha256).hexdigest()
        return self.signature is not None and hmac.compare_digest(expected, self.signature)


class _Server(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = False  # server_close() joins every handler thread
    block_on_close = True
    allow_reuse_address = True

    receiver: WebhookReceiver

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A sender that hung up (the mock stopped mid-request) is no error of the receiver's; others are."""
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 10  # a client that sends nothing does not hold a thread for ever
    server_version = "bland-sms-mock-receiver"

    def _handle(self) -> None:
        self.server.receiver._handle(self)

    do_POST = do_PUT = do_PATCH = do_GET = do_DELETE = _handle

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the receiver records requests, it does not log them."""


class WebhookReceiver:
    """A recording HTTP server on `127.0.0.1` (a free port unless `port` is given).

    `url` is where to point a webhook (`http://127.0.0.1:<port>/webhook`; any path is accepted). Use as a
    context manager, or call `start()` and `stop()`; `stop()` ends every thread it started.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server((host, port), _Handler)
        self._server.receiver = self
        self.host = host
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(target=self._serve, name=f"webhook-receiver:{self.port}", daemon=True)
        self._lock = threading.Condition()
        self._requests: list[ReceivedRequest] = []
        self._statuses: deque[int] = deque()
        self._hanging = False
        self._release = threading.Event()
        self._started = False

    # -------------------------------------------------------------------------------------- serving

    @property
    def url(self) -> str:
        """The webhook URL to configure: `http://127.0.0.1:<port>/webhook`."""
        return f"http://{self.host}:{self.port}/webhook"

    def start(self) -> WebhookReceiver:
        """Start answering (the socket is bound already, so nothing sent before is refused)."""
        if not self._started:
            self._started = True
            self._thread.start()
        return self

    def _serve(self) -> None:
        self._server.serve_forever(poll_interval=0.05)

    def stop(self) -> None:
        """Release hanging requests, stop serving, close the socket and wait for every handler thread."""
        self._release.set()
        if self._started:
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # ----------------------------------------------------------------------------------- behaviour

    def respond_with(self, *statuses: int) -> None:
        """Answer the next requests with these statuses, one each, then 200 again."""
        with self._lock:
            self._statuses.extend(statuses)

    def hang(self, on: bool = True) -> None:
        """Never answer requests (they are still recorded) until `hang(False)` or `stop()`."""
        with self._lock:
            self._hanging = on
            if on:
                self._release.clear()
            else:
                self._release.set()

    def _handle(self, handler: _Handler) -> None:
        length = int(handler.headers.get("content-length") or 0)
        if length > MAX_BODY_BYTES:
            handler.send_error(413)
            return
        body = handler.rfile.read(length) if length else b""
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        request = ReceivedRequest(
            handler.command,
            handler.path,
            {name.lower(): value for name, value in handler.headers.items()},
            body,
            parsed,
            time.time(),
        )
        with self._lock:
            self._requests.append(request)
            hanging = self._hanging
            status = self._statuses.popleft() if self._statuses and not hanging else 200
            self._lock.notify_all()
        if hanging:
            self._release.wait()
            handler.close_connection = True
            return
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", "15")
        handler.end_headers()
        handler.wfile.write(b'{"received":1}\n')

    # --------------------------------------------------------------------------------------- reading

    @property
    def requests(self) -> list[ReceivedRequest]:
        """Every request received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def payloads(self) -> list[Any]:
        """The JSON bodies received so far, oldest first."""
        return [r.json for r in self.requests]

    def clear(self) -> None:
        """Forget the requests received so far."""
        with self._lock:
            self._requests.clear()

    def wait_for(self, count: int = 1, timeout: float = 5.0, **match: Any) -> list[ReceivedRequest]:
        """Wait until `count` requests whose JSON body holds `match` (key by key) have arrived; return them.

        Raises:
            AssertionError: they did not arrive within `timeout` seconds; says what did arrive.
        """
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [r for r in self._requests if _holds(r.json, match)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    arrived = [r.json for r in self._requests][-5:]
                    raise AssertionError(
                        f"expected {count} webhook(s) matching {match!r} within {timeout:g}s, got {len(found)}; "
                        f"received {len(self._requests)} in all, the last ones: {arrived!r}"
                    )
                self._lock.wait(left)

    def __repr__(self) -> str:
        return f"<WebhookReceiver {self.url} received={len(self._requests)}>"


def _holds(body: Any, match: dict[str, Any]) -> bool:
    return isinstance(body, dict) and all(key in body and body[key] == want for key, want in match.items())
