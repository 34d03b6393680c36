"""Bland's own CLI (npm `bland-cli` 0.6.1) drives every `bland sms` command against a served mock.

The CLI has three `sms` commands: `send` (POST /v1/sms/send with `phone_number`, `from`, `message`),
`conversations` alias `list` (GET /v1/sms/conversations) and `get` (GET /v1/sms/conversations/{id}, printing
each message's `sender` and `text`). It reads the base URL from BLAND_BASE_URL and the key from BLAND_API_KEY,
sends the key as the raw `authorization` header, has no telemetry or update check, and writes its config
file under HOME (or XDG_CONFIG_HOME) on every start. Skipped when node/npm are missing or the install fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest
from bland_sms_mock.mock_server.config import DEMO_AGENT_NUMBER, DEMO_API_KEY

pytestmark = pytest.mark.e2e

CLI_PACKAGE = "bland-cli@0.6.1"
INSTALL_TIMEOUT = 300
RUN_TIMEOUT = 60
USER = "+15550004444"
AUTH = {"authorization": DEMO_API_KEY}
SENT = re.compile(r"SMS sent \(([^)\s]+)\)")


class Bland(Protocol):
    """Runs `bland <args>` against the served mock."""

    def __call__(self, *args: str, api_key: str = DEMO_API_KEY) -> subprocess.CompletedProcess[str]: ...


@pytest.fixture(scope="session")
def bland_cli(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The entry point of bland-cli 0.6.1, installed once per session into a tmp dir (skip when impossible)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("bland-cli needs node and npm on PATH")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    major = re.match(r"v(\d+)", version)
    if major is None or int(major.group(1)) < 18:
        pytest.skip(f"bland-cli needs node >= 18 (global fetch); found {version or 'an unknown version'}")
    prefix = tmp_path_factory.mktemp("bland-cli")
    (prefix / "package.json").write_text('{"name": "bland-cli-under-test", "private": true}\n', encoding="utf-8")
    try:
        result = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", CLI_PACKAGE],
            cwd=prefix,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
            env={**os.environ, "npm_config_update_notifier": "false"},
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        pytest.skip(f"could not install {CLI_PACKAGE}: {error}")
    entry = prefix / "node_modules" / "bland-cli" / "dist" / "index.js"
    if result.returncode != 0 or not entry.is_file():
        pytest.skip(f"could not install {CLI_PACKAGE} (npm exit {result.returncode}): {result.stderr[-500:]}")
    return entry


@pytest.fixture
def mock(url: str) -> Iterator[httpx.Client]:
    """A plain HTTP client on the mock, emptied first, authenticated as the demo account."""
    with httpx.Client(base_url=url, headers=AUTH, timeout=10) as client:
        client.post("/_mock/reset").raise_for_status()
        yield client


@pytest.fixture
def bland(bland_cli: Path, url: str, tmp_path: Path) -> Bland:
    """Run `bland <args>` against the mock with a scratch HOME, as a user would with the two env vars set."""
    home = tmp_path / "home"
    home.mkdir()
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("BLAND_") and key not in {"FORCE_COLOR", "NODE_OPTIONS", "HOME", "XDG_CONFIG_HOME"}
    }
    no_proxy = ",".join(filter(None, [os.environ.get("NO_PROXY", ""), "127.0.0.1", "localhost"]))
    env = {
        **inherited,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "BLAND_BASE_URL": url,
        "BLAND_API_KEY": DEMO_API_KEY,
        "NO_COLOR": "1",
        "NO_PROXY": no_proxy,
        "no_proxy": no_proxy,
    }

    def run(*args: str, api_key: str = DEMO_API_KEY) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["node", str(bland_cli), *args],
            cwd=home,
            env={**env, "BLAND_API_KEY": api_key},
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
        )

    return run


def create(mock: httpx.Client, message: str, sender: str = "USER") -> str:
    """Store one message between USER and the demo agent number through the API; return its conversation id."""
    body = {"user_number": USER, "agent_number": DEMO_AGENT_NUMBER, "message": message, "sender": sender}
    response = mock.post("/v1/sms/create", json=body)
    response.raise_for_status()
    return response.json()["data"]["conversation_id"]


def conversations(mock: httpx.Client) -> list[dict[str, Any]]:
    """The demo account's conversations, as the list endpoint answers them."""
    response = mock.get("/v1/sms/conversations")
    response.raise_for_status()
    return response.json()["data"]


def conversation(mock: httpx.Client, conversation_id: str) -> dict[str, Any]:
    """One conversation with its messages, as GET /v1/sms/conversations/{id} answers it."""
    response = mock.get(f"/v1/sms/conversations/{conversation_id}")
    response.raise_for_status()
    return response.json()["data"]


def sent_id(result: subprocess.CompletedProcess[str]) -> str:
    """The conversation id in `sms send`'s "SMS sent (<id>)" line (stderr, where the CLI's spinner writes)."""
    match = SENT.search(result.stderr)
    assert match, f"no 'SMS sent (<id>)' line: stdout={result.stdout!r} stderr={result.stderr!r}"
    return match.group(1)


def test_conversations_prints_the_accounts_conversations_as_json(bland: Bland, mock: httpx.Client) -> None:
    conversation_id = create(mock, "Is my order ready?")
    result = bland("sms", "conversations")
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert [(c["id"], c["user_number"], c["last_message"]) for c in listed] == [
        (conversation_id, USER, "Is my order ready?")
    ]


def test_list_alias_with_json_prints_the_same_conversations(bland: Bland, mock: httpx.Client) -> None:
    ids = {create(mock, "first"), create(mock, "second", sender="AGENT")}
    result = bland("sms", "list", "--json")
    assert result.returncode == 0, result.stderr
    assert {c["id"] for c in json.loads(result.stdout)} == ids == {c["id"] for c in conversations(mock)}


def test_a_wrong_api_key_exits_1_with_the_clis_invalid_key_message(bland: Bland, mock: httpx.Client) -> None:
    create(mock, "hello")
    result = bland("sms", "conversations", api_key="sk-not-a-key")
    assert result.returncode == 1
    assert "Invalid API key" in result.stderr
    assert result.stdout == ""


def test_send_prints_the_new_conversation_id(bland: Bland, mock: httpx.Client) -> None:
    result = bland("sms", "send", USER, "--from", DEMO_AGENT_NUMBER, "--message", "Your table is ready.")
    assert result.returncode == 0, result.stderr
    assert sent_id(result) in {c["id"] for c in conversations(mock)}


def test_send_stores_an_agent_message_to_the_number(bland: Bland, mock: httpx.Client) -> None:
    result = bland("sms", "send", USER, "--from", DEMO_AGENT_NUMBER, "--message", "Your table is ready.")
    assert result.returncode == 0, result.stderr
    thread = conversation(mock, sent_id(result))
    assert (thread["user_number"], thread["agent_number"], thread["is_active"]) == (USER, DEMO_AGENT_NUMBER, True)
    assert [m["sender"] for m in thread["messages"]] == ["AGENT"]
    listed = {c["id"]: c for c in conversations(mock)}
    assert listed[thread["id"]]["last_message"] == "Your table is ready."


def test_send_json_prints_the_conversation_id_on_stdout(bland: Bland, mock: httpx.Client) -> None:
    result = bland("sms", "send", USER, "--from", DEMO_AGENT_NUMBER, "--message", "See you at 7.", "--json")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["conversation_id"] == sent_id(result)
    assert [c["id"] for c in conversations(mock)] == [printed["conversation_id"]]


def test_send_to_a_bad_number_exits_1_and_stores_nothing(bland: Bland, mock: httpx.Client) -> None:
    result = bland("sms", "send", "hello", "--from", DEMO_AGENT_NUMBER, "--message", "Hi")
    assert result.returncode == 1
    assert "Error:" in result.stderr
    assert conversations(mock) == []


def test_get_json_prints_the_thread(bland: Bland, mock: httpx.Client) -> None:
    conversation_id = create(mock, "Can I book for two?")
    create(mock, "Yes, 7pm works.", sender="AGENT")
    result = bland("sms", "get", conversation_id, "--json")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["id"] == conversation_id
    assert [m["sender"] for m in printed["messages"]] == ["USER", "AGENT"]
    assert "Can I book for two?" in result.stdout and "Yes, 7pm works." in result.stdout


def test_get_prints_each_message_with_its_speaker(bland: Bland, mock: httpx.Client) -> None:
    conversation_id = create(mock, "Can I book for two?")
    create(mock, "Yes, 7pm works.", sender="AGENT")
    result = bland("sms", "get", conversation_id)
    assert result.returncode == 0, result.stderr
    assert re.findall(r"(?m) (User|Agent): (.*)$", result.stdout) == [
        ("User", "Can I book for two?"),
        ("Agent", "Yes, 7pm works."),
    ], result.stdout


def test_get_of_an_unknown_conversation_exits_1_with_not_found(bland: Bland, mock: httpx.Client) -> None:
    result = bland("sms", "get", "convo_00000000000000000000000000000000")
    assert result.returncode == 1
    assert "NOT_FOUND" in result.stderr
    assert result.stdout == ""
