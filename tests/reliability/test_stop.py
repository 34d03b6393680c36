"""`serve` stops every time: SIGINT or SIGTERM, to it or to its whole process group, at any moment.

Each iteration starts a real `serve` in its own process group, signals it at a random moment of a random
phase (starting up, loading a seed, the first 100 ms after the port accepts, under request load), and
requires that every process of the group is gone within 5 s, with status 0 and the one stop line.
"""

from __future__ import annotations

import random
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from reliability_support import STOP_LINE, cpu_load, start

pytestmark = pytest.mark.e2e

ITERATIONS = 100
PARALLEL = 4
PHASES = ("starting", "seed-loading", "just-listening", "under-load")
KEY = {"authorization": "sk-demo-bland-sms-mock"}
BODY = {"user_number": "+15550001111", "agent_number": "+15552223333", "message": "hi"}


def _load(url: str, until: threading.Event) -> None:
    with httpx.Client(timeout=2) as client:
        while not until.is_set():
            try:
                client.post(f"{url}/v1/sms/create", json=BODY, headers=KEY)
                client.get(f"{url}/v1/sms/conversations", headers=KEY)
            except httpx.HTTPError:
                time.sleep(0.01)


def stop_once(rng: random.Random, seed: Path) -> dict[str, object]:
    """Start serve, signal it at a random moment, and describe how it ended."""
    phase, signum, group = rng.choice(PHASES), rng.choice((signal.SIGINT, signal.SIGTERM)), rng.random() < 0.5
    serve = start(*(("--seed", str(seed)) if phase == "seed-loading" else ()))
    load_stop = threading.Event()
    try:
        if phase == "starting":
            time.sleep(rng.uniform(0, 0.8))
        elif phase == "seed-loading":
            time.sleep(rng.uniform(0.2, 1.5))
        else:
            serve.wait_listening()
            if phase == "just-listening":
                time.sleep(rng.uniform(0, 0.1))
            else:
                for _ in range(3):
                    threading.Thread(target=_load, args=(serve.url, load_stop), daemon=True).start()
                time.sleep(rng.uniform(0.05, 0.5))
        serve.signal(signum, group)
        ended = serve.ended_within(5)
    finally:
        load_stop.set()
        if serve.process.poll() is None:
            serve.kill_group()
    output = serve.finish()
    lines = output.strip().splitlines()
    return {
        "case": (phase, signal.Signals(signum).name, "group" if group else "pid"),
        "ended": ended,
        "status": serve.process.returncode,
        "last": lines[-1] if lines else "",
        "stop_lines": sum(STOP_LINE in line for line in lines),
        "output": output[-600:],
    }


def _acceptable(outcome: dict[str, object]) -> bool:
    if not outcome["ended"]:
        return False
    if outcome["status"] == 0:
        return str(outcome["last"]).startswith(STOP_LINE) and outcome["stop_lines"] == 1
    # Only before Python has reached the console script (interpreter start-up, a few ms idle, nothing bound
    # yet) does a signal take its default action: killed by SIGTERM, a KeyboardInterrupt for SIGINT (status 1
    # while `site` is importing, else 130). Documented in the README.
    signum = signal.Signals[outcome["case"][1]]
    if "listening on" in str(outcome["output"]):
        return False
    if signum == signal.SIGINT and outcome["last"] == "KeyboardInterrupt":
        return outcome["status"] in (1, -signum, 128 + signum)
    return outcome["status"] in (-signum, 128 + signum) and not outcome["output"]


def test_serve_stops_every_time_under_cpu_load(busy_seed: Path) -> None:
    rng = random.Random(17)
    seeds = [rng.randrange(2**32) for _ in range(ITERATIONS)]
    with cpu_load(1), ThreadPoolExecutor(PARALLEL) as pool:
        outcomes = list(pool.map(lambda s: stop_once(random.Random(s), busy_seed), seeds))
    bad = [o for o in outcomes if not _acceptable(o)]
    assert not bad, f"{len(bad)} of {ITERATIONS} stops went wrong; first: {bad[:3]}"
    early = [o for o in outcomes if o["status"] != 0]
    assert len(early) <= ITERATIONS // 10, f"too many stops before serve started: {early[:3]}"
