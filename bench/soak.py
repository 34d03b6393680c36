"""Soak `serve`: a bounded run of mixed traffic at 16 connections, checked for 5xx, lost or doubled conversations
and memory growth (`make soak`; `python -m bench.soak --seconds 10` for a short one).

Traffic per connection, drawn at random: creates (each with a fresh user number, so each acknowledged create
is exactly one conversation), lists with filters, clock advances, fault rules (marked by a response header, so
an injected 5xx is told from a real one), snapshots, and now and then a reset. A reset starts a new epoch:
it waits for the requests in flight, checks the state against the epoch's log of acknowledged creates, resets.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.processes import free_port, mock_command, start

KEY = {"authorization": "sk-demo-bland-sms-mock"}
AGENT = "+15552223333"
MARK = "x-soak-injected"
FILTERS = [
    {"field": "is_active", "operator": "eq", "value": True},
    {"field": "user_number", "operator": "contains", "value": "555"},
]


@dataclass
class Epoch:
    """What the clients were told between two resets."""

    acked: list[str] = field(default_factory=list)


class Soak:
    """The shared log of one soak run."""

    def __init__(self, url: str, seconds: float, connections: int, reset_every: float) -> None:
        self.url, self.seconds, self.connections, self.reset_every = url, seconds, connections, reset_every
        self.gate = threading.Semaphore(connections)  # a reset takes every permit: no request in flight
        self.open = threading.Event()  # cleared while a reset waits, so the connections let it through
        self.open.set()
        self.lock = threading.Lock()
        self.epoch = Epoch()
        self.statuses: Counter[str] = Counter()
        self.problems: list[str] = []
        self.epochs_checked = 0
        self.requests = 0

    def run_connection(self, index: int, until: float) -> None:
        """One client connection's loop of random operations."""
        rng = random.Random(index)
        serial = 0
        with httpx.Client(base_url=self.url, timeout=10) as client:
            while time.monotonic() < until:
                self.open.wait()
                with self.gate:
                    serial += 1
                    self._one(client, rng, f"+1555{index:02d}{serial % 100_000:05d}")

    def _one(self, client: httpx.Client, rng: random.Random, user: str) -> None:
        roll = rng.random()
        if roll < 0.55:
            body = {
                "user_number": user,
                "agent_number": AGENT,
                "message": "hi",
                "sender": rng.choice(["USER", "AGENT"]),
            }
            answer = client.post("/v1/sms/create", json=body, headers=KEY)
            if answer.status_code == 200:
                with self.lock:
                    self.epoch.acked.append(answer.json()["data"]["conversation_id"])
        elif roll < 0.85:
            params = {"filters": json.dumps([rng.choice(FILTERS)]), "pageSize": "20", "sortBy": "created_at"}
            answer = client.get("/v1/sms/conversations", params=params, headers=KEY)
        elif roll < 0.93:
            answer = client.post("/_mock/clock", json={"advance": rng.choice([1, 30, 300, 700])})
        elif roll < 0.96:
            rule = {"path": "/v1/sms/conversations", "status": 503, "times": 1, "headers": {MARK: "1"}}
            answer = client.post("/_mock/faults", json=rule)
        else:
            answer = client.get("/_mock/snapshot")
        self._count(answer)

    def _count(self, answer: httpx.Response) -> None:
        with self.lock:
            self.requests += 1
            self.statuses[str(answer.status_code)] += 1
            if answer.status_code >= 500 and MARK not in answer.headers:
                self.problems.append(f"{answer.request.method} {answer.request.url.path}: {answer.status_code}")

    def check_and_reset(self, client: httpx.Client, reset: bool) -> None:
        """With no request in flight: the state holds exactly the epoch's acknowledged creates; then reset."""
        self.open.clear()
        for _ in range(self.connections):
            self.gate.acquire()
        try:
            state = client.get("/_mock/snapshot").json()
            held = Counter(c["id"] for c in state["conversations"])
            acked = Counter(self.epoch.acked)
            lost, extra = acked - held, held - acked
            doubled = [i for i, n in acked.items() if n > 1]
            if lost or extra or doubled:
                self.problems.append(
                    f"epoch {self.epochs_checked}: {len(lost)} lost, {len(extra)} unknown, "
                    f"{len(doubled)} doubled of {len(acked)}"
                )
            self.epochs_checked += 1
            if reset:
                client.post("/_mock/reset", json={})
                self.epoch = Epoch()
        finally:
            for _ in range(self.connections):
                self.gate.release()
            self.open.set()


def resident_kib(pid: int) -> int:
    """The resident memory of a process (VmRSS), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the soak and print its figures as JSON; exit 1 if any check failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0, help="How long to run (default 600).")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--reset-every", type=float, default=30.0, help="Seconds between resets (default 30).")
    args = parser.parse_args(argv)
    port = free_port()
    server, _ = start("bland-sms-mock", mock_command(port), port)
    soak = Soak(server.url, args.seconds, args.connections, args.reset_every)
    began = time.monotonic()
    until = began + args.seconds
    memory: list[tuple[float, int]] = []
    threads = [threading.Thread(target=soak.run_connection, args=(i, until)) for i in range(args.connections)]
    try:
        for thread in threads:
            thread.start()
        with httpx.Client(base_url=server.url, timeout=30) as control:
            next_reset = began + args.reset_every
            while time.monotonic() < until:
                time.sleep(min(1.0, max(0.0, until - time.monotonic())))
                memory.append((round(time.monotonic() - began, 1), resident_kib(server.process.pid)))
                if time.monotonic() >= next_reset and time.monotonic() < until - 1:
                    soak.check_and_reset(control, reset=True)
                    next_reset = time.monotonic() + args.reset_every
            for thread in threads:
                thread.join()
            soak.check_and_reset(control, reset=False)
    finally:
        server.stop()
    warm = [kib for at, kib in memory if at >= args.seconds * 0.2] or [memory[-1][1]]
    report = {
        "seconds": args.seconds,
        "connections": args.connections,
        "requests": soak.requests,
        "requests_per_second": round(soak.requests / args.seconds),
        "statuses": dict(sorted(soak.statuses.items())),
        "epochs_checked": soak.epochs_checked,
        "rss_mib": {
            "after_warmup_first": round(warm[0] / 1024, 1),
            "max_after_warmup": round(max(warm) / 1024, 1),
            "last": round(warm[-1] / 1024, 1),
        },
        "problems": soak.problems[:20],
    }
    growth = max(warm) / warm[0] - 1
    if growth > 0.25:
        soak.problems.append(f"resident memory grew {growth:.0%} after warm-up")
        report["problems"] = soak.problems[:20]
    print(json.dumps(report, indent=1))
    return 1 if soak.problems else 0


if __name__ == "__main__":
    sys.exit(main())
