"""The request journal, fault rules and the control token, through the Flask test client."""

from __future__ import annotations

import pytest
from bland_sms_mock.mock_server.app import create_app
from mock_support import DEMO_AGENT, DEMO_KEY, OTHER_KEY, TEST_CONFIG, USER, error_codes

BODY = {"user_number": USER, "agent_number": DEMO_AGENT, "message": "hi"}


@pytest.fixture
def two_accounts():
    """A client of a mock with two accounts."""
    return create_app(TEST_CONFIG).test_client()


def test_journal_records_api_requests_with_the_key_masked(client, auth) -> None:
    created = client.post("/v1/sms/create", json=BODY, headers=auth)
    client.get("/v1/sms/conversations?pageSize=5&pageSize=9", headers=auth)
    client.post("/_mock/clock", json={"advance": 1})  # the control API is not journalled
    entries = client.get("/_mock/requests").json["requests"]
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("POST", "/v1/sms/create", 200),
        ("GET", "/v1/sms/conversations", 200),
    ]
    first, second = entries
    assert first["body"] == BODY and first["account"] == "demo"
    assert first["response"]["data"]["conversation_id"] == created.json["data"]["conversation_id"]
    assert first["headers"]["authorization"] == "sk-d…mock" and DEMO_KEY not in str(entries)
    assert first["time"] == "2026-01-05T09:00:00.000Z" and first["id"] < second["id"]
    assert second["query"] == {"pageSize": "5"}  # the first of repeated parameters, as the API reads it


def test_journal_keeps_rejected_and_unparseable_requests(client, auth) -> None:
    client.post("/v1/sms/create", data=b'{"a": NaN', headers={**auth, "content-type": "application/json"})
    client.get("/v1/nowhere")
    entries = client.get("/_mock/requests").json["requests"]
    assert [(e["status"], e["body"], e["account"]) for e in entries] == [
        (400, '{"a": NaN', "demo"),
        (404, None, None),
    ]


def test_journal_filters_limit_and_clear(two_accounts) -> None:
    two_accounts.post("/v1/sms/create", json=BODY, headers={"authorization": DEMO_KEY})
    for _ in range(3):
        two_accounts.get("/v1/sms/conversations", headers={"authorization": OTHER_KEY})

    def paths(query: str) -> list[tuple[str, str]]:
        response = two_accounts.get(f"/_mock/requests?{query}")
        assert response.status_code == 200, response.json
        return [(e["method"], e["account"]) for e in response.json["requests"]]

    assert paths("method=post") == [("POST", "demo")]
    assert paths("path=/v1/sms/conv*") == [("GET", "other")] * 3
    assert paths("account=other&limit=2") == [("GET", "other")] * 2
    assert paths("status=200&method=GET&account=demo") == []
    bad = two_accounts.get("/_mock/requests?limit=0")
    assert (
        bad.status_code == 400 and error_codes(bad) == ["INVALID_QUERY"] and "limit" in bad.json["errors"][0]["message"]
    )
    assert two_accounts.delete("/_mock/requests").json == {"status": "ok", "cleared": 4}
    assert paths("") == []


def test_journal_is_bounded_and_drops_the_oldest() -> None:
    client = create_app(journal_size=3).test_client()
    for page in range(1, 6):
        client.get(f"/v1/sms/conversations?page={page}", headers={"authorization": DEMO_KEY})
    entries = client.get("/_mock/requests").json["requests"]
    assert [e["query"]["page"] for e in entries] == ["3", "4", "5"]


def test_reset_clears_the_journal_and_the_faults(client, auth) -> None:
    client.get("/v1/sms/conversations", headers=auth)
    client.post("/_mock/faults", json={"status": 500})
    client.post("/_mock/reset")
    assert client.get("/_mock/requests").json == {"requests": []}
    assert client.get("/_mock/faults").json == {"faults": []}


def test_status_fault_with_retry_after_for_the_first_match_only(client, auth) -> None:
    rule = client.post(
        "/_mock/faults", json={"method": "POST", "path": "/v1/sms/create", "status": 429, "retry_after": 7, "times": 1}
    )
    assert rule.status_code == 201 and rule.json["id"] == "fault-1" and rule.json["remaining"] == 1
    assert client.get("/v1/sms/conversations", headers=auth).status_code == 200  # other method: untouched
    hit = client.post("/v1/sms/create", json=BODY, headers=auth)
    assert hit.status_code == 429 and hit.headers["Retry-After"] == "7"
    assert error_codes(hit) == ["RATE_LIMITED"] and "fault-1" in hit.json["errors"][0]["message"]
    assert client.post("/v1/sms/create", json=BODY, headers=auth).status_code == 200
    listed = client.get("/_mock/faults").json["faults"]
    assert listed == [
        {
            "id": "fault-1",
            "method": "POST",
            "path": "/v1/sms/create",
            "status": 429,
            "retry_after": 7,
            "times": 1,
            "matched": 1,
            "applied": 1,
            "remaining": 0,
        }
    ]
    journal = client.get("/_mock/requests?method=POST").json["requests"]
    assert [(e["status"], e["fault"]) for e in journal] == [(429, {"id": "fault-1", "kind": "status 429"}), (200, None)]
    # a request the fault answered changed nothing
    assert client.get("/v1/sms/conversations", headers=auth).json["extra"]["pagination"]["totalItems"] == 1


def test_fault_by_account_spares_the_other_account(two_accounts) -> None:
    two_accounts.post(
        "/_mock/faults", json={"account": "other", "status": 503, "error": "MAINTENANCE", "message": "down"}
    )
    other = two_accounts.get("/v1/sms/conversations", headers={"authorization": OTHER_KEY})
    assert other.status_code == 503 and other.json == {
        "data": None,
        "errors": [{"error": "MAINTENANCE", "message": "down"}],
    }
    assert two_accounts.get("/v1/sms/conversations", headers={"authorization": DEMO_KEY}).status_code == 200


def test_probability_faults_repeat_with_the_same_seed(client, auth) -> None:
    def outcomes() -> list[int]:
        client.delete("/_mock/faults")
        client.post("/_mock/faults", json={"status": 500, "probability": 0.2, "seed": 42})
        return [client.get("/v1/sms/conversations", headers=auth).status_code for _ in range(100)]

    first = outcomes()
    assert first == outcomes()
    # p = 0.2 is skewed: about 20 hits in 100; an inverted draw (1 - p) would give about 80
    assert 8 <= first.count(500) <= 35 and set(first) == {200, 500}


def test_faults_never_touch_the_control_api(client) -> None:
    client.post("/_mock/faults", json={"path": "*", "status": 500})
    assert client.get("/_mock/health").status_code == 200
    assert client.post("/_mock/clock", json={"advance": 1}).status_code == 200


def test_latency_fault_delays_the_answer(client, auth) -> None:
    import time

    client.post("/_mock/faults", json={"latency_ms": 150, "times": 1})
    started = time.perf_counter()
    assert client.get("/v1/sms/conversations", headers=auth).status_code == 200
    assert time.perf_counter() - started >= 0.15
    assert client.get("/_mock/requests").json["requests"][0]["fault"] == {"id": "fault-1", "kind": "latency 150ms"}


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({}, "body"),
        ({"status": 200}, "status"),
        ({"status": 500, "drop": True}, "body"),
        ({"retry_after": 3}, "body"),
        ({"status": 500, "probability": 0}, "probability"),
        ({"status": 500, "times": 0}, "times"),
        ({"status": 500, "latency_ms": -1}, "latency_ms"),
        ({"status": 500, "colour": "red"}, "colour"),
        ({"status": "500"}, "status"),
        ({"path": "v1/sms/*", "status": 500}, "path"),
        ({"path": "/_mock/*", "status": 500}, "path"),
        ({"path": "/_mock", "drop": True}, "path"),
    ],
)
def test_bad_fault_rules_are_refused_naming_the_field(client, rule, field) -> None:
    response = client.post("/_mock/faults", json=rule)
    assert response.status_code == 400
    assert response.json["errors"][0]["message"].startswith(f"{field}:"), response.json
    assert client.get("/_mock/faults").json == {"faults": []}


def test_remove_one_fault(client) -> None:
    client.post("/_mock/faults", json={"status": 500})
    client.post("/_mock/faults", json={"status": 503})
    assert client.delete("/_mock/faults/fault-1").status_code == 200
    assert [f["id"] for f in client.get("/_mock/faults").json["faults"]] == ["fault-2"]
    missing = client.delete("/_mock/faults/fault-9")
    assert missing.status_code == 404 and error_codes(missing) == ["NOT_FOUND"]


def test_control_token_guards_every_control_route_but_not_the_api() -> None:
    client = create_app(control_token="s3cret").test_client()
    assert client.get("/v1/sms/conversations", headers={"authorization": DEMO_KEY}).status_code == 200
    for method, path in [
        ("GET", "/_mock/health"),
        ("POST", "/_mock/reset"),
        ("GET", "/_mock/requests"),
        ("GET", "/_mock/ui/version"),
    ]:
        refused = client.open(path, method=method, headers={"authorization": "Bearer wrong"})
        assert refused.status_code == 401 and error_codes(refused) == ["CONTROL_TOKEN_REQUIRED"], path
        assert client.open(path, method=method).status_code == 401
    assert client.get("/_mock/health", headers={"authorization": "Bearer s3cret"}).status_code == 200
    assert client.get("/_mock/health", headers={"x-mock-token": "s3cret"}).status_code == 200
    assert client.get("/_mock/ui/").status_code == 200  # the page itself holds no data; it asks for the token


def test_with_a_token_a_conversation_is_found_by_id_alone() -> None:
    client = create_app(TEST_CONFIG, control_token="s3cret").test_client()
    made = client.post("/v1/sms/create", json=BODY, headers={"authorization": DEMO_KEY}).json["data"]
    bearer = {"authorization": "Bearer s3cret"}
    detail = client.get(f"/_mock/conversations/{made['conversation_id']}", headers=bearer)
    assert detail.status_code == 200 and detail.json["data"]["user_number"] == USER
    messages = client.get(f"/_mock/conversations/{made['conversation_id']}/messages", headers=bearer)
    assert [m["message"] for m in messages.json["data"]] == ["hi"]
    assert client.get("/_mock/conversations/convo_nope", headers=bearer).status_code == 404


def test_first_match_wins_and_a_pre_empted_rule_says_so(client, auth) -> None:
    """The README's rules in the wrong order: the catch-all latency rule takes the drop rule's requests."""
    client.post("/_mock/faults", json={"latency_ms": 1})
    late = client.post("/_mock/faults", json={"path": "/v1/sms/conversations", "drop": True, "times": 1}).json
    assert late["shadowed_by"] == "fault-1"
    assert client.get("/v1/sms/conversations", headers=auth).status_code == 200  # the drop never fires
    listed = client.get("/_mock/faults").json["faults"]
    assert [f.get("shadowed_by") for f in listed] == [None, "fault-1"] and listed[1]["matched"] == 0
    client.delete("/_mock/faults")
    client.post("/_mock/faults", json={"path": "/v1/sms/conversations", "drop": True, "times": 1})
    in_order = client.post("/_mock/faults", json={"latency_ms": 1}).json
    spared = client.post("/_mock/faults", json={"path": "/v1/sms/*", "status": 503, "probability": 0.5}).json
    assert "shadowed_by" not in in_order and spared["shadowed_by"] == in_order["id"]
