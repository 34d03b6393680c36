"""The kit's own webhook receiver: a small HTTP server on a free loopback port that records what arrives.

The webhook checks point a conversation of theirs at it and judge what a target POSTs: the raw body,
the headers and the instant of arrival of every request, in the order they came. It answers 200 to
everything, except the first request on a path told to fail (to see the target retry). It is the kit's
own, written on the standard library, and shares nothing with the mock.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

READ_TIMEOUT_S = 5.0
"""A request whose headers or body take longer than this to arrive is dropped (and the thread ends)."""
MAX_BODY = 4 * 1024 * 1024
"""Bodies beyond this are refused with 413 and recorded empty."""


@dataclass(frozen=True)
class Received:
    """One request as it arrived: method, path, lower-case headers, raw body, arrival, and our answer."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    arrived: float
    """`time.monotonic()` when the whole body had been read."""
    answered: int

    @cached_property
    def json(self) -> Any:
        """The body decoded as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def payload(self) -> dict[str, Any]:
        """The body as a JSON object, or an empty dict when it is not one."""
        return self.json if isinstance(self.json, dict) else {}


class Receiver:
    """Records every request to `url` until stopped; use it as a context manager so it always stops."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._received: list[Received] = []
        self._fail_first: dict[str, int] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = False  # server_close joins every request thread
        self._thread = threading.Thread(target=self._server.serve_forever, name="kit-webhook-receiver", daemon=True)

    @property
    def url(self) -> str:
        """`http://127.0.0.1:<port>`."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> Receiver:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and wait for the request threads (each ends within `READ_TIMEOUT_S`)."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def fail_first(self, path: str, status: int = 503) -> None:
        """Answer `status` to the next request on `path` (then 200 again)."""
        with self._lock:
            self._fail_first[path] = status

    def received(self, match: Callable[[Received], bool] | None = None) -> list[Received]:
        """The requests so far, in order of arrival, those `match` accepts."""
        with self._lock:
            return [r for r in self._received if match is None or match(r)]

    def wait_for(self, match: Callable[[Received], bool], count: int = 1, timeout: float = 5.0) -> list[Received]:
        """Wait until `count` requests `match` accepts have arrived, or `timeout` seconds; return those there are."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [r for r in self._received if match(r)]
                left = deadline - time.monotonic()
                if len(found) >= count or left <= 0:
                    return found
                self._lock.wait(left)

    def _record(self, method: str, path: str, headers: dict[str, str], body: bytes, refused: int | None) -> int:
        with self._lock:
            status = refused or self._fail_first.pop(path, 200)
            self._received.append(Received(method, path, headers, body, time.monotonic(), status))
            self._lock.notify_all()
            return status

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            timeout = READ_TIMEOUT_S
            server_version = "bland-sms-mock-kit-receiver"

            def _any(self) -> None:
                try:
                    body, refused = self._body()
                except (OSError, ValueError):
                    self.close_connection = True
                    return
                headers = {name.lower(): value for name, value in self.headers.items()}
                status = receiver._record(self.command, self.path, headers, body, refused)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def _body(self) -> tuple[bytes, int | None]:
                if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                    chunks = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            self.rfile.readline()
                            return b"".join(chunks), None
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                        if sum(map(len, chunks)) > MAX_BODY:
                            return b"", 413
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY:
                    self.close_connection = True
                    return b"", 413
                return self.rfile.read(length), None

            do_POST = do_PUT = do_PATCH = do_GET = do_DELETE = _any

            def log_message(self, format: str, *args: Any) -> None:
                """Say nothing: the checks report what arrived."""

        return Handler
