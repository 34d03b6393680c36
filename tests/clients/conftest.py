"""Fixtures of the real-client tests: one served mock per module."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator

import pytest
from serve_support import start_serve


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    """`bland-sms-mock serve` on a free loopback port for the module, stopped by its PID."""
    process, served_url, _banner = start_serve()
    try:
        yield served_url
    finally:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate(timeout=10)
