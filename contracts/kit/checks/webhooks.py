"""Checks of webhooks: what a mock POSTs to a conversation's webhook, signed, at the instant of its events.

The checks share one scenario (`scene`), played once per run on a local mock with clock control and the
`webhooks` capability, against the kit's own receiver (`kit.receiver`) on 127.0.0.1:

- conversation A is opened by a send whose `webhook` is the receiver (with `metadata`), and times out;
- conversation B is opened by an AGENT create with no webhook anywhere, and times out;
- conversation C is opened by a USER create while the kit's own number has the receiver as its
  `sms_config.webhook` (cleared again at once); the receiver answers its first delivery 503.

The clock goes to A's warning, to 1 ms before A's due instant (no status webhook yet), then to the due
instant (exactly one, status `timeout`). Each check then judges one side of what arrived, each difference
at the level of the rule it breaks. Anywhere else (a live target, a remote mock, no clock, no
capability) the checks skip with the reason: the kit cannot receive what such a target sends.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bland_sms_mock.contracts.client import Exchange
from bland_sms_mock.contracts.kit.checks.conversation import not_found
from bland_sms_mock.contracts.kit.checks.timeouts import KIT_SMS_CONFIG
from bland_sms_mock.contracts.kit.context import KitContext, Skip, Violation, fail
from bland_sms_mock.contracts.kit.receiver import Received, Receiver
from bland_sms_mock.contracts.kit.registry import check
from bland_sms_mock.contracts.models.api import (
    Level,
    MessageWebhook,
    StatusWebhook,
    WebhookLogResponse,
    WebhookPayload,
    format_timestamp,
    timestamp_ms,
)
from pydantic import ValidationError

GROUP = "webhooks"
WAIT_S = 3.0
"""How long the kit waits for a webhook it expects (a local mock delivers within milliseconds)."""
EARLY_GRACE_S = 0.3
"""How long the kit listens 1 ms before the due instant for a status webhook that must not come yet."""
REPEAT_GRACE_S = 0.3
"""How long after the timeout's status webhook the kit listens for a second one."""
SIGNATURE = "x-webhook-signature"
FIELDS = [name for name in WebhookPayload.model_fields if name not in ("type", "created_at")]
"""The fields every webhook carries [documented] (`type` is [inferred], `created_at` documented for messages)."""
STATUS_FIELDS = [name for name in StatusWebhook.model_fields if name not in WebhookPayload.model_fields]
"""What a status webhook adds [documented]."""
LOG_FIELDS = ["conversation_id", "url", "payload", "created_at", "user_id", "metadata"]
ATTEMPT_FIELDS = ["sent_at", "response_code", "response_time", "send_type", "error_message"]
ROLES = {"AGENT": "assistant", "USER": "user"}


@dataclass
class Scene:
    """What the webhook scenario did and what arrived at the kit's receiver."""

    receiver: str
    secret: str
    agent: str
    metadata: dict[str, Any]
    a: str = ""
    """Opened by a send whose `webhook` is the receiver's `/a`; times out."""
    b: str = ""
    """Opened by an AGENT create with no webhook at all; times out."""
    c: str = ""
    """Opened by a USER create while the number's webhook was the receiver's `/number`."""
    users: dict[str, str] = field(default_factory=dict)
    due_ms: int = 0
    moved_mark: float = 0.0
    """`time.monotonic()` just before the clock was first moved (to A's warning)."""
    due_mark: float = 0.0
    """`time.monotonic()` just before the clock was moved onto A's due instant."""
    requests: list[Received] = field(default_factory=list)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """The stored messages of A and C, read after the timeout."""
    logs: dict[str, Exchange] = field(default_factory=dict)
    """`before` (A's log before its timeout), `after`, `unknown` (an id nobody has), `other` (A's, another key)."""

    def url(self, path: str) -> str:
        """The receiver's URL for one of the scenario's paths."""
        return f"{self.receiver}{path}"

    def of(self, conversation: str, kind: str | None = None) -> list[Received]:
        """The requests that arrived for a conversation (by its receiver path), in order, of one kind."""
        if conversation == self.a:
            got = [r for r in self.requests if r.path == PATHS["a"]]
        elif conversation == self.c:
            got = [r for r in self.requests if r.path == PATHS["number"] and r.payload.get("conversation_id") != self.b]
        else:
            got = [r for r in self.requests if r.payload.get("conversation_id") == conversation]
        return [r for r in got if kind is None or kind_of(r) == kind]


PATHS = {"a": "/kit/a", "number": "/kit/number"}


def kind_of(request: Received) -> str:
    """`status` or `message`: the payload's `type`, else whether it has a `status`."""
    kind = request.payload.get("type")
    if kind in ("message", "status"):
        return kind
    return "status" if "status" in request.payload else "message"


def distinct(requests: list[Received]) -> list[Received]:
    """The requests without repeats of a body already received (a retry or a duplicate delivery)."""
    seen: set[bytes] = set()
    return [r for r in requests if not (r.body in seen or seen.add(r.body))]  # type: ignore[func-returns-value]


def signed(secret: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of `body` keyed with `secret` (what `X-Webhook-Signature` must say)."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verifies(secret: str, body: bytes, signature: str | None) -> bool:
    """Whether `signature` is the body's signature with `secret` (hex, either case)."""
    return signature is not None and hmac.compare_digest(signed(secret, body), signature.strip().lower())


# ---------------------------------------------------------------------------------------------- scenario


def ready(ctx: KitContext) -> None:
    """Refuse to run where the kit cannot receive the target's webhooks or move its clock.

    Raises:
        Skip: with the reason.
    """
    if not ctx.is_mock:
        raise Skip(
            "webhooks are judged on a local bland-sms-mock only: the kit cannot have a live target post to a "
            "receiver of its own, nor move its clock"
        )
    if "webhooks" not in ctx.capabilities:
        raise Skip("the mock reports no `webhooks` capability in GET /_mock/health")
    if not ctx.has_clock:
        raise Skip("needs the mock's clock control (the `clock` capability)")
    if ctx.timeout_checks == "skip":
        raise Skip("--timeout-checks skip (the webhook checks move the clock to a timeout)")
    ctx.writing()
    if not ctx.own_accounts:
        raise Skip("needs an account of the kit's own on the mock (the `accounts` capability)")
    host = urlsplit(ctx.primary.client.base_url).hostname or ""
    if not is_loopback(host):
        raise Skip(
            f"the mock at {host} is not on this machine: its deliveries cannot reach the kit's receiver on 127.0.0.1"
        )


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine (`localhost`, 127.0.0.0/8, `::1`)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def account_secret(ctx: KitContext) -> str:
    """The webhook signing secret of the kit's account, as `GET /_mock/accounts` shows it.

    Raises:
        Violation: [mock] level; the listing shows no secret for the account.
    """
    listing = ctx.record(ctx.primary.client.request("GET", "/_mock/accounts", api_key=None, control=True))
    accounts = listing.json.get("accounts") if isinstance(listing.json, dict) else None
    for account in accounts if isinstance(accounts, list) else []:
        keys = [account.get("api_key"), *(account.get("api_keys") or [])] if isinstance(account, dict) else []
        if ctx.primary.api_key in keys and isinstance(account.get("webhook_secret"), str):
            return account["webhook_secret"]
    raise Violation("GET /_mock/accounts shows no webhook_secret for the kit's account", Level.MOCK, [listing])


def scene(ctx: KitContext) -> Scene:
    """The scenario's observations, played once per run (the first webhook check plays it, the others read it).

    Raises:
        Skip: the kit cannot receive this target's webhooks (or the scenario failed in an earlier check).
        Violation: a step of the scenario was refused.
    """
    played = ctx.cache.get("webhooks.scene")
    if isinstance(played, Scene):
        return played
    if isinstance(played, Skip):
        raise played
    if isinstance(played, Exception):
        raise Skip(f"the webhook scenario could not run: {played}")
    try:
        ready(ctx)
        ctx.cache["webhooks.scene"] = play(ctx)
    except Exception as stop:  # played once: the other checks report it instead of playing it again
        ctx.cache["webhooks.scene"] = stop
        raise
    return ctx.cache["webhooks.scene"]


def play(ctx: KitContext) -> Scene:
    """Open A, B and C, move the clock through A's timeout and record everything that arrives."""
    secret = account_secret(ctx)
    frozen = ctx.record(
        ctx.primary.client.request("POST", "/_mock/clock", json_body={"freeze": True}, api_key=None, control=True)
    )
    if frozen.status != 200:
        raise Violation(f"the mock refused to freeze its clock: {frozen.response_line(200)}", Level.MOCK, [frozen])
    with Receiver() as receiver:
        found = Scene(receiver.url, secret, ctx.primary.agent_number, {"kit_webhooks": ctx.run_id, "n": 7})
        receiver.fail_first(PATHS["number"])
        found.users = {"a": ctx.user_number(), "b": ctx.user_number(), "c": ctx.user_number()}
        sent = ctx.send(
            ctx.send_body(
                found.users["a"],
                agent_message="kit: webhook agent asks",
                webhook=found.url(PATHS["a"]),
                metadata=found.metadata,
            )
        )
        found.a = ctx.ok(sent, "send")["conversation_id"]
        body = ctx.base_body(found.users["b"], sender="AGENT", message="kit: no webhook here")
        found.b = ctx.ok(ctx.create(body), "create")["conversation_id"]
        number = ctx.primary.agent_number
        ctx.ok(ctx.update_number({"phone_number": number, "webhook": found.url(PATHS["number"])}), "number update")
        try:
            body = ctx.base_body(found.users["c"], message="kit: the user writes")
            found.c = ctx.ok(ctx.create(body), "create")["conversation_id"]
        finally:
            ctx.ok(ctx.update_number({"phone_number": number, "webhook": None}), "number update")
        started = stored_messages(ctx, found.a)
        if not started:
            fail("the send's conversation has no message", Level.DOCUMENTED)
        found.due_ms = timestamp_ms(started[0]["created_at"]) + KIT_SMS_CONFIG["time_out"] * 1000
        if not receiver.wait_for(lambda r: r.path == PATHS["a"], 1, WAIT_S):
            unreachable(ctx, found)
        receiver.wait_for(lambda r: r.path == PATHS["number"], 1, WAIT_S)
        found.logs["before"] = log_of(ctx, found.a)
        found.logs["unknown"] = log_of(ctx, f"convo_kit_unknown_{ctx.run_id}")
        if ctx.second is not None:
            found.logs["other"] = log_of(ctx, found.a, ctx.second)
        found.moved_mark = time.monotonic()
        now = ctx.move_clock(KIT_SMS_CONFIG["warning_time"])
        receiver.wait_for(lambda r: r.path == PATHS["a"], 2, WAIT_S)
        receiver.wait_for(lambda r: r.path == PATHS["number"], 2, WAIT_S)
        ctx.move_clock(max(0, found.due_ms - 1 - now) / 1000)
        time.sleep(EARLY_GRACE_S)
        found.due_mark = time.monotonic()
        ctx.move_clock(0.001)
        status = receiver.wait_for(lambda r: r.path == PATHS["a"] and kind_of(r) == "status", 1, WAIT_S)
        receiver.wait_for(lambda r: r.path == PATHS["a"] and kind_of(r) == "message", 3, WAIT_S)
        found.messages = {found.a: stored_messages(ctx, found.a), found.c: stored_messages(ctx, found.c)}
        quiet_since = status[0].arrived if status else found.due_mark
        time.sleep(max(0.0, quiet_since + REPEAT_GRACE_S - time.monotonic()))
        found.logs["after"] = settled_log(ctx, found.a)
        found.requests = receiver.received()
    return found


def stored_messages(ctx: KitContext, conversation: str) -> list[dict[str, Any]]:
    """A conversation's messages as `GET /v1/sms/conversations/{id}` returns them."""
    data = ctx.ok(ctx.read(conversation), "read")
    messages = data.get("messages") if isinstance(data, dict) else None
    return [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []


def log_of(ctx: KitContext, conversation: str, account: Any = None) -> Exchange:
    """`GET /v1/sms/conversations/{id}/webhook` with the primary key (or another account's)."""
    client = (account or ctx.primary).client
    return ctx.record(client.request("GET", f"/v1/sms/conversations/{conversation}/webhook"))


def settled_log(ctx: KitContext, conversation: str) -> Exchange:
    """The conversation's webhook log once an attempt is in it, waiting at most `WAIT_S`.

    A target logs an attempt when the receiver has answered, so right after a webhook arrives its attempt
    may not be there yet.
    """
    deadline = time.monotonic() + WAIT_S
    while True:
        exchange = log_of(ctx, conversation)
        data = exchange.data if exchange.status == 200 else None
        if not isinstance(data, dict) or data.get("metadata") != [] or time.monotonic() > deadline:
            return exchange
        time.sleep(0.05)


def unreachable(ctx: KitContext, found: Scene) -> None:
    """No webhook of A arrived: skip when the mock tried the kit's URL and could not connect to it.

    Raises:
        Skip: the mock's own log shows its attempts at the kit's URL failing to connect (another
            network namespace, a container): the kit cannot receive this mock's webhooks.
    """
    listing = ctx.record(
        ctx.primary.client.request(
            "GET", "/_mock/webhooks", params={"conversation_id": found.a}, api_key=None, control=True
        )
    )
    deliveries = listing.json.get("deliveries") if isinstance(listing.json, dict) else None
    for delivery in deliveries if isinstance(deliveries, list) else []:
        errors = [a.get("error_message") or "" for a in delivery.get("attempts") or [] if isinstance(a, dict)]
        if delivery.get("url") == found.url(PATHS["a"]) and any("connect" in e or "blocked" in e for e in errors):
            raise Skip(f"the mock's deliveries do not reach the kit's receiver at {found.receiver}: {errors[0]}")


# ---------------------------------------------------------------------------------------------- helpers


def expected_history(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A webhook's `chat_history` for these stored messages [inferred]."""
    return [{"role": ROLES.get(str(m.get("sender")), "?"), "content": m.get("message")} for m in messages]


def matching(hooks: list[Received], message: dict[str, Any]) -> Received | None:
    """The message webhook naming this stored message (by `message_id`, else by text and sender)."""
    for hook in hooks:
        if "message_id" in hook.payload and str(hook.payload["message_id"]) == str(message.get("id")):
            return hook
    for hook in hooks:
        if hook.payload.get("message") == message.get("message") and hook.payload.get("sender") == message.get(
            "sender"
        ):
            return hook
    return None


def judge_parts(ctx: KitContext, parts: list[Callable[[], None]]) -> None:
    """Run each part; a part's violation below the run's level is kept as a note and the next part runs."""
    for part in parts:
        ctx.noting(part)


def shown(request: Received, limit: int = 300) -> str:
    """A request's body, shortened, for a message."""
    text = request.body.decode("utf-8", "replace")
    return text if len(text) <= limit else text[:limit] + "..."


# ---------------------------------------------------------------------------------------------- checks


@check("webhooks.messages", Level.DOCUMENTED, "webhooks", group=GROUP)
def webhooks_messages(ctx: KitContext) -> None:
    """A message webhook for every stored message, to the send's webhook or the number's, none without one."""
    found = scene(ctx)
    stored = found.messages[found.a]
    hooks = distinct(found.of(found.a, "message"))

    def to_number() -> None:
        if not found.of(found.c):
            fail(
                "a conversation created while its number's sms_config.webhook was the kit's receiver sent it "
                "nothing (no message webhook)",
                Level.DOCUMENTED,
            )

    def each_message() -> None:
        for position, message in enumerate(stored):
            if matching(hooks, message) is None and len(hooks) < len(stored):
                timer = position > 0
                fail(
                    f"no message webhook for the {'timer' if timer else 'send'}'s message {message.get('message')!r} "
                    f"({len(hooks)} message webhooks for {len(stored)} stored messages)",
                    Level.INFERRED if timer else Level.DOCUMENTED,
                )

    def none_extra() -> None:
        if len(hooks) > len(stored):
            fail(
                f"{len(hooks)} different message webhooks for {len(stored)} stored messages; the last: "
                f"{shown(hooks[-1])}",
                Level.INFERRED,
            )

    def none_without_url() -> None:
        stray = found.of(found.b)
        if stray:
            fail(
                f"a conversation with no webhook (none given with a send, its number's cleared) got "
                f"{len(stray)} webhooks: {shown(stray[0])}",
                Level.INFERRED,
            )

    def in_order() -> None:
        order = [matching(hooks, m) for m in stored]
        arrived = [h for h in order if h is not None]
        if arrived != sorted(arrived, key=lambda r: r.arrived):
            fail("the message webhooks of one conversation arrived out of the order of its messages", Level.MOCK)

    judge_parts(ctx, [to_number, each_message, none_extra, none_without_url, in_order])


@check("webhooks.timeout", Level.DOCUMENTED, "webhooks", group=GROUP)
def webhooks_timeout(ctx: KitContext) -> None:
    """Exactly one status webhook `timeout` at the due instant, none 1 ms before, after the timeout message's."""
    found = scene(ctx)
    statuses = found.of(found.a, "status")
    early = [r for r in statuses if r.arrived < found.due_mark]
    if early:
        fail(
            f"a status webhook arrived 1 ms before the conversation's due instant: {shown(early[0])}",
            Level.DOCUMENTED,
        )
    if not statuses:
        fail(
            f"no status webhook arrived within {WAIT_S:g} s of the clock reaching the timeout's due instant",
            Level.DOCUMENTED,
        )
    first = statuses[0]
    if first.payload.get("status") != "timeout":
        fail(f"the timeout's status webhook says status {first.payload.get('status')!r}, not timeout", Level.DOCUMENTED)
    if first.payload.get("conversation_id") != found.a:
        fail(
            f"the timeout's status webhook names conversation {first.payload.get('conversation_id')!r}, not {found.a}",
            Level.DOCUMENTED,
        )

    def once() -> None:
        if len(statuses) > 1:
            same = all(r.body == first.body for r in statuses)
            fail(
                f"{len(statuses)} status webhooks for one timeout"
                + (" (the same body again: at-least-once delivery)" if same else f"; the second: {shown(statuses[1])}"),
                Level.MOCK if same else Level.INFERRED,
            )

    def after_message() -> None:
        before = [r for r in found.of(found.a, "message") if r.arrived <= first.arrived]
        if len(distinct(before)) < len(found.messages[found.a]):
            fail("the status webhook arrived before the timeout message's webhook", Level.MOCK)

    judge_parts(ctx, [once, after_message])


@check("webhooks.payload", Level.DOCUMENTED, "webhooks", group=GROUP)
def webhooks_payload(ctx: KitContext) -> None:
    """Every webhook carries the contract's fields, with the conversation's numbers, metadata and history."""
    found = scene(ctx)
    checked = [(found.a, r) for r in distinct(found.of(found.a))] + [(found.c, r) for r in distinct(found.of(found.c))]
    if not checked:
        raise Skip("no webhook arrived to judge (webhooks.messages and webhooks.timeout say why)")
    for conversation, request in checked:
        judge_parts(ctx, [lambda c=conversation, r=request: judge_payload(found, c, r)])
    judge_parts(ctx, [lambda: judge_form(checked)])


def judge_payload(found: Scene, conversation: str, request: Received) -> None:
    """One webhook's payload against the rules, each at its level."""
    payload = request.json
    if not isinstance(payload, dict):
        fail(f"a webhook's body is not a JSON object: {shown(request)}", Level.DOCUMENTED)
    kind = kind_of(request)
    missing = [f for f in FIELDS + (STATUS_FIELDS if kind == "status" else ["created_at"]) if f not in payload]
    if missing:
        fail(f"a {kind} webhook lacks {', '.join(missing)}: {shown(request)}", Level.DOCUMENTED)
    user = found.users["a" if conversation == found.a else "c"]
    expected = {"conversation_id": conversation, "phone_number": user, "agent_number": found.agent, "channel": "sms"}
    expected["metadata"] = found.metadata if conversation == found.a else None
    for name, value in expected.items():
        if payload[name] != value:
            fail(f"a {kind} webhook's {name} is {payload[name]!r}, not {value!r}", Level.DOCUMENTED)
    if payload.get("type") != kind:
        fail(f"a {kind} webhook's type is {payload.get('type')!r}", Level.INFERRED)
    stored = found.messages[conversation]
    upto = len(stored) if kind == "status" else position_of(stored, request)
    if upto is not None and payload["chat_history"] != expected_history(stored[:upto]):
        fail(
            f"a {kind} webhook's chat_history is {payload['chat_history']!r}, not the conversation up to its event "
            f"{expected_history(stored[:upto])!r}",
            Level.INFERRED,
        )
    if kind == "status" and payload["message_count"] != len(stored):
        fail(f"the status webhook's message_count is {payload['message_count']!r}, not {len(stored)}", Level.INFERRED)
    model = StatusWebhook if kind == "status" else MessageWebhook
    try:
        model.model_validate(payload)
    except ValidationError as exc:
        fail(f"a {kind} webhook is not the mock's {model.__name__}: {exc.errors()[0]}", Level.MOCK)
    judge_mock_values(found, conversation, kind, payload, stored, upto)


def position_of(stored: list[dict[str, Any]], request: Received) -> int | None:
    """How many stored messages a message webhook's event covers (its message and those before), if known."""
    for index, message in enumerate(stored):
        if matching([request], message) is not None:
            return index + 1
    return None


def judge_mock_values(
    found: Scene, conversation: str, kind: str, payload: dict[str, Any], stored: list[dict[str, Any]], upto: int | None
) -> None:
    """The values the mock chose (instants, message fields, transcript): [mock] level."""
    if kind == "status":
        due = format_timestamp(found.due_ms)
        lines = "\n".join(f"{t['role']}: {t['content']}" for t in expected_history(stored))
        wanted = {"created_at": due, "message": None, "sender": None, "concatenated_transcript": lines}
        wanted |= {"summary": None, "citations": None, "dispositions": None, "pathway_tags": []}
    elif upto is not None:
        message = stored[upto - 1]
        kinds = ["message", "warning", "timeout"] if conversation == found.a else ["message"]
        wanted = {"created_at": message.get("created_at"), "message_id": str(message.get("id"))}
        wanted |= {"message_kind": kinds[min(upto - 1, len(kinds) - 1)]}
    else:
        fail(f"a message webhook names no stored message by message_id, message and sender: {payload!r}", Level.MOCK)
    for name, value in wanted.items():
        got = str(payload.get(name)) if name == "message_id" else payload.get(name)
        if got != value:
            fail(f"a {kind} webhook's {name} is {payload.get(name)!r}; the mock sends {value!r}", Level.MOCK)


def judge_form(checked: list[tuple[str, Received]]) -> None:
    """How the webhooks were sent: a POST of compact UTF-8 JSON with the mock's headers ([mock] level)."""
    for _, request in checked:
        compact = json.dumps(request.json, separators=(",", ":"), ensure_ascii=False).encode()
        if request.body != compact:
            fail(f"a webhook's body is not compact UTF-8 JSON: {shown(request)}", Level.MOCK)
        headers = request.headers
        if request.method != "POST" or headers.get("content-type") != "application/json":
            fail(f"a webhook came as {request.method} with content-type {headers.get('content-type')!r}", Level.MOCK)
        if not re.fullmatch(r"bland-sms-mock/\S+", headers.get("user-agent", "")) or not headers.get(
            "x-bland-mock-delivery"
        ):
            fail(
                f"a webhook lacks the mock's headers (user-agent {headers.get('user-agent')!r}, "
                f"x-bland-mock-delivery {headers.get('x-bland-mock-delivery')!r})",
                Level.MOCK,
            )


@check("webhooks.signature", Level.DOCUMENTED, "webhooks", group=GROUP)
def webhooks_signature(ctx: KitContext) -> None:
    """Every webhook's X-Webhook-Signature is the HMAC-SHA256 of its raw body, keyed with the account's secret."""
    found = scene(ctx)
    checked = found.of(found.a) + found.of(found.c)
    if not checked:
        raise Skip("no webhook arrived to judge (webhooks.messages and webhooks.timeout say why)")
    for request in checked:
        signature = request.headers.get(SIGNATURE)
        if signature is None:
            fail(f"a webhook came without an X-Webhook-Signature header: {shown(request)}", Level.DOCUMENTED)
        if not verifies(found.secret, request.body, signature):
            fail(
                f"X-Webhook-Signature {signature!r} is not the hex HMAC-SHA256 of the body received, keyed with the "
                f"account's webhook_secret (expected {signed(found.secret, request.body)}): {shown(request)}",
                Level.DOCUMENTED,
            )
        tampered = request.body + b" "
        if verifies(found.secret, tampered, signature):
            fail("X-Webhook-Signature also verifies a tampered body", Level.DOCUMENTED)


@check("webhooks.retry", Level.DOCUMENTED, "webhooks", group=GROUP)
def webhooks_retry(ctx: KitContext) -> None:
    """A webhook answered 503 is delivered again (within the 15 minutes the clock moves), with the same bytes."""
    found = scene(ctx)
    attempts = found.of(found.c)
    if not attempts:
        raise Skip("the number's webhook got nothing to retry (webhooks.messages says why)")
    if attempts[0].answered < 300:
        raise Skip("the kit's receiver did not fail the first delivery")
    again = attempts[1:]
    if not again:
        fail(
            "a webhook the receiver answered 503 was not delivered again while the clock moved 15 minutes on",
            Level.DOCUMENTED,
        )

    def same_bytes() -> None:
        if again[0].body != attempts[0].body or again[0].headers.get(SIGNATURE) != attempts[0].headers.get(SIGNATURE):
            fail("the retry of a webhook sent other bytes or another signature than its first attempt", Level.MOCK)

    def on_the_clock() -> None:
        if again[0].arrived < found.moved_mark:
            fail("a failed webhook was retried before the clock moved (the mock retries 10 s later)", Level.MOCK)

    judge_parts(ctx, [same_bytes, on_the_clock])


@check("webhooks.log", Level.DOCUMENTED, "webhooks", group=GROUP)
def webhooks_log(ctx: KitContext) -> None:
    """GET /v1/sms/conversations/{id}/webhook shows the status webhook, its URL and every attempt's response code."""
    found = scene(ctx)
    after = found.logs["after"]
    body = after.json if isinstance(after.json, dict) else {}
    if after.status != 200 or not isinstance(body.get("data"), dict):
        raise Violation(
            f"the webhook log of a conversation that sent a status webhook: {after.response_line(300)}",
            Level.DOCUMENTED,
            [after],
        )
    data = body["data"]
    missing = [f for f in LOG_FIELDS if f not in data]
    attempts = data.get("metadata")
    if not isinstance(attempts, list) or not attempts or not all(isinstance(a, dict) for a in attempts):
        missing.append("metadata (a list of delivery attempts)")
    else:
        missing += [f"metadata[].{f}" for f in ATTEMPT_FIELDS if any(f not in a for a in attempts)]
    if missing:
        raise Violation(f"the webhook log lacks {', '.join(missing)}", Level.DOCUMENTED, [after])
    statuses = found.of(found.a, "status")

    def values() -> None:
        wanted = {"conversation_id": found.a, "url": found.url(PATHS["a"])}
        if statuses:
            wanted["payload"] = statuses[-1].json
        for name, value in wanted.items():
            if data[name] != value:
                raise Violation(f"the webhook log's {name} is {data[name]!r}, not {value!r}", Level.INFERRED, [after])
        codes = [a.get("response_code") for a in attempts]
        if statuses and codes[-1] != statuses[-1].answered:
            raise Violation(
                f"the webhook log's last attempt has response_code {codes[-1]!r}; the receiver answered "
                f"{statuses[-1].answered}",
                Level.INFERRED,
                [after],
            )

    def shape() -> None:
        try:
            WebhookLogResponse.model_validate(body)
        except ValidationError as exc:
            problem = exc.errors()[0]
            raise Violation(f"the webhook log is not the mock's WebhookLog: {problem}", Level.MOCK, [after]) from None
        if not all(re.fullmatch(r"\d+ms", str(a.get("response_time"))) for a in attempts):
            raise Violation("the webhook log's response_time is not '<n>ms'", Level.MOCK, [after])

    def before() -> None:
        early = found.logs["before"]
        if early.status != 200 or not isinstance(early.json, dict) or early.json.get("data", ...) is not None:
            raise Violation(
                f"before its first status webhook a conversation's webhook log is {early.response_line(200)}; the "
                "mock answers data: null",
                Level.MOCK,
                [early],
            )

    def unknown() -> None:
        for name, what in (("unknown", "an unknown conversation"), ("other", "another account's conversation")):
            if name in found.logs:
                not_found(ctx, found.logs[name], f"the webhook log of {what}", Level.INFERRED)

    judge_parts(ctx, [values, unknown, shape, before])
