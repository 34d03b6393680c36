"""A target that implements nothing (JSON 404 to every request) passes no check."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from bland_sms_mock.contracts.kit.runner import KitOptions, run_kit
from bland_sms_mock.mock_server.app import create_app
from bland_sms_mock.mock_server.config import DEMO_AGENT_NUMBER, DEMO_API_KEY
from bland_sms_mock.mock_server.serving import BackgroundServer
from click.testing import CliRunner

from bland_sms_mock.cli import main

pytestmark = pytest.mark.e2e

NOT_FOUND = json.dumps({"data": None, "errors": [{"error": "NOT_FOUND", "message": "no such route"}]}).encode()


def nothing_here(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
    """Every method on every path: 404 with the error envelope."""
    start_response("404 Not Found", [("content-type", "application/json"), ("content-length", str(len(NOT_FOUND)))])
    return [NOT_FOUND]


def test_every_check_fails_on_a_target_that_implements_nothing() -> None:
    server = BackgroundServer(nothing_here).start()
    try:
        report = run_kit(KitOptions(base_url=server.url, api_key="sk-any", agent_number="+15552223333", max_examples=5))
    finally:
        server.stop()
    statuses = {o.name: o.status for o in report.outcomes}
    assert len(statuses) >= 20
    assert not [name for name, status in statuses.items() if status in ("passed", "info")], statuses
    assert [name for name, status in statuses.items() if status == "failed"], statuses


def test_a_wrong_base_url_on_the_mock_fails_the_schema_suite() -> None:
    server = BackgroundServer(create_app()).start()
    try:
        target = ["--base-url", f"{server.url}/nothing-here", "--api-key", DEMO_API_KEY]
        options = ["--agent-number", DEMO_AGENT_NUMBER, "--only", "schema", "--max-examples", "5"]
        result = CliRunner().invoke(main, ["check", *target, *options])
    finally:
        server.stop()
    assert result.exit_code == 1, result.output
    assert "FAIL schema.list" in result.output and "FAIL schema.create" in result.output
    assert "does not implement GET /v1/sms/conversations" in result.output
