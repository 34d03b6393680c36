"""`bland_sms_mock.intercept`: requests and httpx calls to the Bland API answered in memory, no socket."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import socket
import urllib.error
import urllib.request

import httpx
import pytest
import requests
from bland_sms_mock.mock_server.serving import BackgroundServer

from bland_sms_mock import BlandMock, intercept

API = "https://api.bland.ai/v1/sms"


def _run(coroutine: object) -> object:
    """Run a coroutine on a fresh loop in its own thread (another test may hold this thread's loop)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result(timeout=30)


def _body(mock: BlandMock, message: str = "hi") -> dict:
    return {"user_number": "+15550001111", "agent_number": mock.agent_number, "message": message}


@pytest.fixture
def no_sockets(monkeypatch):
    """Fail any attempt to open a network connection (loopback included) during the test."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("a socket was opened")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_requests_calls_reach_the_mock_without_a_socket(no_sockets) -> None:
    with intercept() as mock:
        created = requests.post(f"{API}/create", json=_body(mock), headers={"authorization": mock.api_key})
        assert created.status_code == 200 and created.headers["content-type"] == "application/json"
        with requests.Session() as session:
            listed = session.get(
                f"{API}/conversations", params={"pageSize": 5}, headers={"authorization": mock.api_key}
            )
        assert listed.json()["data"][0]["id"] == created.json()["data"]["conversation_id"]
        assert requests.get(f"{API}/conversations").status_code == 401
        mock.assert_request_made("GET", "/v1/sms/conversations", query={"pageSize": "5"})


def test_httpx_sync_and_async_calls_reach_the_mock(no_sockets) -> None:
    with intercept() as mock:
        headers = {"authorization": mock.api_key}
        assert httpx.post(f"{API}/create", json=_body(mock, "sync"), headers=headers).status_code == 200

        async def send() -> int:
            async with httpx.AsyncClient() as client:
                response = await client.post(f"{API}/create", json=_body(mock, "async"), headers=headers)
                return response.status_code

        assert _run(send()) == 200
        assert [r["body"]["message"] for r in mock.requests("POST")] == ["sync", "async"]


def test_faults_reach_the_client_as_its_own_errors() -> None:
    with intercept() as mock:
        mock.faults.add(status=429, retry_after=1, times=1)
        mock.faults.add(drop=True, times=2)
        limited = requests.get(f"{API}/conversations", headers={"authorization": mock.api_key})
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{API}/conversations")
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(f"{API}/conversations")


def test_other_hosts_pass_through_or_are_blocked() -> None:
    with BackgroundServer(BlandMock().app) as elsewhere:  # a real server standing in for "another host"
        with intercept():
            assert httpx.get(f"{elsewhere.url}/_mock/health").status_code == 200
            assert requests.get(f"{elsewhere.url}/_mock/health").status_code == 200
        with intercept(block_other_hosts=True):
            with pytest.raises(httpx.ConnectError, match="blocks"):
                httpx.get(f"{elsewhere.url}/_mock/health")
            with pytest.raises(requests.ConnectionError, match="blocks"):
                requests.get(f"{elsewhere.url}/_mock/health")


def test_base_urls_add_to_the_bland_api_and_never_let_it_through(no_sockets) -> None:
    with intercept(base_urls=["https://staging.example.com"]) as mock:
        headers = {"authorization": mock.api_key}
        assert requests.post(f"{API}/create", json=_body(mock, "real"), headers=headers).status_code == 200
        assert httpx.get(f"{API}/conversations", headers=headers).status_code == 200
        staging = "https://staging.example.com/v1/sms/create"
        assert requests.post(staging, json=_body(mock, "staging"), headers=headers).status_code == 200
    assert [r["headers"]["host"] for r in mock.requests("POST")] == ["api.bland.ai", "staging.example.com"]


def _urlopen(url: str, body: dict | None = None, headers: dict | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"content-type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_urllib_calls_reach_the_mock_and_its_faults(no_sockets) -> None:
    with intercept() as mock:
        status, created = _urlopen(f"{API}/create", _body(mock, "via urllib"), {"authorization": mock.api_key})
        assert status == 200 and created["data"]["conversation_id"]
        assert _urlopen(f"{API}/conversations")[0] == 401
        mock.faults.add(drop=True, times=1)
        with pytest.raises(urllib.error.URLError, match="dropped"):
            _urlopen(f"{API}/conversations", headers={"authorization": mock.api_key})
        mock.assert_request_made("POST", "/v1/sms/create", body={"message": "via urllib"}, count=1)


def test_block_other_hosts_stops_urllib_too() -> None:
    with BackgroundServer(BlandMock().app) as elsewhere:
        with intercept():
            assert _urlopen(f"{elsewhere.url}/_mock/health")[0] == 200
        with intercept(block_other_hosts=True), pytest.raises(urllib.error.URLError, match="blocks"):
            _urlopen(f"{elsewhere.url}/_mock/health")


def test_hooks_are_restored_and_intercepts_nest() -> None:
    original = (
        requests.Session.get_adapter,
        httpx.HTTPTransport.handle_request,
        urllib.request.AbstractHTTPHandler.do_open,
    )
    outer_mock, inner_mock = BlandMock(), BlandMock()
    with intercept(outer_mock):
        with intercept(inner_mock, base_urls=["https://api.bland.ai"]):
            requests.post(f"{API}/create", json=_body(inner_mock), headers={"authorization": inner_mock.api_key})
        requests.get(f"{API}/conversations", headers={"authorization": outer_mock.api_key})
    restored = requests.Session.get_adapter, httpx.HTTPTransport.handle_request
    assert (*restored, urllib.request.AbstractHTTPHandler.do_open) == original
    assert [r["method"] for r in inner_mock.requests()] == ["POST"]
    assert [r["method"] for r in outer_mock.requests()] == ["GET"]


def test_decorator_form_gives_the_mock_to_the_function() -> None:
    @intercept()
    def send(bland_mock: BlandMock) -> int:
        return httpx.post(
            f"{API}/create", json=_body(bland_mock), headers={"authorization": bland_mock.api_key}
        ).status_code

    @intercept(base_urls=["https://sms.example.test"])
    async def send_async(bland_mock: BlandMock) -> int:
        async with httpx.AsyncClient(base_url="https://sms.example.test") as client:
            response = await client.get("/v1/sms/conversations", headers={"authorization": bland_mock.api_key})
            return response.status_code

    assert send() == 200
    assert _run(send_async()) == 200


def _requests_call(method: str, url: str, body: dict | None, headers: dict) -> tuple[int, dict]:
    response = requests.request(method, url, json=body, headers=headers)
    return response.status_code, response.json()


def _httpx_call(method: str, url: str, body: dict | None, headers: dict) -> tuple[int, dict]:
    response = httpx.request(method, url, json=body, headers=headers)  # httpx.delete() takes no body; request() does
    return response.status_code, response.json()


def _httpx_async_call(method: str, url: str, body: dict | None, headers: dict) -> tuple[int, dict]:
    async def call() -> tuple[int, dict]:
        async with httpx.AsyncClient() as client:
            response = await client.request(method, url, json=body, headers=headers)
            return response.status_code, response.json()

    return _run(call())


def _urllib_call(method: str, url: str, body: dict | None, headers: dict) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method=method, headers={"content-type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.parametrize(
    "call",
    [_requests_call, _httpx_call, _httpx_async_call, _urllib_call],
    ids=["requests", "httpx", "httpx-async", "urllib"],
)
def test_send_get_patch_and_delete_with_json_bodies_reach_the_mock(call, no_sockets) -> None:
    with intercept() as mock:
        auth = {"authorization": mock.api_key}
        body = {"user_number": "+15550001111", "agent_number": mock.agent_number, "agent_message": "hi from the app"}
        status, sent = call("POST", f"{API}/send", body, {**auth, "idempotency-key": "order-1"})
        assert status == 200 and sent["data"]["message"] == "SMS sent successfully"
        conversation_id, message_id = sent["data"]["conversation_id"], sent["data"]["message_id"]
        assert call("POST", f"{API}/send", body, {**auth, "idempotency-key": "order-1"}) == (200, sent)  # a replay
        status, one = call("GET", f"{API}/conversations/{conversation_id}", None, auth)
        assert status == 200 and [(m["id"], m["sender"], m["text"]) for m in one["data"]["messages"]] == [
            (message_id, "AGENT", "hi from the app")
        ]
        status, numbers = call("GET", f"{API}/numbers", None, auth)
        assert status == 200 and numbers["data"][0]["conversation_count"] == 1
        update = {"phone_number": mock.agent_number, "time_out": 120, "warning_time": 60}
        status, updated = call("POST", f"{API}/number/update", update, auth)
        assert status == 200 and updated["data"]["sms_config"]["time_out"] == 120
        assert mock.numbers()[0]["sms_config"]["warning_time"] == 60

        status, removed = call(
            "DELETE", f"{API}/conversations/{conversation_id}/messages", {"message_ids": [message_id]}, auth
        )
        assert status == 200 and removed["data"]["deleted_count"] == 1
        assert mock.messages(conversation_id) == []
        status, patched = call("PATCH", f"{API}/conversations/{conversation_id}", {"is_active": False}, auth)
        assert status == 200 and patched["conversation"]["is_active"] is False  # answered without `data`
        assert mock.conversation(conversation_id)["is_active"] is False
        status, refused = call("PATCH", f"{API}/conversations/{conversation_id}", {"is_active": "no"}, auth)
        assert status == 400 and refused["errors"][0]["error"] == "INVALID_FIELD"  # the body was read
        status, deleted = call("DELETE", f"{API}/conversations/{conversation_id}", None, auth)
        assert status == 200 and deleted["data"]["message"].startswith("Conversation and all associated")
        assert [c["id"] for c in mock.deleted()] == [conversation_id]
        assert call("GET", f"{API}/conversations/{conversation_id}", None, auth)[0] == 404

        mock.assert_request_made(
            "PATCH", f"/v1/sms/conversations/{conversation_id}", body={"is_active": False}, count=1
        )
        mock.assert_request_made("DELETE", "/v1/sms/conversations/*/messages", body={"message_ids": [message_id]})
        mock.assert_request_made("POST", "/v1/sms/send", body={"agent_message": "hi from the app"}, count=2)
        assert mock.requests("POST", "/v1/sms/send")[0]["headers"]["idempotency-key"] == "order-1"
