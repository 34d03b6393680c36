"""The inspector: a page at `/_mock/ui/` to watch and drive the mock, built on the public endpoints."""

from __future__ import annotations

from typing import Any

from bland_sms_mock.contracts.models.api import format_timestamp
from bland_sms_mock.contracts.models.control import WebhookQuery
from bland_sms_mock.mock_server.request_io import json_response, store
from flask import Blueprint, Flask, render_template, request

from bland_sms_mock.version import __version__

ui = Blueprint("ui", __name__, url_prefix="/_mock/ui", template_folder="templates", static_folder="static")


@ui.get("/")
def index() -> Any:
    """The inspector page; everything it shows it fetches from /v1 and /_mock."""
    return render_template("index.html", version=__version__)


@ui.get("/version")
def state_version() -> Any:
    """Counters that change whenever the state does (after firing due timers): cheap to poll.

    `webhooks` changes when a delivery of `?conversation=<id>` moves on (queued, attempted, finished) or a
    webhook fault rule is added, removed or hit: deliveries move on the webhook threads, with no request.
    """
    current = store()
    current.fire_due()
    return json_response(
        {
            "version": current.version,
            "traffic": current.journal.revision + current.faults.revision,
            "webhooks": _webhooks_fingerprint(request.args.get("conversation")),
            "now": current.clock.now_ms(),
            "frozen": current.clock.frozen,
        }
    )


def _webhooks_fingerprint(conversation_id: str | None) -> int:
    """A number that changes when the conversation's deliveries or the webhook fault rules change.

    The webhook log keeps no revision counter, so this digests what the page shows of it: each delivery's
    status, attempts and due instant, each rule's counters. Kept below 2**53 so JavaScript reads it exactly.
    """
    hooks = store().webhooks
    deliveries = hooks.deliveries(WebhookQuery(conversation_id=conversation_id)) if conversation_id else []
    shown = tuple((d.id, d.status, len(d.attempts), d.due_ms) for d in deliveries)
    rules = tuple((f["id"], f["matched"], f["applied"]) for f in hooks.faults.listing())
    return hash((conversation_id, shown, rules)) & (2**53 - 1)


@ui.get("/timed-out")
def timed_out() -> Any:
    """Which of `?ids=a,b,c` ended by timing out, and when: the list answer does not say, the page does.

    Unknown ids and conversations still active or archived otherwise are left out.
    """
    current = store()
    ids = [i for i in request.args.get("ids", "").split(",") if i][:1000]
    found: dict[str, str] = {}
    with current.lock:
        for conversation_id in ids:
            owner = current.owner_of(conversation_id)
            conversation = owner.conversations.get(conversation_id) if owner else None
            if conversation is not None and conversation.timed_out_at is not None:
                found[conversation_id] = format_timestamp(conversation.timed_out_at)
    return json_response({"timed_out": found})


def init_app(app: Flask, capabilities: list[str]) -> None:
    """Register the inspector and announce it in the health capabilities."""
    app.register_blueprint(ui)
    capabilities.append("ui")
