"""The contract kit's numbers: a default `check` run against a served mock, and the catalogue's kill rate.

    python -m bench --only-kit

The catalogue of broken and benign targets lives in tests/kit/catalog.py; each is served on a free
loopback port and judged at the default level, as the tests do.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from bench.processes import free_port, mock_command, start

TESTS_KIT = Path(__file__).resolve().parents[1] / "tests" / "kit"


def default_run_seconds() -> tuple[float, int]:
    """Wall seconds and exit code of `bland-sms-mock check` with default options against `serve`."""
    port = free_port()
    server, _ = start("bland-sms-mock", mock_command(port), port)
    try:
        began = time.perf_counter()
        cli = str(Path(sys.executable).with_name("bland-sms-mock"))
        done = subprocess.run([cli, "check", "--base-url", server.url], capture_output=True, text=True, timeout=600)
        return time.perf_counter() - began, done.returncode
    finally:
        server.stop()


def kill_rate(max_examples: int = 10) -> tuple[int, int, int, int, float]:
    """(broken killed, broken total, benign passed, benign total, seconds) over the catalogue.

    Every target gets a whole default run (the tests judge a broken target by its own check only).
    """
    sys.path.insert(0, str(TESTS_KIT))
    from bland_sms_mock.contracts.kit.runner import KitOptions, run_kit
    from bland_sms_mock.mock_server.serving import BackgroundServer
    from catalog import BENIGN, BROKEN

    def judge(app: object) -> set[str]:
        server = BackgroundServer(app).start()
        try:
            report = run_kit(KitOptions(base_url=server.url, max_examples=max_examples))
        finally:
            server.stop()
        return {o.name for o in report.failed}

    began = time.perf_counter()
    killed = sum(1 for _, check, factory in BROKEN.values() if check in judge(factory()))
    passed = sum(1 for _, factory in BENIGN.values() if not judge(factory()))
    return killed, len(BROKEN), passed, len(BENIGN), time.perf_counter() - began


def print_kit_numbers() -> None:
    """Print the default run's time and the kill rate."""
    seconds, code = default_run_seconds()
    print(f"default check run against serve (granian): {seconds:.1f} s, exit {code}")
    killed, broken, passed, benign, took = kill_rate()
    print(f"broken targets failed by the intended check: {killed}/{broken} ({100 * killed / broken:.0f}%)")
    print(f"benign targets passed: {passed}/{benign}; catalogue judged in {took:.0f} s (max-examples 10)")
