"""Concurrency against a live server: no lost or duplicated conversation, no half-fired timeout."""

from __future__ import annotations

import threading
from collections import Counter

import httpx
import pytest
from hardening_support import DEMO_AGENT, DEMO_KEY

pytestmark = pytest.mark.e2e
AUTH = {"authorization": DEMO_KEY}
TIMEOUT_TEXT = "We haven't heard back, so we're closing this chat. Text us anytime."


def _all_items(url: str) -> list[dict]:
    return httpx.get(f"{url}/v1/sms/conversations", params={"pageSize": 1000}, headers=AUTH).json()["data"]


def test_sixteen_threads_of_creates_over_overlapping_pairs(live) -> None:
    httpx.post(f"{live.url}/_mock/reset")
    users = [f"+1555000300{i}" for i in range(6)]
    statuses: Counter[int] = Counter()
    archived_by_request = Counter()
    lock = threading.Lock()

    def worker(worker_id: int) -> None:
        with httpx.Client(base_url=live.url, headers=AUTH, timeout=30) as client:
            for n in range(200):
                new = (worker_id * 200 + n) % 23 == 0
                body = {
                    "user_number": users[(worker_id + n) % len(users)],
                    "agent_number": DEMO_AGENT,
                    "message": f"{worker_id}:{n}",
                    "new_conversation": new,
                }
                status = client.post("/v1/sms/create", json=body).status_code
                with lock:
                    statuses[status] += 1
                    archived_by_request[new] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    items = _all_items(live.url)
    assert statuses == Counter({200: 3200})
    active = Counter(c["user_number"] for c in items if c["is_active"])
    assert active == Counter(dict.fromkeys(users, 1))  # exactly one active conversation per pair
    assert sum(c["message_count"] for c in items) == 3200  # no lost message
    assert len(items) <= len(users) + archived_by_request[True]  # no conversation beyond those asked for


def test_clock_moves_and_lists_never_see_a_half_fired_timeout(live) -> None:
    httpx.post(f"{live.url}/_mock/reset")
    httpx.post(f"{live.url}/_mock/clock", json={"set": "2026-01-05T09:00:00Z"})
    for i in range(40):
        body = {"user_number": f"+155500040{i:02d}", "agent_number": DEMO_AGENT, "message": "ping", "sender": "AGENT"}
        assert httpx.post(f"{live.url}/v1/sms/create", json=body, headers=AUTH).status_code == 200
        httpx.post(f"{live.url}/_mock/clock", json={"advance": 7})
    problems: list[str] = []
    stop = threading.Event()

    def mover() -> None:
        with httpx.Client(base_url=live.url, timeout=30) as client:
            for _ in range(120):
                client.post("/_mock/clock", json={"advance": 9})
        stop.set()

    def reader() -> None:
        with httpx.Client(base_url=live.url, headers=AUTH, timeout=30) as client:
            while not stop.is_set():
                for item in client.get("/v1/sms/conversations", params={"pageSize": 100}).json()["data"]:
                    ended = item["last_message"] == TIMEOUT_TEXT
                    # ended: ping, warning, timeout; active: the ping alone, or the ping and then the warning
                    shape = (item["message_count"], item["last_message"] == "ping")
                    whole = shape == (3, False) if ended else shape in {(1, True), (2, False)}
                    if item["is_active"] == ended or not whole:
                        problems.append(f"{item['id']}: active={item['is_active']} last={item['last_message']!r}")

    threads = [threading.Thread(target=mover)] + [threading.Thread(target=reader) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert problems == []
    items = _all_items(live.url)
    assert all(not c["is_active"] and c["message_count"] == 3 for c in items)


def test_sends_creates_ends_and_deletes_in_eight_threads_keep_one_active_conversation_per_pair(live) -> None:
    httpx.post(f"{live.url}/_mock/reset")
    users = [f"+1555000500{i}" for i in range(4)]
    stored, delete_answered = Counter(), Counter()
    end_missed: set[str] = set()
    problems: list[str] = []
    lock = threading.Lock()

    def worker(worker_id: int) -> None:
        try:
            work(worker_id)
        except Exception as exc:  # an assertion in a thread would only be a warning: report it to the test
            with lock:
                problems.append(f"worker {worker_id}: {exc!r}")

    def work(worker_id: int) -> None:
        with httpx.Client(base_url=live.url, headers=AUTH, timeout=30) as client:
            for n in range(60):
                user = users[(worker_id + n) % len(users)]
                if n % 3 == 0:
                    body = {"user_number": user, "agent_number": DEMO_AGENT, "agent_message": f"{worker_id}:{n}"}
                    answer = client.post("/v1/sms/send", json=body, headers={"idempotency-key": f"{worker_id}:{n}"})
                else:
                    body = {"user_number": user, "agent_number": DEMO_AGENT, "message": f"{worker_id}:{n}"}
                    answer = client.post("/v1/sms/create", json=body)
                assert answer.status_code == 200, answer.text
                conversation_id = answer.json()["data"]["conversation_id"]
                with lock:
                    stored[conversation_id] += 1
                if n % 10 == 9:  # end it; the pair's next message opens a fresh conversation
                    ended = client.patch(f"/v1/sms/conversations/{conversation_id}", json={"is_active": False})
                    assert ended.status_code in (200, 404), ended.text  # 404: another thread deleted it first
                    if ended.status_code == 404:
                        with lock:
                            end_missed.add(conversation_id)
                if n % 20 == 19:
                    gone = client.delete(f"/v1/sms/conversations/{conversation_id}")
                    assert gone.status_code in (200, 404), gone.text  # 404: another thread deleted it first
                    if gone.status_code == 200:
                        with lock:
                            delete_answered[conversation_id] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert problems == []
    items = _all_items(live.url)
    assert all(count <= 1 for count in Counter(c["user_number"] for c in items if c["is_active"]).values())
    assert all(count == 1 for count in delete_answered.values())  # one delete succeeds per conversation
    gone = set(delete_answered)
    assert end_missed <= gone  # an end answered 404 only for a conversation another thread deleted
    assert not gone & {c["id"] for c in items}  # a deleted conversation never comes back
    kept = {c["id"]: c["message_count"] for c in items}
    assert kept == {cid: count for cid, count in stored.items() if cid not in gone}  # nothing lost, nothing doubled
