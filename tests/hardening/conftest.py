"""A live `bland-sms-mock serve` process on a free loopback port, stopped by its PID."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

CLI = str(Path(sys.executable).with_name("bland-sms-mock"))


@dataclass
class LiveServer:
    """A running `serve` process."""

    process: subprocess.Popen
    url: str

    def alive(self) -> bool:
        """Whether the process is still running and answering."""
        return self.process.poll() is None and httpx.get(f"{self.url}/_mock/health", timeout=5).status_code == 200


@pytest.fixture(scope="module")
def live() -> Iterator[LiveServer]:
    """One serve process per test module."""
    process = subprocess.Popen(
        [CLI, "serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    line = process.stdout.readline()
    match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
    if match is None:
        process.kill()
        pytest.fail(f"serve did not start: {line}")
    yield LiveServer(process, match.group(1))
    os.kill(process.pid, signal.SIGTERM)
    process.communicate(timeout=10)
