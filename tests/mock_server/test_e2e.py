"""End to end over real sockets: `serve` as a process, a background server, concurrent creates."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections import Counter

import httpx
import pytest
from bland_sms_mock.mock_server.app import create_app
from bland_sms_mock.mock_server.serving import BackgroundServer
from mock_support import CLI, DEMO_AGENT, DEMO_KEY, TEST_CONFIG, start_serve

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("server", ["granian", "waitress"])
def test_serve_answers_the_documented_envelope_and_stops_on_sigterm(server) -> None:
    process, url, banner = start_serve("--server", server)
    try:
        response = httpx.get(f"{url}/v1/sms/conversations", headers={"authorization": DEMO_KEY}, timeout=5)
        assert response.status_code == 200
        assert response.json() == {
            "data": [],
            "errors": None,
            "extra": {"pagination": {"totalItems": 0, "totalPages": 0, "currentPage": 1, "pageSize": 25}},
        }
    finally:
        os.kill(process.pid, signal.SIGTERM)
        output, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    assert DEMO_KEY in banner and DEMO_AGENT in banner
    assert "stopped" in output


def test_serve_with_a_config_file_and_no_control(tmp_path) -> None:
    config = tmp_path / "accounts.yaml"
    config.write_text("accounts: [{api_key: sk-file, agent_numbers: [{number: '+15552221234'}]}]\n")
    process, url, _ = start_serve("--config", str(config), "--no-control")
    try:
        assert httpx.get(f"{url}/v1/sms/conversations", headers={"authorization": "sk-file"}).status_code == 200
        assert httpx.get(f"{url}/_mock/health").status_code == 404
    finally:
        os.kill(process.pid, signal.SIGTERM)
        process.communicate(timeout=10)


def test_serve_refuses_a_bad_config(tmp_path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("accounts: [{api_key: k, agent_numbers: [{number: 'nope'}]}]\n")
    result = subprocess.run(
        [CLI, "serve", "--port", "0", "--config", str(config)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert "number" in result.stderr and "Traceback" not in result.stderr


def test_malformed_requests_over_http_get_4xx() -> None:
    with BackgroundServer(create_app(TEST_CONFIG)) as server, httpx.Client(base_url=server.url) as client:
        headers = {"authorization": DEMO_KEY}
        assert client.post("/v1/sms/create", content=b"\xff", headers=headers).status_code == 400
        assert client.post("/v1/sms/create", content=b"x" * (2 * 1024 * 1024), headers=headers).status_code == 413
        assert (
            client.post("/v1/sms/create", content=b"{}", headers={**headers, "content-type": "text/csv"}).status_code
            == 415
        )
        assert client.get("/v1/sms/conversations?page=1e9", headers=headers).status_code == 400
        assert client.get("/v1/sms/conversations", headers=headers).status_code == 200


def test_concurrent_creates_never_lose_or_duplicate_a_conversation() -> None:
    pairs = [("+1555000010" + str(i), DEMO_AGENT) for i in range(4)]
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def worker(worker_id: int, url: str) -> None:
        with httpx.Client(base_url=url, headers={"authorization": DEMO_KEY}, timeout=10) as client:
            for n in range(50):
                user, agent = pairs[(worker_id + n) % len(pairs)]
                body = {
                    "user_number": user,
                    "agent_number": agent,
                    "message": f"{worker_id}-{n}",
                    "new_conversation": n % 17 == 0,
                }
                response = client.post("/v1/sms/create", json=body)
                with lock:
                    statuses[response.status_code] += 1

    with BackgroundServer(create_app(TEST_CONFIG)) as server:
        threads = [threading.Thread(target=worker, args=(i, server.url)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        items = httpx.get(
            f"{server.url}/v1/sms/conversations?pageSize=1000", headers={"authorization": DEMO_KEY}
        ).json()
    assert statuses == Counter({200: 400})
    active = Counter((c["user_number"], c["agent_number"]) for c in items["data"] if c["is_active"])
    assert set(active.values()) == {1} and len(active) == len(pairs)
    assert sum(c["message_count"] for c in items["data"]) == 400
