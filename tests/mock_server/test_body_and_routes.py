"""Malformed bodies, media types, size, routing errors: always a 4xx envelope, never a 5xx."""

from __future__ import annotations

import pytest
from mock_support import error_codes

GOOD = b'{"user_number":"+15550001111","agent_number":"+15552223333","message":"hi"}'


def _post(client, auth, data: bytes, content_type: str | None = "application/json"):
    headers = dict(auth)
    if content_type is not None:
        headers["content-type"] = content_type
    return client.post("/v1/sms/create", data=data, headers=headers)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   ",
        b"{",
        b"not json",
        b"[1,2]",
        b'"text"',
        b"42",
        b"null",
        b"\xff\xfe{}",
        b'{"message": NaN}',
        b'{"time_out": 1e999}',
        b'{"a": Infinity}',
        b"[" * 10_000 + b"]" * 10_000,
        b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
    ],
)
def test_bodies_that_are_not_a_json_object(client, auth, data) -> None:
    response = _post(client, auth, data)
    assert response.status_code == 400
    assert error_codes(response) == ["INVALID_JSON"]


def test_huge_integer_is_a_clean_400(client, auth) -> None:
    data = (
        b'{"user_number":"+15550001111","agent_number":"+15552223333","message":"hi","time_out":' + b"9" * 5000 + b"}"
    )
    response = _post(client, auth, data)
    assert response.status_code == 400


def test_nul_bytes_in_strings_are_kept(client, auth, messages) -> None:
    data = b'{"user_number":"+15550001111","agent_number":"+15552223333","message":"a\\u0000b"}'
    response = _post(client, auth, data)
    assert response.status_code == 200
    assert messages(response.json["data"]["conversation_id"])[0]["message"] == "a\x00b"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_non_json_content_type_is_415(client, auth, content_type) -> None:
    response = _post(client, auth, GOOD, content_type)
    assert response.status_code == 415
    assert error_codes(response) == ["UNSUPPORTED_MEDIA_TYPE"]


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/vnd.bland+json", None])
def test_json_content_types_and_none_are_parsed(client, auth, content_type) -> None:
    assert _post(client, auth, GOOD, content_type).status_code == 200


def test_body_over_one_mib_is_413(client, auth) -> None:
    response = _post(client, auth, b'{"message":"' + b"a" * (1024 * 1024) + b'"}')
    assert response.status_code == 413
    assert error_codes(response) == ["PAYLOAD_TOO_LARGE"]


def test_unknown_route_is_404_envelope(client, auth) -> None:
    response = client.get("/v1/sms/nothing", headers=auth)
    assert response.status_code == 404
    assert error_codes(response) == ["NOT_FOUND"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/v1/sms/create"),
        ("GET", "/v1/sms/create"),
        ("POST", "/v1/sms/conversations"),
        ("PUT", "/v1/sms/conversations"),
    ],
)
def test_wrong_method_is_405_with_allow(client, auth, method, path) -> None:
    response = client.open(path, method=method, headers=auth)
    assert response.status_code == 405
    assert error_codes(response) == ["METHOD_NOT_ALLOWED"]
    assert response.headers["Allow"]


def test_responses_are_json(client, auth) -> None:
    response = client.get("/v1/sms/conversations", headers=auth)
    assert response.mimetype == "application/json"
