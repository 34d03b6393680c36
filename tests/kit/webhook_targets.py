"""Targets whose webhooks differ from the mock's: the mock behind a relay that changes what it posts.

A webhook mutant rewrites every `webhook` URL a send or number update gives into a URL of its relay (a
small HTTP server on 127.0.0.1), and the relay's URLs back in the API's answers. The mock then posts its
webhooks to the relay, which hands each one to a `change`: forward it as it is, changed (re-signed with the
account's secret unless told not to), twice, later, or not at all, and answer the mock as the change says.
`close()` stops the relay and the mock's webhook threads.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import httpx
from bland_sms_mock.contracts.kit.checks.webhooks import signed
from bland_sms_mock.mock_server.request_io import EXTENSION
from mutants import Call, Mutant, is_number_update, is_send
from werkzeug.test import Client as WsgiClient

LOG = re.compile(r"^/v1/sms/conversations/([^/]+)/webhook$")
DROP = object()
"""A payload value that removes the field (`Hook.changed`)."""


@dataclass
class Hook:
    """One webhook the mock posted to the relay, and where it was meant to go."""

    relay: Relay
    target: str
    body: bytes
    headers: dict[str, str]

    @property
    def payload(self) -> dict[str, Any]:
        """The body as the mock sent it."""
        return json.loads(self.body)

    @property
    def kind(self) -> str:
        """`message` or `status`."""
        return self.payload["type"]

    @property
    def message_kind(self) -> str | None:
        """`message`, `warning` or `timeout` for a message webhook."""
        return self.payload.get("message_kind")

    def changed(self, **values: Any) -> bytes:
        """The body with these fields replaced (`DROP` removes one), compact JSON as the mock writes it."""
        payload = self.payload
        for name, value in values.items():
            if value is DROP:
                payload.pop(name, None)
            else:
                payload[name] = value
        return encode(payload)

    def forward(self, body: bytes | None = None, *, headers: dict[str, str] | None = None, sign: bool = True) -> int:
        """POST the webhook (or another body, re-signed unless `sign` is False) to its target; its answer's status."""
        sent = dict(self.headers if headers is None else headers)
        if body is not None and sign:
            sent["X-Webhook-Signature"] = signed(self.relay.secret_of(self.payload.get("agent_number")), body)
        body = self.body if body is None else body
        if self.kind == "status":
            self.relay.last_status[self.payload.get("conversation_id")] = json.loads(body)
        self.relay.last_any[self.payload.get("conversation_id")] = json.loads(body)
        if urlsplit(self.target).hostname not in ("127.0.0.1", "localhost"):
            return 599  # loopback only, as the mock itself: the tests make no other connection
        try:
            return httpx.post(self.target, content=body, headers=sent, timeout=5).status_code
        except httpx.HTTPError:
            return 599


def encode(payload: Any) -> bytes:
    """Compact UTF-8 JSON, as the mock writes webhook bodies."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


Change = Callable[[Hook], int]
"""What the relay does with a webhook; returns the status to answer the mock."""
FORWARDED = ("content-type", "user-agent", "x-webhook-signature", "x-bland-mock-delivery")


@dataclass
class Relay:
    """Receives the mock's webhooks and hands each to `change`."""

    change: Change
    accounts: WsgiClient
    targets: dict[str, str] = field(default_factory=dict)
    last_status: dict[str, Any] = field(default_factory=dict)
    last_any: dict[str, Any] = field(default_factory=dict)
    held: dict[str, Hook] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = False
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/r/"

    def stop(self) -> None:
        """Stop the relay and wait for its request threads."""
        self.server.shutdown()
        self.thread.join()
        self.server.server_close()

    def url_for(self, target: str) -> str:
        """The relay's URL standing for `target`."""
        with self.lock:
            index = next((k for k, v in self.targets.items() if v == target), str(len(self.targets)))
            self.targets[index] = target
        return self.base + index

    def original(self, value: Any) -> Any:
        """`value` with every relay URL in it put back to the URL it stands for."""
        if isinstance(value, str) and value.startswith(self.base):
            return self.targets.get(value[len(self.base) :], value)
        if isinstance(value, dict):
            return {k: self.original(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.original(v) for v in value]
        return value

    def secret_of(self, agent_number: Any) -> str:
        """The webhook secret of the account that owns `agent_number` (read from the mock's control API)."""
        for account in self.accounts.get("/_mock/accounts").json["accounts"]:
            if any(n["number"] == agent_number for n in account["agent_numbers"]):
                return account["webhook_secret"]
        return ""

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        relay = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 5

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() in FORWARDED}
                target = relay.targets.get(self.path.rsplit("/", 1)[-1], "")
                status = relay.change(Hook(relay, target, body, headers))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                """Quiet."""

        return Handler


def relayed(
    change: Change,
    log: Callable[[Relay, Call, dict[str, Any]], None] | None = None,
    *,
    outer: Mutant | None = None,
) -> Mutant:
    """The mock whose webhooks go through a relay applying `change`; `log` may rewrite a webhook log answer.

    The log's `payload` shows what the relay last forwarded for the conversation's status, so a change of
    the payload shows there too, as it would on a target that sent the changed payload itself. `outer`
    gives rewrites of the API calls to wrap around the relay's (its `on_request` first, its `on_response`
    last, its `control_path`).
    """
    holder: dict[str, Relay] = {}

    def on_request(call: Call) -> Call:
        if outer is not None and outer.on_request is not None:
            call = outer.on_request(call)
        if (is_send(call) or is_number_update(call)) and isinstance(call["body"].get("webhook"), str):
            return {**call, "body": {**call["body"], "webhook": holder["relay"].url_for(call["body"]["webhook"])}}
        return call

    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        relay = holder["relay"]
        body = relay.original(body)
        match = LOG.match(call["path"])
        if match and status == 200 and isinstance(body, dict) and isinstance(body.get("data"), dict):
            body["data"]["payload"] = relay.last_status.get(match.group(1), body["data"]["payload"])
            if log is not None:
                log(relay, call, body)
        elif match and status == 200 and log is not None:
            log(relay, call, body)
        if outer is not None and outer.on_response is not None:
            return outer.on_response(call, status, body)
        return status, body

    mutant = Mutant(on_request=on_request, on_response=on_response, control_path=outer and outer.control_path)
    holder["relay"] = Relay(change, WsgiClient(mutant.app))
    mutant.close = lambda: (holder["relay"].stop(), stop_webhooks(mutant.app))  # type: ignore[attr-defined]
    return mutant


def stop_webhooks(app: Any) -> None:
    """Stop the webhook threads of a mock app (or of the mock inside a mutant)."""
    inner = getattr(app, "app", app)
    store = getattr(inner, "extensions", {}).get(EXTENSION)
    if store is not None:
        store.webhooks.shutdown(timeout=2)


def answered(change: Callable[[Call, dict[str, Any]], None], match: Callable[[Call], bool]) -> Mutant:
    """The mock with every successful answer of the calls `match` accepts changed (no relay)."""

    def on_response(call: Call, status: int, body: Any) -> tuple[int, Any]:
        if match(call) and status == 200 and isinstance(body, dict):
            change(call, body)
        return status, body

    mutant = Mutant(on_response=on_response)
    mutant.close = lambda: stop_webhooks(mutant.app)  # type: ignore[attr-defined]
    return mutant


def is_log(call: Call) -> bool:
    return call["method"] == "GET" and LOG.match(call["path"]) is not None


# ------------------------------------------------------------------------------------------ changes


def forward(hook: Hook) -> int:
    return hook.forward()


def drop_when(test: Callable[[Hook], bool]) -> Change:
    """Leave out the webhooks `test` accepts (the mock is told they were delivered)."""
    return lambda hook: 200 if test(hook) else hook.forward()


def rewrite_when(test: Callable[[Hook], bool], **values: Any) -> Change:
    """Change fields of the webhooks `test` accepts (re-signed, so only the payload differs)."""
    return lambda hook: hook.forward(hook.changed(**values)) if test(hook) else hook.forward()


def is_status(hook: Hook) -> bool:
    return hook.kind == "status"


def is_message(hook: Hook) -> bool:
    return hook.kind == "message"


def history_without_event(hook: Hook) -> int:
    return hook.forward(hook.changed(chat_history=hook.payload["chat_history"][:-1]))


def early_timeout(hook: Hook) -> int:
    """With the warning's webhook, also a status webhook `timeout` (stamped with the warning's instant)."""
    status = hook.forward()
    if hook.message_kind == "warning":
        payload = hook.payload
        transcript = "\n".join(f"{t['role']}: {t['content']}" for t in payload["chat_history"])
        extra = {"status": "timeout", "message_count": len(payload["chat_history"])}
        extra |= {"concatenated_transcript": transcript, "summary": None, "citations": None, "dispositions": None}
        hook.forward(
            hook.changed(type="status", message=None, sender=None, message_id=DROP, message_kind=DROP, **extra)
        )
    return status


def unsigned(hook: Hook) -> int:
    return hook.forward(headers={k: v for k, v in hook.headers.items() if k.lower() != "x-webhook-signature"})


def other_key(hook: Hook) -> int:
    headers = {k: v for k, v in hook.headers.items() if k.lower() != "x-webhook-signature"}
    return hook.forward(headers={**headers, "X-Webhook-Signature": signed("whsec_not_the_accounts", hook.body)})


def reserialised_after_signing(hook: Hook) -> int:
    """The signature of the compact body, sent with the body pretty-printed."""
    return hook.forward(json.dumps(hook.payload, indent=2).encode(), sign=False)


def pretty(hook: Hook) -> int:
    """Pretty-printed, ASCII-escaped bodies, signed as sent."""
    return hook.forward(json.dumps(hook.payload, indent=2, ensure_ascii=True).encode())


def plain_headers(hook: Hook) -> int:
    headers = {k: v for k, v in hook.headers.items() if k.lower() not in ("user-agent", "x-bland-mock-delivery")}
    return hook.forward(headers={**headers, "Content-Type": "application/json; charset=utf-8", "User-Agent": "hooks/1"})


def swallow_failures(hook: Hook) -> int:
    """Tell the mock every webhook was delivered, whatever the receiver answered (so nothing is retried)."""
    hook.forward()
    return 200


def retry_at_once(hook: Hook) -> int:
    """Retry a failed webhook at once, twice at most, instead of minutes later on the clock."""
    for _ in range(3):
        status = hook.forward()
        if status < 300:
            return status
    return status


def twice(hook: Hook) -> int:
    hook.forward()
    return hook.forward()


def status_before_timeout_message(hook: Hook) -> int:
    """Hold a timeout message's webhook until the status webhook after it has gone out."""
    conversation = hook.payload.get("conversation_id")
    if hook.message_kind == "timeout":
        hook.relay.held[conversation] = hook
        return 200
    status = hook.forward()
    held = hook.relay.held.pop(conversation, None)
    if held is not None:
        held.forward()
    return status


def latest_message_in_log(relay: Relay, call: Call, body: dict[str, Any]) -> None:
    """Before a conversation's first status webhook, its log shows the latest message webhook."""
    conversation = LOG.match(call["path"]).group(1)  # type: ignore[union-attr]
    if body.get("data") is None and conversation in relay.last_any:
        payload = relay.last_any[conversation]
        attempt = {"sent_at": payload["created_at"], "response_code": 200, "response_time": "3ms"}
        attempt |= {"send_type": "spawn", "error_message": None}
        body["data"] = {"conversation_id": conversation, "url": "", "payload": payload}
        body["data"] |= {"created_at": payload["created_at"], "user_id": "someone", "metadata": [attempt]}


def attempts_their_way(relay: Relay, call: Call, body: dict[str, Any]) -> None:
    """Attempts with other send types and times, and another kind of user id."""
    if isinstance(body.get("data"), dict):
        body["data"]["user_id"] = "acct_12345"
        for attempt in body["data"]["metadata"]:
            attempt.update(send_type="initial", response_time="0.004s")
