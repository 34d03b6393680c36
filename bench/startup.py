"""`python -m bench --only-start`: the cold start of `serve`, and how long seeds take to load, by phase.

Cold start: launch to the first 200 on the list endpoint, median of N, with the CPU time the server
process used until then (the figure that moves least when other work shares the machine). Seeds: the
shipped 5,000-conversation YAML seed and a generated JSON seed (1,000,000 conversations of 3 messages by
default), each loaded in this process phase by phase (read + validate + build, which go together; the
wait for the phone numbers' verdicts; store) with the resident bytes per conversation it leaves, then the
JSON one end to end through `serve --seed FILE`, launch to the first 200.
"""

from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.bigaccount import rss_bytes
from bench.processes import ROOT, free_port, mock_command, start

BUSY_SEED = ROOT / "fixtures" / "seeds" / "busy_account.yaml"
BUSY_KEY = "sk-busy-account"


@dataclass
class ColdStart:
    """Cold start of one server: medians over the runs."""

    wall_ms: float
    cpu_ms: float
    runs: list[float]


def cold_start(server: str, runs: int) -> ColdStart:
    """Launch `serve` `runs` times (after one unmeasured launch that writes the bytecode cache)."""
    walls, cpus = [], []
    for index in range(runs + 1):
        port = free_port()
        running, took = start(f"serve ({server})", mock_command(port, server), port)
        cpu = running.cpu_seconds()
        running.stop()
        if index:
            walls.append(took * 1000)
            cpus.append(cpu * 1000)
    return ColdStart(statistics.median(walls), statistics.median(cpus), walls)


STACK_IMPORTS = "import click, flask, granian.server; from pydantic import BaseModel"
"""What `serve` cannot answer without: the command line, the web framework, the server, the models' base."""


def import_floor(runs: int) -> dict[str, float]:
    """Median ms from launch to exit of a bare interpreter, and of one that imports only the stack `serve` uses.

    The cold start of `serve` cannot come in under the second figure on this machine, whatever the mock does.
    """
    floors = {}
    for label, code in (("floor: bare python", "pass"), ("floor: python importing the stack only", STACK_IMPORTS)):
        walls = []
        for index in range(runs + 1):
            began = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            if index:  # the first run fills the OS file cache
                walls.append((time.perf_counter() - began) * 1000)
        floors[label] = statistics.median(walls)
    return floors


def print_import_floor(runs: int) -> None:
    """Print `import_floor` under a cold start table (the stack: `STACK_IMPORTS`)."""
    for label, wall in import_floor(runs).items():
        print(f"  {label:40} {wall:6.0f} ms  (launch to exit)")


@dataclass
class SeedLoad:
    """One seed file loaded in this process, by phase (seconds, wall clock and CPU)."""

    label: str
    conversations: int
    read_build: float
    numbers: float
    store: float
    cpu: float
    resident: float
    """Bytes of resident memory per conversation the load leaves (after a full collection)."""

    @property
    def total(self) -> float:
        """All three phases."""
        return self.read_build + self.numbers + self.store


def load_seed(path: Path, label: str) -> SeedLoad:
    """Load `path` into a fresh mock the way `serve --seed` does, timing each phase."""
    from bland_sms_mock.mock_server.app import create_app
    from bland_sms_mock.mock_server.request_io import EXTENSION
    from bland_sms_mock.mock_server.snapshot import seed_file

    store = create_app().extensions[EXTENSION]
    timings: dict[str, float] = {}
    gc.collect()
    resident_before = rss_bytes()
    cpu_began = time.process_time()
    count = seed_file(store, path, timings)
    cpu = time.process_time() - cpu_began
    gc.collect()
    resident = (rss_bytes() - resident_before) / count
    result = SeedLoad(label, count, timings["read"], timings["numbers"], timings["store"], cpu, resident)
    del store
    gc.collect()
    return result


def big_seed(conversations: int) -> Path:
    """The generated JSON seed of `conversations` conversations x 3 messages, made once and kept in the temp folder."""
    path = Path(tempfile.gettempdir()) / f"bland-bench-seed-{conversations}x3.json"
    if not path.exists():
        partial = path.with_name(f"{path.stem}.partial.json")  # the extension chooses JSON
        module = "bland_sms_mock.contracts.scenarios.seeds"
        command = [sys.executable, "-m", module, "--conversations", str(conversations), "--messages", "3"]
        subprocess.run([*command, "--out", str(partial)], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        partial.rename(path)
    return path


def serve_with_seed(path: Path, deadline: float = 600.0) -> tuple[float, float]:
    """`serve --seed path`: seconds from launch to the first 200 listing the busy account, and CPU seconds."""
    port = free_port()
    command = [*mock_command(port), "--seed", str(path)]
    running, took = start("serve --seed", command, port, deadline=deadline, api_key=BUSY_KEY)
    cpu = running.cpu_seconds()
    running.stop()
    return took, cpu


def print_start_numbers(runs: int, conversations: int, servers: tuple[str, ...] = ("granian", "waitress")) -> None:
    """Measure and print the cold start and seed tables (`python -m bench --only-start`)."""
    load = os.getloadavg()
    print(f"machine load (1/5/15 min): {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} cores\n")
    print(f"cold start of serve, launch to first 200 on the list endpoint (median of {runs})")
    print(f"  {'server':12} {'wall ms':>8} {'cpu ms':>8}  runs (ms)")
    for server in servers:
        result = cold_start(server, runs)
        print(f"  {server:12} {result.wall_ms:8.0f} {result.cpu_ms:8.0f}  {', '.join(f'{r:.0f}' for r in result.runs)}")
    print_import_floor(runs)
    if conversations:
        print()
        print_seed_loads(conversations)


def print_seed_loads(conversations: int) -> None:
    """Measure and print the seed table: the shipped 5,000 YAML seed and a generated JSON one of `conversations`."""
    path = big_seed(conversations)
    print(f"seed loads (seconds; the {conversations:,} seed: {path}, {path.stat().st_size / 1e6:,.0f} MB)")
    print(f"  {'seed':34} {'read+build':>13} {'numbers':>7} {'store':>7} {'total':>7} {'cpu':>7} {'B/conv':>7}")
    for seed_path, label in ((BUSY_SEED, "busy_account.yaml (5,000, YAML)"), (path, f"{conversations:,} x 3 (JSON)")):
        result = load_seed(seed_path, label)
        print(
            f"  {result.label:34} {result.read_build:13.2f} {result.numbers:7.2f} {result.store:7.2f} "
            f"{result.total:7.2f} {result.cpu:7.2f} {result.resident:7,.0f}"
        )
    took, cpu = serve_with_seed(path)
    print(f"  {'serve --seed (launch to first 200)':34} {'':13} {'':7} {'':7} {took:7.2f} {cpu:7.2f}")
    load = os.getloadavg()
    print(f"\nmachine load after: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
