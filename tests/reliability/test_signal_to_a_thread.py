"""A stop signal the kernel hands to a thread other than the main one still stops `serve`."""

from __future__ import annotations

import ctypes
import os
import platform
import signal
import time
from pathlib import Path

import pytest
from serve_support import start_serve

SYS_TGKILL = {"x86_64": 234, "aarch64": 131}.get(platform.machine())


@pytest.mark.e2e
@pytest.mark.skipif(SYS_TGKILL is None or not Path("/proc/self/task").exists(), reason="needs Linux tgkill")
def test_sigterm_to_a_worker_thread_stops_serve() -> None:
    process, _url, _banner = start_serve()
    try:
        threads = [int(t) for t in os.listdir(f"/proc/{process.pid}/task") if int(t) != process.pid]
        assert threads, "granian runs threads beside the main one"
        libc = ctypes.CDLL(None, use_errno=True)
        assert libc.syscall(SYS_TGKILL, process.pid, threads[-1], signal.SIGTERM) == 0
        deadline = time.monotonic() + 5
        while process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert process.poll() == 0, "serve kept running after SIGTERM reached one of its threads"
        assert "stopped" in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
