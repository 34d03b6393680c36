"""`timeouts.reply_cancels_timer` in real time, on targets without the control API (seconds, not a clock)."""

from __future__ import annotations

import pytest
from bland_sms_mock.contracts.kit.runner import KitOptions, KitReport, run_kit
from bland_sms_mock.mock_server.app import create_app
from bland_sms_mock.mock_server.config import DEMO_AGENT_NUMBER, DEMO_API_KEY
from bland_sms_mock.mock_server.request_io import EXTENSION
from bland_sms_mock.mock_server.serving import BackgroundServer

pytestmark = pytest.mark.e2e


def judge(cancels: bool) -> KitReport:
    """Serve the mock with `--no-control` (a USER reply cancelling the timer or not) and run the one check."""
    app = create_app(control=False)
    if not cancels:
        app.extensions[EXTENSION]._cancel_timers = lambda conversation: None
    server = BackgroundServer(app).start()
    try:
        options = KitOptions(
            base_url=server.url,
            api_key=DEMO_API_KEY,
            agent_number=DEMO_AGENT_NUMBER,
            only=("timeouts.reply_cancels_timer",),
        )
        return run_kit(options)
    finally:
        server.stop()


def test_the_mock_without_its_control_api_passes() -> None:
    report = judge(cancels=True)
    assert not report.is_mock
    assert [(o.name, o.status, o.message) for o in report.outcomes] == [("timeouts.reply_cancels_timer", "passed", "")]


def test_a_user_reply_that_does_not_cancel_the_timer_fails() -> None:
    (outcome,) = judge(cancels=False).outcomes
    assert outcome.status == "failed" and "after a USER reply the timer still fired" in outcome.message
