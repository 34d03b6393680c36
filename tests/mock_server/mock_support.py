"""Constants and assertion helpers shared by the mock's tests."""

from __future__ import annotations

from serve_support import CLI, start_serve  # noqa: F401  (re-exported for the mock tests)
from werkzeug.test import TestResponse

USER = "+15550001111"
OTHER_USER = "+15550002222"
DEMO_KEY = "sk-demo-bland-sms-mock"
DEMO_AGENT = "+15552223333"
SECOND_AGENT = "+15552224444"
PLAIN_AGENT = "+15552225555"
OTHER_KEY = "sk-other-account"
OTHER_AGENT = "+15552226666"
START = "2026-01-05T09:00:00.000Z"

TEST_CONFIG = {
    "accounts": [
        {
            "name": "demo",
            "api_key": DEMO_KEY,
            "agent_numbers": [
                {
                    "number": DEMO_AGENT,
                    "sms_config": {
                        "time_out": 900,
                        "timeout_message": "closing",
                        "warning_time": 600,
                        "warning_message": "still there?",
                    },
                },
                {"number": SECOND_AGENT, "sms_config": {"time_out": 120, "timeout_message": "bye"}},
                {"number": PLAIN_AGENT},
            ],
        },
        {"name": "other", "api_key": OTHER_KEY, "agent_numbers": [{"number": OTHER_AGENT}]},
    ]
}


def error_codes(response: TestResponse) -> list[str]:
    """The error codes of an error envelope, asserting its shape."""
    body = response.json
    assert body["data"] is None
    assert isinstance(body["errors"], list) and body["errors"]
    return [e["error"] for e in body["errors"]]


def error_for(response: TestResponse, field: str) -> str:
    """The code of the error object whose message names `field`."""
    for error in response.json["errors"]:
        if error["message"].startswith(f"{field}:"):
            return error["error"]
    raise AssertionError(f"no error names {field}: {response.json}")
