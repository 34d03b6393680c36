"""Hand-written hostile input against a live server: each gets its documented 4xx, nothing changes."""

from __future__ import annotations

import http.client
import json
import socket
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from bland_sms_mock.mock_server.app import create_app
from bland_sms_mock.mock_server.serving import BackgroundServer
from hardening_support import DEMO_AGENT, DEMO_KEY

pytestmark = pytest.mark.e2e
AUTH = {"authorization": DEMO_KEY}
GOOD = {"user_number": "+15550001111", "agent_number": DEMO_AGENT, "message": "hi"}


def _nested(levels: int) -> bytes:
    return (
        b'{"user_number":"+15550001111","agent_number":"+15552223333","message":"hi","request_data":'
        + (b'{"a":' * levels + b"1" + b"}" * levels)
        + b"}"
    )


BODIES: list[tuple[str, bytes, str | None, int, str]] = [
    ("empty", b"", "application/json", 400, "INVALID_JSON"),
    ("not json", b"hello", "application/json", 400, "INVALID_JSON"),
    ("array", b"[1,2,3]", "application/json", 400, "INVALID_JSON"),
    ("string", b'"text"', "application/json", 400, "INVALID_JSON"),
    ("number", b"12", "application/json", 400, "INVALID_JSON"),
    ("10,000 levels", _nested(10_000), "application/json", 400, "INVALID_JSON"),
    ("65 levels", _nested(65), "application/json", 400, "INVALID_FIELD"),
    ("2 MiB", b'{"message":"' + b"x" * (2 * 1024 * 1024) + b'"}', "application/json", 413, "PAYLOAD_TOO_LARGE"),
    ("invalid utf-8", b'{"message":"\xff\xfe"}', "application/json", 400, "INVALID_JSON"),
    ("huge integer", json.dumps({**GOOD, "time_out": 10**40}).encode(), "application/json", 400, "INVALID_FIELD"),
    ("4301-digit integer", b'{"time_out":' + b"9" * 4301 + b"}", "application/json", 400, "INVALID_JSON"),
    ("float for integer", json.dumps({**GOOD, "time_out": 30.5}).encode(), "application/json", 400, "INVALID_FIELD"),
    ("form body", b"a=1", "application/x-www-form-urlencoded", 415, "UNSUPPORTED_MEDIA_TYPE"),
]


def _listing(url: str) -> dict:
    return httpx.get(f"{url}/v1/sms/conversations", params={"pageSize": 1000}, headers=AUTH).json()


@pytest.mark.parametrize(("name", "body", "content_type", "status", "code"), BODIES, ids=[b[0] for b in BODIES])
def test_bad_bodies(live, name, body, content_type, status, code) -> None:
    before = _listing(live.url)
    headers = {**AUTH, "content-type": content_type}
    response = httpx.post(f"{live.url}/v1/sms/create", content=body, headers=headers, timeout=30)
    assert response.status_code == status, response.text[:300]
    assert response.json()["errors"][0]["error"] == code
    assert _listing(live.url) == before
    assert live.alive()


def test_null_for_every_field(live) -> None:
    for field in GOOD:
        response = httpx.post(f"{live.url}/v1/sms/create", json={**GOOD, field: None}, headers=AUTH)
        assert response.status_code == 400
        assert response.json()["errors"][0]["error"] == "MISSING_REQUIRED_FIELDS"
    for field in ["message_sid", "curr_pathway_id", "request_data", "new_conversation", "sender", "time_out"]:
        assert httpx.post(f"{live.url}/v1/sms/create", json={**GOOD, field: None}, headers=AUTH).status_code == 200


def test_nul_bytes_are_stored_as_text(live) -> None:
    response = httpx.post(f"{live.url}/v1/sms/create", json={**GOOD, "message": "a\x00b"}, headers=AUTH)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"page": "1e9"}, "INVALID_QUERY"),
        ({"pageSize": "-1"}, "INVALID_QUERY"),
        ({"page": "99999999999999999999999"}, "INVALID_QUERY"),
        ({"filters": "[" * 5000 + "]" * 5000}, "INVALID_FILTERS"),
    ],
    ids=["page=1e9", "pageSize=-1", "huge page", "deep filters"],
)
def test_bad_queries(live, params, code) -> None:
    status, body = _raw_get(live.url, params)
    assert status == 400
    assert json.loads(body)["errors"][0]["error"] == code


def _raw_get(url: str, params: dict) -> tuple[int, bytes]:
    # http.client, not httpx: httpx refuses URLs over 64 KiB, and 10,000 filters take 900 KiB
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request("GET", f"/v1/sms/conversations?{urlencode(params)}", headers=AUTH)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


TEN_THOUSAND_FILTERS = {"filters": json.dumps([{"field": "is_active", "operator": "eq", "value": True}] * 10_000)}


def test_ten_thousand_filters_under_granian_are_414(live) -> None:
    status, _ = _raw_get(live.url, TEN_THOUSAND_FILTERS)
    assert status == 414  # granian refuses request lines over 64 KiB before the app sees them [mock]
    assert live.alive()


def test_ten_thousand_filters_under_waitress_get_the_envelope() -> None:
    with BackgroundServer(create_app()) as server:
        status, body = _raw_get(server.url, TEN_THOUSAND_FILTERS)
    assert status == 400
    assert json.loads(body)["errors"][0]["error"] == "INVALID_FILTERS"


@pytest.mark.parametrize(
    "value", [None, 1, 1.5, True, "x", [], {}, ["a"], {"a": 1}, "2026-13-45T99:00:00Z", "9" * 5000]
)
@pytest.mark.parametrize("field", ["created_at", "is_active", "message_count", "variables", "user_number"])
def test_filter_values_of_every_wrong_type_never_500(live, field, value) -> None:
    for operator in ("eq", "gt", "contains"):
        filters = json.dumps([{"field": field, "operator": operator, "value": value}])
        response = httpx.get(f"{live.url}/v1/sms/conversations", params={"filters": filters}, headers=AUTH)
        assert response.status_code in (200, 400)
        if response.status_code == 400:
            assert response.json()["errors"][0]["error"] == "INVALID_FILTERS"


def test_header_with_control_characters(live) -> None:
    host, port = urlsplit(live.url).hostname, urlsplit(live.url).port
    request = (
        b"GET /v1/sms/conversations HTTP/1.1\r\nHost: x\r\nauthorization: sk-demo\x01\x7f-bland\r\n"
        b"Connection: close\r\n\r\n"
    )
    with socket.create_connection((host, port), timeout=10) as raw:
        raw.sendall(request)
        answer = raw.recv(65536)
    status = int(answer.split(b" ", 2)[1])
    assert 400 <= status < 500
    assert live.alive()
