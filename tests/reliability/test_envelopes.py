"""Every answer the app gives arrives: the 413 envelope reaches a client still sending a 2 MiB body.

And what the HTTP layer (granian) refuses before the app, as README.md documents it: bare 400/414 with an
empty body and `connection: close`.
"""

from __future__ import annotations

import json
import socket

import pytest
from reliability_support import running

pytestmark = pytest.mark.e2e

KEY = "sk-demo-bland-sms-mock"


def _exchange(port: int, request: bytes) -> tuple[bytes, bytes]:
    """Send `request` whole (a failed write is an error), read one answer: (head, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            assert chunk, f"connection closed before an answer: {data!r}"
            data += chunk
        head, body = data.split(b"\r\n\r\n", 1)
        length = next(
            int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
        )
        while len(body) < length:
            chunk = conn.recv(65536)
            assert chunk, "connection closed inside the answer"
            body += chunk
        return head, body


def test_a_2_mib_body_always_gets_its_413_envelope() -> None:
    body = b"x" * (2 * 1024 * 1024)
    request = (
        "POST /v1/sms/create HTTP/1.1\r\nhost: mock\r\n"
        f"authorization: {KEY}\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
    ).encode() + body
    with running() as serve:
        for _ in range(200):  # without the drain about 3 in 100 failed with a broken pipe
            head, answer = _exchange(serve.port, request)
            assert head.startswith(b"HTTP/1.1 413"), head
            assert json.loads(answer)["errors"][0]["error"] == "PAYLOAD_TOO_LARGE"


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /v1/sms/conversations HTTP/1.1\r\nhost: mock\r\nx-note: a\x01b\r\n\r\n", b"400"),
        (b"GET /v1/sms/conversations?" + b"a" * 65_534 + b" HTTP/1.1\r\nhost: mock\r\n\r\n", b"414"),
        (b"NOT HTTP AT ALL\r\n\r\n", b"400"),
    ],
    ids=["control-character-in-header", "request-target-over-64KiB", "malformed-request-line"],
)
def test_what_granian_refuses_before_the_app_is_a_bare_status_and_a_close(request_bytes: bytes, status: bytes) -> None:
    with running() as serve:
        head, body = _exchange(serve.port, request_bytes)
        assert head.split(b" ")[1] == status and body == b""
        assert b"connection: close" in head.lower()
        assert _exchange(serve.port, b"GET /_mock/health HTTP/1.1\r\nhost: mock\r\n\r\n")[0].startswith(b"HTTP/1.1 200")
