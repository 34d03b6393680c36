"""`python -m bench`: cold start, throughput and latency against Prism, big accounts. Prints one table."""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
from typing import Any

import httpx

from bench import bigaccount, fixtures
from bench.kit import default_run_seconds, print_kit_numbers
from bench.load import ENDPOINTS, LoadResult, run_wrk, wrk_available
from bench.processes import DEMO_KEY, free_port, mock_command, prism_command, start
from bench.startup import print_import_floor, print_seed_loads, print_start_numbers


def cold_start(name: str, command_for_port: Any, runs: int) -> float:
    """Median seconds from launch to the first 200 on the list endpoint."""
    samples = []
    for _ in range(runs):
        port = free_port()
        server, took = start(name, command_for_port(port), port)
        server.stop()
        samples.append(took)
    return statistics.median(samples)


def load(url: str, endpoint: str, seconds: int, conversation_id: str | None = None) -> LoadResult:
    """wrk when present, else the Python generator in a separate process."""
    if wrk_available():
        return run_wrk(url, endpoint, seconds, conversation_id=conversation_id)
    output = subprocess.run(
        [sys.executable, "-m", "bench.pyload", url, endpoint, str(seconds), "16", *filter(None, [conversation_id])],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    return LoadResult(**json.loads(output))


PRISM_CONVERSATION = "convo_bench"
"""Prism's static mock answers its example for any id."""


def _reset(url: str) -> None:
    subprocess.run(["curl", "-s", "-o", "/dev/null", "-X", "POST", f"{url}/_mock/reset"], check=False)


def one_conversation(url: str) -> str:
    """Reset the mock and open one conversation of 3 messages (USER, AGENT by send, USER); return its id."""
    _reset(url)
    pair = {"user_number": "+15550001111", "agent_number": "+15552223333"}
    with httpx.Client(base_url=url, headers={"authorization": DEMO_KEY}, timeout=10) as client:
        made = client.post("/v1/sms/create", json={**pair, "message": "Is my order on its way?"}).json()["data"]
        client.post("/v1/sms/send", json={**pair, "agent_message": "Yes, it shipped today."}).raise_for_status()
        client.post("/v1/sms/create", json={**pair, "message": "Thanks!"}).raise_for_status()
    return made["conversation_id"]


def throughput(
    targets: dict[str, Any], seconds: int, rounds: int, endpoints: tuple[str, ...] = ENDPOINTS
) -> dict[tuple[str, str], LoadResult]:
    """Interleaved runs (mock, Prism, mock, Prism...) per endpoint; keep each target's median run.

    List runs start from a reset mock; create runs follow on the same state, and send runs after them
    continue the conversations the creates opened (same 1,000 user numbers); each get run reads one
    conversation of 3 messages in a freshly reset mock.
    """
    servers = {}
    for name, command_for_port in targets.items():
        port = free_port()
        servers[name], _ = start(name, command_for_port(port), port)
    results: dict[tuple[str, str], list[LoadResult]] = {}
    try:
        for endpoint in endpoints:
            for _ in range(rounds):
                for name, server in servers.items():
                    mock = name.startswith("bland")
                    if endpoint == "list" and mock:
                        _reset(server.url)
                    conversation_id = None
                    if endpoint == "get":
                        conversation_id = one_conversation(server.url) if mock else PRISM_CONVERSATION
                    results.setdefault((name, endpoint), []).append(
                        load(server.url, endpoint, seconds, conversation_id)
                    )
    finally:
        for server in servers.values():
            server.stop()
    return {key: sorted(runs, key=lambda r: r.requests_per_second)[len(runs) // 2] for key, runs in results.items()}


def print_fixture_overhead() -> None:
    """Print what the pytest fixtures and `intercept()` cost a test."""
    print(f"  {'fixture overhead (in the test process)':48} {'p50 ms':>8} {'p95 ms':>8}")
    for timing in fixtures.measure():
        print(f"  {timing.label:48} {timing.p50_ms:8.2f} {timing.p95_ms:8.2f}")


def main() -> None:
    """Run every benchmark and print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--seconds", type=int, default=10, help="length of each load run")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved load runs per target and endpoint")
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--conversations", type=int, default=100_000, help="size of the big account")
    parser.add_argument("--no-prism", action="store_true", help="skip Prism")
    parser.add_argument("--servers", default="granian,waitress", help="mock servers to measure")
    parser.add_argument("--only-fixtures", action="store_true", help="measure only the fixture overhead")
    parser.add_argument("--only-kit", action="store_true", help="measure only the contract kit (time, kill rate)")
    parser.add_argument("--only-throughput", action="store_true", help="stop after cold start and throughput")
    parser.add_argument("--skip-seeds", action="store_true", help="leave out the seed loads (a 1,000,000 seed)")
    parser.add_argument(
        "--only-start", action="store_true", help="measure only the cold start of serve and the seed loads"
    )
    parser.add_argument("--seed-conversations", type=int, default=1_000_000, help="size of the generated JSON seed")
    parser.add_argument(
        "--endpoints", default=",".join(ENDPOINTS), help=f"load endpoints (default, and run order: {ENDPOINTS})"
    )
    args = parser.parse_args()
    requested = {e for e in args.endpoints.split(",") if e}
    if unknown := requested - set(ENDPOINTS):
        parser.error(f"--endpoints: unknown {', '.join(sorted(unknown))} (choose from {', '.join(ENDPOINTS)})")
    endpoints = tuple(e for e in ENDPOINTS if e in requested)  # always run in this order: list resets, create fills
    if args.only_fixtures:
        print_fixture_overhead()
        return
    if args.only_start:
        seeds = 0 if args.skip_seeds else args.seed_conversations
        print_start_numbers(args.cold_runs, seeds, tuple(args.servers.split(",")))
        return
    if args.only_kit:
        print_kit_numbers()
        return

    print(
        f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, {platform.python_implementation()} "
        f"{platform.python_version()}, cores: {len(__import__('os').sched_getaffinity(0))}"
    )
    print(
        f"load generator: {'wrk -t2 -c16' if wrk_available() else 'python bench.pyload (16 threads)'}, "
        f"{args.seconds}s x {args.rounds} interleaved rounds\n"
    )

    targets: dict[str, Any] = {
        f"bland-sms-mock ({s})": (lambda port, s=s: mock_command(port, s)) for s in args.servers.split(",")
    }
    prism = None if args.no_prism else prism_command(0)
    if prism is not None:
        targets["prism (static)"] = prism_command
    elif not args.no_prism:
        print("prism: skipped (npm unavailable or the install failed)\n")

    print(f"cold start (launch to first 200 on the list endpoint, median of {args.cold_runs})")
    colds = {name: cold_start(name, command, args.cold_runs) for name, command in targets.items()}
    for name, seconds in colds.items():
        print(f"  {name:32} {seconds * 1000:8.0f} ms")
    print_import_floor(args.cold_runs)

    print("\nthroughput and latency at 16 connections")
    results = throughput(targets, args.seconds, args.rounds, endpoints)
    order = ("create", "list", "send", "get")  # create and list first, as the table always printed them
    print(f"  {'target':32} {'endpoint':8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
    for (name, endpoint), result in sorted(results.items(), key=lambda kv: (order.index(kv[0][1]), kv[0][0])):
        print(
            f"  {name:32} {endpoint:8} {result.requests_per_second:8.0f} {result.p50_ms:8.2f} "
            f"{result.p99_ms:8.2f} {result.non_2xx:8d}"
        )
    if prism is not None:
        for name in targets:
            if name.startswith("bland"):
                for endpoint in sorted(endpoints, key=order.index):
                    ratio = (
                        results[(name, endpoint)].requests_per_second
                        / results[("prism (static)", endpoint)].requests_per_second
                    )
                    print(f"  ratio {name} / prism on {endpoint}: {ratio:.2f}")

    if args.only_throughput:
        return
    print()
    bigaccount.report(args.conversations, repeats=20)
    print()
    print_fixture_overhead()
    print()
    if not args.skip_seeds:
        print_seed_loads(args.seed_conversations)
        print()
    seconds, code = default_run_seconds()
    print(f"contract kit: default `check` against serve (granian), CLI start included: {seconds:.1f} s, exit {code}")


if __name__ == "__main__":
    main()
