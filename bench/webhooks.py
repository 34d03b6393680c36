"""`python -m bench.webhooks`: how fast a timeout's webhook reaches an app, and what webhooks cost `/v1`.

1. Timeout to delivery: an in-process mock (as a test's fixture runs it) with a frozen clock and a local
   receiver; each sample sends, advances the clock past the timeout and takes the time from the advance
   to the status webhook's arrival at the receiver. Sequential samples (one timeout at a time) and a
   burst (every conversation timing out in one advance).
2. `/v1/sms/create` throughput of `serve` (granian, its own process) driven by `bench.pyload` (another
   process): without webhooks, with the number's webhook on a receiver that never answers, and on one
   that answers 200. Rounds are interleaved, each on a fresh server; the median round of each is kept,
   and each comparison is the median of the per-round ratios (a round's three runs follow each other,
   so a change of load on a shared machine between rounds cancels out). Besides requests per second it
   reports the server's CPU time per request (from /proc).

Prints numbers only; it asserts nothing (the tests hold behaviour, not timings).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from bland_sms_mock.contracts.models.api import SendRequest

from bench.processes import DEMO_KEY, free_port, mock_command, start
from bland_sms_mock import BlandMock, WebhookReceiver

AGENT = "+15552223333"


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def _bench_mock(webhook: str) -> BlandMock:
    config = {
        "accounts": [
            {
                "name": "bench",
                "api_key": "sk-bench",
                "agent_numbers": [{"number": AGENT, "sms_config": {"time_out": 60, "webhook": webhook}}],
            }
        ]
    }
    mock = BlandMock(config)
    mock.clock.freeze()
    return mock


def _send(mock: BlandMock, n: int) -> None:
    request = SendRequest.model_validate({"user_number": f"+1555{n:07d}", "agent_number": AGENT})
    mock.store.send(mock.store.find_account(None), request)


def timeout_latency_sequential(samples: int) -> list[float]:
    """Milliseconds from the clock advance that fires one timeout to its status webhook's arrival."""
    latencies = []
    with WebhookReceiver() as receiver:
        mock = _bench_mock(receiver.url)
        try:
            for n in range(samples):
                _send(mock, n)
                receiver.wait_for(2 * n + 1, timeout=10)  # the message webhook is in
                began = time.time()
                mock.clock.advance(60)
                arrived = receiver.wait_for(2 * n + 2, timeout=10)[-1]
                assert arrived.json["status"] == "timeout"
                latencies.append((arrived.received_at - began) * 1000)
        finally:
            mock.stop()
    return latencies


def timeout_latency_burst(conversations: int) -> tuple[list[float], float]:
    """Milliseconds from one advance that fires every timeout to each status webhook's arrival; and the span."""
    with WebhookReceiver() as receiver:
        mock = _bench_mock(receiver.url)
        try:
            for n in range(conversations):
                _send(mock, n)
            receiver.wait_for(conversations, timeout=60)
            began = time.time()
            mock.clock.advance(60)
            statuses = receiver.wait_for(conversations, timeout=120, type="status")
        finally:
            mock.stop()
    latencies = [(r.received_at - began) * 1000 for r in statuses]
    return latencies, max(latencies)


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of a process so far (Linux /proc), or NaN elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def create_throughput(mode: str, seconds: int, connections: int) -> dict[str, Any]:
    """One round of create load on a fresh `serve`: webhooks `off`, or to a `hanging` or `answering` receiver."""
    port = free_port()
    server, _ = start(f"bland-sms-mock ({mode})", mock_command(port), port)
    receiver = WebhookReceiver().start() if mode != "off" else None
    try:
        if receiver is not None:
            if mode == "hanging":
                receiver.hang()
            update = {"phone_number": AGENT, "webhook": receiver.url}
            headers = {"authorization": DEMO_KEY}
            httpx.post(f"{server.url}/v1/sms/number/update", json=update, headers=headers).raise_for_status()
        cpu_before = _cpu_seconds(server.process.pid)
        output = subprocess.run(
            [sys.executable, "-m", "bench.pyload", server.url, "create", str(seconds), str(connections)],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        ).stdout
        result = json.loads(output)
        cpu = _cpu_seconds(server.process.pid) - cpu_before
        result["cpu_ms_per_request"] = cpu * 1000 / max(1, result["requests_per_second"] * seconds)
        if receiver is not None:
            listing = httpx.get(f"{server.url}/_mock/webhooks", params={"limit": 1}).json()
            result["pending"], result["dropped_over_cap"] = listing["pending"], listing["dropped_over_cap"]
            result["received"] = len(receiver.requests)
        return result
    finally:
        server.stop()
        if receiver is not None:
            receiver.stop()


def main(argv: list[str] | None = None) -> None:
    """Run both measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1000, help="Timeouts measured one at a time (and in a burst).")
    parser.add_argument("--seconds", type=int, default=10, help="Seconds per throughput round.")
    parser.add_argument("--rounds", type=int, default=3, help="Throughput rounds per mode (median kept).")
    parser.add_argument("--connections", type=int, default=16, help="Load generator connections.")
    args = parser.parse_args(argv)

    sequential = timeout_latency_sequential(args.samples)
    print(f"timeout -> delivery, one at a time, {len(sequential)} deliveries:")
    print(f"  p50 {statistics.median(sequential):.2f} ms   p99 {_percentile(sequential, 0.99):.2f} ms")
    burst, span = timeout_latency_burst(args.samples)
    print(f"timeout -> delivery, {len(burst)} timeouts fired by one advance:")
    print(
        f"  p50 {statistics.median(burst):.1f} ms   p99 {_percentile(burst, 0.99):.1f} ms   "
        f"last {span:.1f} ms ({len(burst) / span * 1000:.0f} webhooks/s)"
    )

    rounds: dict[str, list[dict[str, Any]]] = {"off": [], "hanging": [], "answering": []}
    for _ in range(args.rounds):
        for mode in rounds:
            rounds[mode].append(create_throughput(mode, args.seconds, args.connections))
    print(f"/v1/sms/create, {args.connections} connections, {args.seconds} s rounds, median of {args.rounds}:")
    medians, cpu = {}, {}
    for mode, results in rounds.items():
        chosen = sorted(results, key=lambda r: r["requests_per_second"])[len(results) // 2]
        medians[mode] = chosen["requests_per_second"]
        cpu[mode] = statistics.median(r["cpu_ms_per_request"] for r in results)
        extra = ""
        if mode != "off":
            extra = (
                f"   receiver got {chosen['received']}, pending {chosen['pending']}, "
                f"dropped over cap {chosen['dropped_over_cap']}"
            )
        print(
            f"  webhooks {mode:9} {chosen['requests_per_second']:8.0f} req/s   p50 {chosen['p50_ms']:.2f} ms   "
            f"p99 {chosen['p99_ms']:.2f} ms   server CPU {cpu[mode]:.3f} ms/request   "
            f"non-2xx {chosen['non_2xx']}{extra}"
        )
    for mode in ("hanging", "answering"):
        pairs = list(zip(rounds[mode], rounds["off"], strict=True))
        throughput = statistics.median(r["requests_per_second"] / o["requests_per_second"] for r, o in pairs)
        per_request = statistics.median(r["cpu_ms_per_request"] / o["cpu_ms_per_request"] for r, o in pairs)
        print(
            f"  {mode} / off, median of per-round ratios: throughput {throughput:.3f}, "
            f"server CPU per request {per_request:.3f}"
        )


if __name__ == "__main__":
    main()
