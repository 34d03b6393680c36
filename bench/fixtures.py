"""What the Python API costs a test: starting and stopping a served mock, resetting a shared one, and a
request over a socket versus through `intercept()`."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from bland_sms_mock import BlandMock, intercept


@dataclass
class Timing:
    """Median and 95th percentile of one operation, in milliseconds."""

    label: str
    p50_ms: float
    p95_ms: float


def _time(label: str, action: Callable[[], object], repeats: int) -> Timing:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return Timing(label, statistics.median(samples), samples[int(len(samples) * 0.95) - 1])


def measure(repeats: int = 50) -> list[Timing]:
    """Time the fixture life cycle and one create/list round trip each way."""
    BlandMock()  # import and first-build costs are not per test

    def fresh_served_mock() -> None:
        with BlandMock() as mock:
            httpx.get(f"{mock.url}/_mock/health")

    shared = BlandMock().start()
    headers = {"authorization": shared.api_key}
    body = {"user_number": "+15550001111", "agent_number": shared.agent_number, "message": "hi"}
    timings = [
        _time("bland_mock: build, serve, first request, stop", fresh_served_mock, repeats),
        _time("bland_mock_shared: reset between tests", shared.reset, repeats),
    ]
    with httpx.Client(base_url=shared.url, headers=headers) as client:
        timings.append(
            _time("create + list over a loopback socket", lambda: _round_trip(client, "", body), repeats * 4)
        )
    shared.stop()
    in_memory = BlandMock()

    def shared_in_memory() -> None:
        in_memory.reset()
        with intercept(in_memory):
            pass

    timings.append(_time("bland_mock_intercept_shared: reset + intercept per test", shared_in_memory, repeats * 4))

    def fresh_in_memory() -> None:
        with intercept(BlandMock()):
            pass

    timings.append(_time("bland_mock_intercept: build a mock + intercept per test", fresh_in_memory, repeats))
    with intercept() as mock, httpx.Client(headers={"authorization": mock.api_key}) as client:
        timings.append(
            _time(
                "create + list through intercept() (no socket)",
                lambda: _round_trip(client, "https://api.bland.ai", body),
                repeats * 4,
            )
        )
    return timings


def _round_trip(client: httpx.Client, base: str, body: dict) -> None:
    client.post(f"{base}/v1/sms/create", json=body).raise_for_status()
    client.get(f"{base}/v1/sms/conversations", params={"pageSize": 5}).raise_for_status()
