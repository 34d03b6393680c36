"""How webhooks are delivered: retries on the mock's clock, order, isolation, the cap, reset, the host policy."""

from __future__ import annotations

import statistics
import time

import httpx
from bland_sms_mock.contracts.models.api import SendRequest
from bland_sms_mock.mock_server.webhooks import BLOCKED, MAX_UNDELIVERED
from webhook_support import OTHER_USER, USER, closed_port_url, point_number_at, send

from bland_sms_mock import BlandMock, WebhookReceiver


def test_failed_attempts_are_retried_after_10_then_60_seconds_of_the_mock_clock(
    mock: BlandMock, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    receiver.respond_with(500, 503)
    send(api, mock, webhook=receiver.url)
    mock.settle_webhooks()
    [delivery] = mock.webhooks
    assert delivery["status"] == "pending"
    assert delivery["next_attempt_at"] == "2026-03-02T10:00:10.000Z"

    mock.clock.advance(9)
    mock.settle_webhooks()
    assert len(receiver.requests) == 1
    mock.clock.advance(1)
    mock.settle_webhooks()
    assert len(receiver.requests) == 2
    mock.clock.advance(60)

    delivered = mock.wait_for_webhook()
    assert [(a["response_code"], a["send_type"], a["sent_at"]) for a in delivered["attempts"]] == [
        (500, "spawn", "2026-03-02T10:00:00.000Z"),
        (503, "retry", "2026-03-02T10:00:10.000Z"),
        (200, "retry", "2026-03-02T10:01:10.000Z"),
    ]
    assert len({(r.body, r.signature) for r in receiver.requests}) == 1  # the same bytes, the same signature


def test_after_four_failed_attempts_a_webhook_is_given_up(
    mock: BlandMock, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    receiver.respond_with(*[500] * 10)
    send(api, mock, webhook=receiver.url)

    for seconds in (10, 60, 300, 3600):
        mock.settle_webhooks()
        mock.clock.advance(seconds)
    mock.settle_webhooks()

    delivery = mock.webhooks[0]  # the warning and the timeout followed it, 10 and 15 minutes in
    assert delivery["status"] == "failed" and delivery["next_attempt_at"] is None
    assert [a["error_message"] for a in delivery["attempts"]] == ["HTTP 500"] * 4
    assert [r.json["message_id"] for r in receiver.requests[:4]] == [delivery["payload"]["message_id"]] * 4
    assert receiver.requests[4].json["message_kind"] == "warning"  # its turn came once the first was given up


def test_a_conversations_later_webhooks_wait_behind_a_failing_one(
    mock: BlandMock, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    receiver.respond_with(500)
    send(api, mock, "first", webhook=receiver.url)
    mock.settle_webhooks()
    send(api, mock, "second")
    mock.settle_webhooks()
    assert [r.json["message"] for r in receiver.requests] == ["first"]

    mock.clock.advance(10)

    assert [r.json["message"] for r in receiver.wait_for(3)] == ["first", "first", "second"]


def test_a_receiver_that_never_answers_slows_neither_the_api_nor_other_conversations(
    mock: BlandMock, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    with WebhookReceiver() as dead:
        dead.hang()
        for n in range(4):  # more conversations than attempts the dead receiver may hold at once
            body = {"user_number": f"+1555000900{n}", "agent_number": mock.agent_number, "webhook": dead.url}
            assert api.post("/v1/sms/send", json=body).status_code == 200
        dead.wait_for(2)  # two attempts now hang (up to 5 s each)

        durations = []
        for n in range(20):
            started = time.perf_counter()
            body = {"user_number": f"+1555000800{n % 10}", "agent_number": mock.agent_number, "message": "hi"}
            assert api.post("/v1/sms/create", json=body).status_code == 200
            durations.append(time.perf_counter() - started)
        sent = time.monotonic()
        send(api, mock, webhook=receiver.url)
        receiver.wait_for(1, timeout=2)

        assert time.monotonic() - sent < 1.5
        assert statistics.median(durations) < 0.1 and max(durations) < 1


def test_a_refused_connection_does_not_hold_back_other_conversations(
    mock: BlandMock, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    refused = closed_port_url()
    for n in range(10):
        body = {"user_number": f"+1555000900{n}", "agent_number": mock.agent_number, "webhook": refused}
        assert api.post("/v1/sms/send", json=body).status_code == 200

    send(api, mock, webhook=receiver.url)

    receiver.wait_for(1, timeout=2)
    mock.settle_webhooks()
    failed = mock.webhook_deliveries(status="pending")
    assert len(failed) == 10
    assert all(d["attempts"][0]["error_message"].startswith("could not connect") for d in failed)


def test_past_the_cap_the_oldest_undelivered_webhooks_are_dropped_and_counted(
    mock: BlandMock, receiver: WebhookReceiver
) -> None:
    mock.webhook_faults.add(delay=60)  # hold every first attempt back, so none is in flight
    account = mock.store.find_account(None)
    for n in range(MAX_UNDELIVERED + 5):
        request = SendRequest.model_validate(
            {"user_number": f"+1555{n:07d}", "agent_number": mock.agent_number, "webhook": receiver.url}
        )
        mock.store.send(account, request)

    listing = httpx.get(f"{mock.url}/_mock/webhooks", params={"status": "dropped"}).json()

    assert listing["dropped_over_cap"] == 5
    assert listing["pending"] == MAX_UNDELIVERED
    assert [d["payload"]["phone_number"] for d in listing["deliveries"]] == [f"+1555{n:07d}" for n in range(5)]
    assert all("more than 10,000" in d["note"] for d in listing["deliveries"])
    mock.reset()


def test_a_reset_clears_the_log_and_the_pending_retries(
    mock: BlandMock, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    receiver.respond_with(500)
    send(api, mock, webhook=receiver.url)
    mock.settle_webhooks()
    assert httpx.get(f"{mock.url}/_mock/webhooks").json()["pending"] == 1

    assert httpx.post(f"{mock.url}/_mock/reset").status_code == 200
    mock.clock.set("2026-03-02T10:00:00Z")
    mock.clock.advance("1h")
    mock.settle_webhooks()

    assert httpx.get(f"{mock.url}/_mock/webhooks").json() == {
        "deliveries": [],
        "pending": 0,
        "dropped_over_cap": 0,
        "any_host": False,
    }
    assert len(receiver.requests) == 1


def test_a_host_that_is_not_loopback_is_refused_before_any_connection(mock: BlandMock, api: httpx.Client) -> None:
    def no_connection() -> None:
        raise AssertionError("the policy should refuse before connecting")

    mock.store.webhooks._connection_pool = no_connection  # type: ignore[method-assign]
    send(api, mock, webhook="https://hooks.example.com/sms")
    mock.settle_webhooks()
    mock.clock.advance("1h")
    mock.settle_webhooks()

    delivery = mock.webhooks[0]  # the warning and the timeout (refused too) followed it
    assert delivery["status"] == "failed"
    assert [(a["response_code"], a["error_message"]) for a in delivery["attempts"]] == [(None, BLOCKED)]
    assert {d["status"] for d in mock.webhooks} == {"failed"}
    assert "loopback-only policy" in BLOCKED


def test_webhooks_any_host_lets_another_host_through_the_policy(mock: BlandMock, api: httpx.Client) -> None:
    import httpcore

    class Refusing:
        def stream(self, *_args: object, **_kwargs: object) -> None:
            raise httpcore.ConnectError("no route (test double)")

    mock.store.webhooks._connection_pool = Refusing  # type: ignore[assignment,method-assign]
    mock.webhooks_any_host = True
    send(api, mock, webhook="https://hooks.example.com/sms")
    mock.settle_webhooks()

    [delivery] = mock.webhooks
    assert delivery["attempts"][0]["error_message"] == "could not connect: no route (test double)"
    assert httpx.get(f"{mock.url}/_mock/webhooks").json()["any_host"] is True


def test_users_and_other_pairs_share_nothing_but_the_pool(
    mock: BlandMock, api: httpx.Client, receiver: WebhookReceiver
) -> None:
    point_number_at(api, mock.agent_number, receiver.url)
    send(api, mock, "to the first user")
    api.post("/v1/sms/send", json={"user_number": OTHER_USER, "agent_number": mock.agent_number, "agent_message": "x"})

    got = receiver.wait_for(2)

    assert {r.json["phone_number"] for r in got} == {USER, OTHER_USER}
