"""`serve` options over real sockets: dropped connections, the control token, snapshots kept across restarts."""

from __future__ import annotations

import os
import signal
import socket
import subprocess

import httpx
import pytest
import requests
from bland_sms_mock.contracts.scenarios.seeds import BUSY_API_KEY, write_seed
from bland_sms_mock.mock_server.app import create_app
from bland_sms_mock.mock_server.serving import BackgroundServer
from mock_support import CLI, DEMO_AGENT, DEMO_KEY, USER, start_serve

pytestmark = pytest.mark.e2e
KEY = {"authorization": DEMO_KEY}
BODY = {"user_number": USER, "agent_number": DEMO_AGENT, "message": "hi"}


def _stop(process: subprocess.Popen) -> str:
    os.kill(process.pid, signal.SIGTERM)
    output, _ = process.communicate(timeout=15)
    assert process.returncode == 0, output
    return output


def test_drop_fault_applies_times_then_answers_under_waitress() -> None:
    with BackgroundServer(create_app()) as running:
        httpx.post(f"{running.url}/_mock/faults", json={"path": "/v1/sms/create", "drop": True, "times": 2})
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.post(f"{running.url}/v1/sms/create", json=BODY, headers=KEY, timeout=5)
        with pytest.raises(requests.ConnectionError):
            requests.post(f"{running.url}/v1/sms/create", json=BODY, headers=KEY, timeout=5)
        assert httpx.post(f"{running.url}/v1/sms/create", json=BODY, headers=KEY, timeout=5).status_code == 200
        journal = httpx.get(f"{running.url}/_mock/requests").json()["requests"]
        assert [(e["status"], e["fault"] and e["fault"]["kind"]) for e in journal] == [
            (None, "drop"),
            (None, "drop"),
            (200, None),
        ]


def test_serve_under_granian_drops_and_guards_with_a_token() -> None:
    process, url, banner = start_serve("--control-token", "t0k")
    try:
        assert "needs authorization: Bearer" in banner
        assert httpx.get(f"{url}/_mock/health").status_code == 401
        bearer = {"authorization": "Bearer t0k"}
        rule = {"path": "/v1/sms/conversations", "drop": True, "times": 3}
        assert httpx.post(f"{url}/_mock/faults", json=rule, headers=bearer).status_code == 201
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(f"{url}/v1/sms/conversations", headers=KEY, timeout=5)
        # Usually the 503 headers arrive, then the close; under heavy load granian may close first.
        broken = (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)
        with pytest.raises(broken):
            requests.get(f"{url}/v1/sms/conversations", headers=KEY, timeout=5)
        raw = _raw_get(url, "/v1/sms/conversations")
        assert raw == b"" or raw.startswith(b"HTTP/1.1 503 "), raw
        assert httpx.get(f"{url}/v1/sms/conversations", headers=KEY, timeout=5).status_code == 200
    finally:
        output = _stop(process)
    assert "Traceback" not in output and "ERROR" not in output, output


def _raw_get(url: str, path: str) -> bytes:
    """Everything a server sends for one GET, until it closes the connection."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {DEMO_KEY}\r\n\r\n".encode())
        received = b""
        while chunk := sock.recv(4096):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    assert received == b"" or (b"content-length: 1024" in head.lower() and body == b""), received
    return received


def test_serve_warns_when_the_control_api_is_open_beyond_loopback() -> None:
    result = subprocess.run(
        [CLI, "serve", "--host", "0.0.0.0", "--save-on-exit"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2 and "--save-on-exit needs --snapshot" in result.stderr
    process, _url, banner = start_serve("--host", "0.0.0.0", "--server", "waitress")
    _stop(process)
    assert "Warning: bound to 0.0.0.0 with the control API open" in banner


@pytest.mark.parametrize("server", ["granian", "waitress"])
def test_snapshot_file_survives_a_restart_and_fires_the_pending_timeout(tmp_path, server) -> None:
    snapshot = tmp_path / "state.json"
    args = ("--server", server, "--snapshot", str(snapshot), "--save-on-exit")
    process, url, _ = start_serve(*args)
    try:
        httpx.post(f"{url}/_mock/clock", json={"set": "2026-03-01T10:00:00Z"})
        made = httpx.post(f"{url}/v1/sms/create", json={**BODY, "sender": "AGENT"}, headers=KEY).json()["data"]
        httpx.post(f"{url}/_mock/clock", json={"advance": 60})
    finally:
        output = _stop(process)
    assert f"bland-sms-mock stopped; saved the state to {snapshot}." in output and snapshot.exists()

    process, url, banner = start_serve(*args)
    try:
        assert "Restored the snapshot" in banner
        conversation = f"{url}/_mock/conversations/{made['conversation_id']}"
        before = httpx.get(conversation, headers=KEY).json()["data"]
        assert before["is_active"] and before["next_timer"]["due_at"] == "2026-03-01T10:10:00.000Z"
        fired = httpx.post(f"{url}/_mock/clock", json={"advance": 900}).json()["fired"]
        assert [(f["kind"], f["due_at"]) for f in fired] == [
            ("warning", "2026-03-01T10:10:00.000Z"),
            ("timeout", "2026-03-01T10:15:00.000Z"),
        ]
        after = httpx.get(conversation, headers=KEY).json()["data"]
        assert not after["is_active"] and after["timed_out_at"] == "2026-03-01T10:15:00.000Z"
    finally:
        _stop(process)


def test_a_bad_snapshot_file_is_a_usage_error(tmp_path) -> None:
    snapshot = tmp_path / "state.json"
    snapshot.write_text('{"format": "bland-sms-mock/snapshot", "version": 1, "conversations": [{"nope": 1}]}')
    result = subprocess.run([CLI, "serve", "--snapshot", str(snapshot)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and str(snapshot) in result.stderr


def test_a_second_serve_on_a_taken_port_is_refused() -> None:
    first, url, _ = start_serve()
    try:
        port = url.rsplit(":", 1)[1]
        second = subprocess.run([CLI, "serve", "--port", port], capture_output=True, text=True, timeout=30)
        assert second.returncode == 1
        assert f"cannot listen on 127.0.0.1:{port}" in second.stderr
        assert httpx.get(f"{url}/_mock/health").status_code == 200
    finally:
        _stop(first)


def test_serve_loads_a_json_seed(tmp_path) -> None:
    seed = tmp_path / "busy.json"
    write_seed(seed, 40, messages=3)
    process, url, banner = start_serve("--seed", str(seed))
    try:
        assert f"Seeded 40 conversations from {seed} in " in banner
        listed = httpx.get(f"{url}/v1/sms/conversations", headers={"authorization": BUSY_API_KEY}).json()
        assert listed["extra"]["pagination"]["totalItems"] == 40
        assert {item["message_count"] for item in listed["data"]} == {3}
    finally:
        _stop(process)


def test_a_bad_json_seed_is_a_usage_error_naming_the_file_and_the_field(tmp_path) -> None:
    seed = tmp_path / "bad.json"
    seed.write_text('{"conversations": [{"user_number": "+1555", "agent_number": "+15552223333", "messages": []}]}')
    result = subprocess.run([CLI, "serve", "--seed", str(seed)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert f"{seed}: conversations[0].user_number: must be a possible E.164" in result.stderr


@pytest.mark.parametrize("server", ["granian", "waitress"])
def test_the_first_request_is_fully_validated(server) -> None:
    """Models build their validators on first use (for start-up speed); the first create still gets its 400."""
    process, url, _ = start_serve("--server", server)
    try:
        answer = httpx.post(f"{url}/v1/sms/create", json={**BODY, "user_number": "+1555"}, headers=KEY)
        assert answer.status_code == 400
        assert answer.json()["errors"] == [
            {
                "error": "INVALID_PHONE_NUMBER",
                "message": "user_number: must be a possible E.164 phone number such as +15550001111",
            }
        ]
    finally:
        _stop(process)
