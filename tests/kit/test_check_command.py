"""`bland-sms-mock check` as CI runs it: exit codes, the report, JUnit and JSON, and safety on a live account."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from bland_sms_mock.mock_server.app import create_app
from bland_sms_mock.mock_server.config import DEMO_AGENT_NUMBER, DEMO_API_KEY
from bland_sms_mock.mock_server.request_io import EXTENSION
from bland_sms_mock.mock_server.serving import BackgroundServer
from catalog import BROKEN
from click.testing import CliRunner

from bland_sms_mock.cli import main

pytestmark = pytest.mark.e2e

SECOND = {"name": "second", "api_key": "sk-second", "agent_numbers": [{"number": "+15552229999"}]}
LIVE_CONFIG = {
    "accounts": [{"name": "demo", "api_key": DEMO_API_KEY, "agent_numbers": [{"number": DEMO_AGENT_NUMBER}]}, SECOND]
}


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", *args])
    return result.exit_code, result.output


def test_the_mock_passes_with_exit_0_and_reports(tmp_path: Path) -> None:
    server = BackgroundServer(create_app()).start()
    try:
        code, output = run(
            "--base-url",
            server.url,
            "--max-examples",
            "5",
            "--junit-xml",
            str(tmp_path / "k.xml"),
            "--json",
            str(tmp_path / "k.json"),
        )
    finally:
        server.stop()
    assert code == 0, output
    assert "PASS create.appends" in output and "is a bland-sms-mock" in output
    suite = ET.parse(tmp_path / "k.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "0" and int(suite.get("tests")) >= 20
    document = json.loads((tmp_path / "k.json").read_text())
    assert document["outcome"] == "passed" and document["is_mock"] is True
    assert {c["level"] for c in document["checks"]} == {"documented", "inferred"}


def test_a_violation_exits_1_with_request_response_and_curl(tmp_path: Path) -> None:
    server = BackgroundServer(BROKEN["filter_gt_as_gte"][2]()).start()
    try:
        code, output = run("--base-url", server.url, "--only", "list.filters", "--junit-xml", str(tmp_path / "k.xml"))
    finally:
        server.stop()
    assert code == 1, output
    assert "FAIL list.filters" in output
    assert "'operator': 'gt'" in output and "expected" in output
    assert "request:  GET /v1/sms/conversations?" in output and "response: 200 {" in output
    assert "curl:     curl -sS -X GET" in output and '"authorization: $BLAND_API_KEY"' in output
    failure = ET.parse(tmp_path / "k.xml").getroot().find("testsuite/testcase/failure")
    assert failure is not None and "gt" in failure.get("message", "")


def test_a_mock_level_difference_is_information_unless_asked(tmp_path: Path) -> None:
    from catalog import BENIGN

    server = BackgroundServer(BENIGN["status_422_for_bad_input"][1]()).start()
    try:
        default_code, default_output = run("--base-url", server.url, "--only", "create.rejects_bad_input")
        strict_code, strict_output = run(
            "--base-url", server.url, "--only", "create.rejects_bad_input", "--level", "mock"
        )
    finally:
        server.stop()
    assert default_code == 0 and "INFO create.rejects_bad_input" in default_output
    assert "differs at [mock] level (not a failure)" in default_output
    assert strict_code == 1 and "FAIL create.rejects_bad_input" in strict_output


def test_an_unreachable_target_exits_2_in_one_line() -> None:
    code, output = run("--base-url", "http://127.0.0.1:9")
    assert code == 2
    assert output.strip().startswith("Error:") and "cannot reach the target" in output
    assert "Traceback" not in output and len(output.strip().splitlines()) == 1


def test_a_real_target_needs_a_key_and_number() -> None:
    server = BackgroundServer(create_app(control=False)).start()
    try:
        code, output = run("--base-url", server.url)
    finally:
        server.stop()
    assert code == 2 and "--api-key and --agent-number are required" in output


def test_on_a_live_account_every_create_is_tagged_capped_and_scoped() -> None:
    app = create_app(LIVE_CONFIG, control=False, journal_size=100_000)
    store = app.extensions[EXTENSION]
    seeded = store.account_for_key(DEMO_API_KEY)
    server = BackgroundServer(app).start()
    try:
        # Someone else's data on the live account must not confuse the kit.
        for user in ("+15550007001", "+15550007002"):
            import httpx

            httpx.post(
                f"{server.url}/v1/sms/create",
                headers={"authorization": DEMO_API_KEY},
                json={"user_number": user, "agent_number": DEMO_AGENT_NUMBER, "message": "not the kit's"},
            )
        code, output = run(
            "--base-url",
            server.url,
            "--api-key",
            DEMO_API_KEY,
            "--agent-number",
            DEMO_AGENT_NUMBER,
            "--second-api-key",
            "sk-second",
            "--second-agent-number",
            "+15552229999",
            "--max-creates",
            "120",
            "--max-examples",
            "5",
            "--timeout-checks",
            "skip",
        )
    finally:
        server.stop()
    assert code == 0, output
    assert "is a target without the control API" in output
    assert "SKIP timeouts.warning_then_timeout" in output and "--timeout-checks skip" in output
    conversations = [c for c in store.conversations.values()]
    kit_made = [c for c in conversations if "kit_run" in c.variables]
    assert len(conversations) - 2 == len(kit_made), "an untagged conversation was created"
    messages = sum(len(c.messages) for c in kit_made)  # no timer fires in the run: at most one per create or send
    assert messages <= 120, f"{messages} messages stored for a cap of 120 accepted creates"
    accepted = [
        e
        for e in store.journal.entries()
        if e["method"] == "POST" and e["path"] in ("/v1/sms/create", "/v1/sms/send") and e["status"] == 200
    ]
    assert len(accepted) - 2 <= 120, "more creates and sends were accepted than --max-creates allows"
    assert f"{len(accepted) - 2} creates" in output, "the report's count is not what the target accepted"
    assert seeded is not None


@pytest.mark.parametrize("cap", [0, 40])
def test_max_creates_caps_accepted_creates(cap: int) -> None:
    app = create_app(LIVE_CONFIG, control=False)
    store = app.extensions[EXTENSION]
    server = BackgroundServer(app).start()
    try:
        code, output = run(
            "--base-url",
            server.url,
            "--api-key",
            DEMO_API_KEY,
            "--agent-number",
            DEMO_AGENT_NUMBER,
            "--max-creates",
            str(cap),
            "--max-examples",
            "5",
            "--timeout-checks",
            "skip",
        )
    finally:
        server.stop()
    assert code == 0, output
    messages = sum(len(c.messages) for c in store.conversations.values())
    assert messages <= cap, f"{messages} messages stored under --max-creates {cap}"
    assert f"--max-creates {cap} reached" in output and f", {messages} creates," in output


def test_read_only_creates_nothing() -> None:
    app = create_app(control=False)
    store = app.extensions[EXTENSION]
    server = BackgroundServer(app).start()
    try:
        code, output = run(
            "--base-url",
            server.url,
            "--api-key",
            DEMO_API_KEY,
            "--agent-number",
            DEMO_AGENT_NUMBER,
            "--read-only",
            "--max-examples",
            "5",
        )
    finally:
        server.stop()
    assert code == 0, output
    assert "PASS list.defaults" in output and "PASS schema.list" in output
    assert "SKIP create.appends" in output and "--read-only" in output
    assert not store.conversations


def test_the_same_checks_run_from_pytest(pytester: pytest.Pytester) -> None:
    server = BackgroundServer(BROKEN["filter_ends_with_as_contains"][2]()).start()
    try:
        result = pytester.runpytest_subprocess(
            "--pyargs",
            "bland_sms_mock.contracts.kit.contract_tests",
            "--contract-base-url",
            server.url,
            "--contract-max-examples",
            "5",
            "-p",
            "no:cacheprovider",
            "-q",
        )
    finally:
        server.stop()
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed") == 1 and outcomes.get("passed", 0) >= 19, result.stdout.str()[-3000:]
    result.stdout.fnmatch_lines(["*test_contract?list.filters?*", "*curl:*"])


def test_every_check_is_documented() -> None:
    from bland_sms_mock.contracts.kit.selection import load_all

    text = (Path(__file__).resolve().parents[2] / "docs" / "contract-kit.md").read_text()
    missing = [name for name in load_all() if f"`{name}`" not in text]
    assert not missing, f"docs/contract-kit.md does not describe {missing}"


def test_a_guarded_mock_needs_its_control_token() -> None:
    server = BackgroundServer(create_app(control_token="s3cret")).start()
    try:
        refused_code, refused_output = run("--base-url", server.url, "--only", "create.appends")
        code, output = run("--base-url", server.url, "--control-token", "s3cret", "--only", "create.appends")
    finally:
        server.stop()
    assert refused_code == 2 and "needs a token (--control-token)" in refused_output
    assert code == 0 and "PASS create.appends" in output and "is a bland-sms-mock" in output
