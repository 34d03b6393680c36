"""Judge `expect.webhook` against a mock's delivery log (`GET /_mock/webhooks`), over HTTP only.

The log holds every webhook the mock queued, with its payload, whether or not a receiver answered, so a
scenario needs no receiver: a dead loopback URL (`http://127.0.0.1:9/hooks`) leaves its deliveries
`pending`. Before judging, the log is let settle: webhooks are posted by the mock's threads after the
request that caused them, so the judge waits (at most `SETTLE_SECONDS`) until no conversation's next
delivery is due now or in flight, the ones due later on the mock's clock (retries) aside.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

from bland_sms_mock.contracts.client import Client, ControlError
from bland_sms_mock.contracts.models.api import timestamp_ms
from bland_sms_mock.contracts.models.scenario import WebhookExpect
from bland_sms_mock.contracts.scenarios.matching import CheckResult, Mismatch, diff, mismatches, normal_times

SETTLE_SECONDS = 10.0
"""How long to wait for due deliveries to be attempted: longer than the mock's 5 s attempt timeout."""
POLL_SECONDS = 0.02
WEBHOOKS_PATH = "/_mock/webhooks"


@dataclass
class DeliveryLog:
    """The deliveries of one conversation (or of every one), as the mock listed them once settled."""

    conversation: str | None
    deliveries: list[dict[str, Any]]
    settled: bool
    """False when deliveries were still due or in flight after `SETTLE_SECONDS`."""

    @property
    def whose(self) -> str:
        """`conversation X`, or `any conversation`."""
        return f"conversation {self.conversation}" if self.conversation else "any conversation"


def read_log(client: Client, conversation: str | None) -> list[dict[str, Any]]:
    """The mock's deliveries, oldest event first, of one conversation when given.

    Raises:
        ControlError: the control API refused.
    """
    params = {"conversation_id": conversation} if conversation else None
    exchange = client.request("GET", WEBHOOKS_PATH, api_key=None, params=params, control=True)
    body = exchange.json
    if exchange.status != 200 or not isinstance(body, dict):
        raise ControlError(f"GET {WEBHOOKS_PATH}: {exchange.response_line()}")
    deliveries = body.get("deliveries")
    return [d for d in deliveries if isinstance(d, dict)] if isinstance(deliveries, list) else []


def anything_due(deliveries: list[dict[str, Any]], now_ms: int) -> bool:
    """Whether a delivery is due now or in flight: the head of a conversation's queue (its oldest pending
    one; copies made by a duplicate fault queue apart) whose next attempt is not later than now."""
    heads: set[tuple[Any, bool]] = set()
    for delivery in deliveries:
        if delivery.get("status") != "pending":
            continue
        lane = (delivery.get("conversation_id"), delivery.get("duplicate_of") is not None)
        if lane in heads:
            continue
        heads.add(lane)
        next_at = delivery.get("next_attempt_at")
        if not isinstance(next_at, str) or timestamp_ms(next_at) <= now_ms:
            return True
    return False


def settled_log(
    client: Client,
    conversation: str | None,
    *,
    timeout: float = SETTLE_SECONDS,
) -> DeliveryLog:
    """The log once no delivery is due now or in flight (or as it is after `timeout` seconds).

    Raises:
        ControlError: the control API refused.
    """
    deadline = time.monotonic() + timeout
    while True:
        deliveries = read_log(client, conversation)
        now_ms = timestamp_ms(client.clock()["now"])  # read after the log: a due head is never missed
        if not anything_due(deliveries, now_ms):
            return DeliveryLog(conversation, deliveries, True)
        if time.monotonic() >= deadline:
            return DeliveryLog(conversation, deliveries, False)
        time.sleep(POLL_SECONDS)


def secrets_by_account(client: Client) -> dict[str, str]:
    """Each account's webhook signing secret, by account name (`GET /_mock/accounts`).

    Raises:
        ControlError: the control API refused.
    """
    body = client.control("GET", "accounts")
    accounts = body.get("accounts") if isinstance(body, dict) else None
    return {
        str(a.get("name")): str(a.get("webhook_secret"))
        for a in accounts or []
        if isinstance(a, dict) and a.get("webhook_secret")
    }


def signed(delivery: dict[str, Any], secrets: dict[str, str]) -> bool:
    """Whether the delivery's signature is the HMAC-SHA256 of its body keyed with its account's secret.

    The body is the payload as compact UTF-8 JSON, non-ASCII characters as they are (webhooks.body), so it
    is written again from the listed payload.
    """
    secret = secrets.get(str(delivery.get("account")))
    if secret is None:
        return False
    body = json.dumps(delivery.get("payload"), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, str(delivery.get("signature")))


def delivery_view(delivery: dict[str, Any], secrets: dict[str, str] | None = None) -> dict[str, Any]:
    """A delivery keyed as `WebhookExpect` names things (`signed` only when `secrets` are given)."""
    payload = delivery.get("payload")
    view = {
        "type": delivery.get("event"),
        "status": payload.get("status") if isinstance(payload, dict) else None,
        "payload": payload,
        "url": delivery.get("url"),
        "delivery": delivery.get("status"),
    }
    if secrets is not None:
        view["signed"] = signed(delivery, secrets)
    return view


def describe(expect: WebhookExpect) -> str:
    """`exactly one status webhook (status timeout, signed)`: the expectation in words, for reports."""
    kind_of = expect.type or ("status" if expect.status else None)
    kind = f"{kind_of} webhook" if kind_of else "webhook"
    parts = [f"status {expect.status}"] if expect.status else []
    if expect.delivery:
        parts.append(f"delivery {expect.delivery}")
    if expect.url:
        parts.append(f"to {expect.url}")
    if expect.payload:
        shown = json.dumps(expect.payload, separators=(", ", ": "), ensure_ascii=False, default=str)
        parts.append("payload " + (shown if len(shown) <= 100 else shown[:100] + "…"))
    if expect.signed:
        parts.append("signed")
    count = expect.count
    how_many = {None: "a ", 0: "no ", 1: "exactly one "}.get(count, f"exactly {count} ")
    plural = "s" if count is not None and count > 1 else ""
    return f"{how_many}{kind}{plural}" + (f" ({', '.join(parts)})" if parts else "")


def judge(expect: WebhookExpect, log: DeliveryLog, secrets: dict[str, str] | None) -> CheckResult:
    """Whether `log` holds the delivery (or exactly `count` of them) that `expect` describes.

    `secrets` are needed when the expectation asks for `signed`. A failure names what was expected and the
    closest delivery seen, with a diff of the keys the expectation names, or says there was none.
    """
    wanted = normal_times(expect.wanted())
    what = f"webhook of {log.whose}: {describe(expect)}"
    views = [delivery_view(d, secrets if expect.signed else None) for d in log.deliveries]
    found = [mismatches(wanted, view) for view in views]
    matching = [d for d, problems in zip(log.deliveries, found, strict=True) if not problems]
    held = bool(matching) if expect.count is None else len(matching) == expect.count
    if held:
        return CheckResult(what, True)
    unsettled = "" if log.settled else f" (deliveries were still due or in flight after {SETTLE_SECONDS:g} s)"
    if matching:  # a count that did not hold
        ids = ", ".join(_label(d) for d in matching)
        return CheckResult(what, False, f"expected {_times(expect.count)}, found {len(matching)}: {ids}{unsettled}")
    if not log.deliveries:
        hint = " (is a webhook URL set: the send's `webhook` or the number's sms_config.webhook?)"
        return CheckResult(what, False, f"no deliveries for {log.whose}{hint}{unsettled}")
    best = min(range(len(views)), key=lambda i: len(found[i]))
    closest = log.deliveries[best]
    shown = "; ".join(_mismatch(m) for m in found[best][:6])
    detail = (
        f"none of the {_deliveries(len(views))} of {log.whose} matches; closest: {_label(closest)}: {shown}{unsettled}"
    )
    return CheckResult(what, False, detail, diff(wanted, views[best]))


def _deliveries(number: int) -> str:
    return "1 delivery" if number == 1 else f"{number} deliveries"


def _times(count: int | None) -> str:
    return "none" if count == 0 else "exactly one" if count == 1 else f"exactly {count}"


def _label(delivery: dict[str, Any]) -> str:
    """`whd_2 (status timeout, pending, → http://127.0.0.1:9/hooks)`."""
    payload = delivery.get("payload") if isinstance(delivery.get("payload"), dict) else {}
    kind = f"status {payload.get('status')}" if delivery.get("event") == "status" else "message"
    if delivery.get("event") == "message" and payload.get("message_kind") not in (None, "message"):
        kind += f" ({payload.get('message_kind')})"
    return f"{delivery.get('id')} ({kind}, {delivery.get('status')}, → {delivery.get('url')})"


def _mismatch(mismatch: Mismatch) -> str:
    return str(mismatch).lstrip(".")
