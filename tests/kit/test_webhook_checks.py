"""The kit's webhook receiver, and when the webhook checks skip instead of judging."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from bland_sms_mock.contracts.client import Client
from bland_sms_mock.contracts.kit.checks.webhooks import ready
from bland_sms_mock.contracts.kit.context import KitAccount, KitContext, Skip
from bland_sms_mock.contracts.kit.receiver import Receiver
from bland_sms_mock.contracts.models.api import Level
from bland_sms_mock.mock_server.app import create_app
from kit_support import judge
from mutants import Mutant, is_send, rewrite_body
from webhook_targets import stop_webhooks
from werkzeug.wrappers import Request, Response

pytestmark = pytest.mark.e2e


def test_the_receiver_records_raw_bodies_and_fails_first_when_told() -> None:
    with Receiver() as receiver:
        receiver.fail_first("/hook")
        body = b'{"b":1,  "a":"\xc3\xa9"}'
        first = httpx.post(receiver.url + "/hook", content=body, headers={"X-Webhook-Signature": "ab"})
        second = httpx.post(receiver.url + "/hook", content=body)
        got = receiver.wait_for(lambda r: r.path == "/hook", 2, timeout=2)
    assert (first.status_code, second.status_code) == (503, 200)
    assert [r.answered for r in got] == [503, 200]
    assert got[0].body == body and got[0].json == {"b": 1, "a": "é"}
    assert got[0].headers["x-webhook-signature"] == "ab" and got[0].method == "POST"
    assert got[0].arrived <= got[1].arrived
    port = int(receiver.url.rsplit(":", 1)[1])
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    assert not [t for t in threading.enumerate() if t.name == "kit-webhook-receiver"]


def test_wait_for_gives_up_after_its_timeout() -> None:
    with Receiver() as receiver:
        assert receiver.wait_for(lambda r: True, 1, timeout=0.2) == []


def _context(base_url: str, capabilities: set[str]) -> KitContext:
    account = KitAccount(Client(base_url, "sk-x"), "+15550001111")
    return KitContext(account, None, is_mock=True, capabilities=capabilities, level=Level.INFERRED, own_accounts=True)


@pytest.mark.parametrize(
    ("base_url", "capabilities", "reason"),
    [
        ("http://10.1.2.3:4010", {"clock", "accounts", "webhooks"}, "is not on this machine"),
        ("http://127.0.0.1:4010", {"clock", "accounts"}, "no `webhooks` capability"),
        ("http://127.0.0.1:4010", {"accounts", "webhooks"}, "clock control"),
    ],
)
def test_the_checks_skip_where_the_kit_cannot_receive(base_url: str, capabilities: set[str], reason: str) -> None:
    with pytest.raises(Skip, match=reason):
        ready(_context(base_url, capabilities))


def test_a_mock_on_localhost_is_judged() -> None:
    ready(_context("http://localhost:4010", {"clock", "accounts", "webhooks"}))


def _rewriting_control(app: Callable, path: str, change: Callable[[Any], Any]) -> Callable:
    """`app` with the JSON answer of one `/_mock` path changed."""

    def wrapped(environ: dict[str, Any], start_response: Callable) -> Any:
        if Request(environ).path != path:
            return app(environ, start_response)
        inner = Response.from_app(app, environ)
        body = change(json.loads(inner.get_data()))
        return Response(json.dumps(body), inner.status_code, content_type="application/json")(environ, start_response)

    wrapped.close = lambda: stop_webhooks(app)  # type: ignore[attr-defined]
    return wrapped


def test_a_mock_without_the_capability_skips_every_webhook_check_and_passes_the_rest() -> None:
    def without(health: dict[str, Any]) -> dict[str, Any]:
        return {**health, "capabilities": [c for c in health["capabilities"] if c != "webhooks"]}

    report = judge(_rewriting_control(create_app(), "/_mock/health", without), only=("webhooks", "create.envelope"))
    outcomes = {o.name: (o.status, o.message) for o in report.outcomes}
    assert outcomes.pop("create.envelope")[0] == "passed"
    assert {status for status, _ in outcomes.values()} == {"skipped"}
    assert all("no `webhooks` capability" in message for _, message in outcomes.values())
    assert report.verdict == "passed"


def test_a_mock_whose_deliveries_cannot_connect_to_the_receiver_is_skipped() -> None:
    """As a mock in a container would: it posts to the kit's URL, where (for it) nothing listens."""
    urls: dict[str, str] = {}

    def elsewhere(body: dict[str, Any]) -> dict[str, Any]:
        with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
            probe.bind(("127.0.0.1", 0))
            dead = f"http://127.0.0.1:{probe.getsockname()[1]}/gone"
        urls[dead] = body["webhook"]
        return {**body, "webhook": dead}

    def as_asked(listing: dict[str, Any]) -> dict[str, Any]:
        for delivery in listing["deliveries"]:
            delivery["url"] = urls.get(delivery["url"], delivery["url"])
        return listing

    mutant = Mutant(on_request=rewrite_body(lambda c: is_send(c) and "webhook" in c["body"], elsewhere))
    report = judge(_rewriting_control(mutant, "/_mock/webhooks", as_asked), only=("webhooks",))
    outcomes = {o.name: (o.status, o.message) for o in report.outcomes}
    assert outcomes["webhooks.messages"][0] == "skipped"
    assert "do not reach the kit's receiver" in outcomes["webhooks.messages"][1]
    assert {status for status, _ in outcomes.values()} == {"skipped"}
    assert not [t for t in threading.enumerate() if t.name == "kit-webhook-receiver"]
