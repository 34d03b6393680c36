"""Serving broken and benign targets for the kit's tests."""

from __future__ import annotations

from collections.abc import Callable

from bland_sms_mock.contracts.kit.runner import KitOptions, KitReport, run_kit
from bland_sms_mock.mock_server.serving import BackgroundServer
from webhook_targets import stop_webhooks

KILL_EXAMPLES = 10
"""Generated examples per suite when judging the catalogue (the default run uses 50)."""
BENIGN_EXAMPLES = 5
"""Fewer for the benign targets: each runs the whole kit, and what they test is the deterministic checks."""


def judge(app: Callable, **options: object) -> KitReport:
    """Serve `app` on a free loopback port, run the kit at the default level against it, stop it (and its webhooks)."""
    server = BackgroundServer(app).start()
    try:
        return run_kit(KitOptions(base_url=server.url, **{"max_examples": KILL_EXAMPLES, **options}))  # type: ignore[arg-type]
    finally:
        server.stop()
        close = getattr(app, "close", None)
        if close is not None:
            close()
        else:
            stop_webhooks(app)
