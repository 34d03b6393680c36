"""Start `bland-sms-mock serve` in its own process group, signal it, and find what it left behind."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

CLI = [str(Path(sys.executable).with_name("bland-sms-mock"))]
STOP_LINE = "bland-sms-mock stopped"


def free_port() -> int:
    """A loopback port that is free right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def accepts(port: int) -> bool:
    """Whether 127.0.0.1:`port` accepts a connection."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def group_alive(pgid: int) -> bool:
    """Whether any process of process group `pgid` still exists (zombies of our own children are reaped first)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class Serve:
    """A `serve` process that leads its own process group (as a terminal, systemd or CI would start it)."""

    process: subprocess.Popen
    port: int
    output: str = ""

    @property
    def url(self) -> str:
        """Base URL of the server."""
        return f"http://127.0.0.1:{self.port}"

    def signal(self, signum: int, whole_group: bool) -> None:
        """Send `signum` to the serve process alone, or to its whole process group."""
        if whole_group:
            os.killpg(self.process.pid, signum)
        else:
            os.kill(self.process.pid, signum)

    def wait_listening(self, timeout: float = 30) -> None:
        """Wait until the port accepts connections."""
        deadline = time.monotonic() + timeout
        while not accepts(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"serve did not start: {self.finish(0)}")
            time.sleep(0.005)

    def ended_within(self, seconds: float) -> bool:
        """Whether serve and every process of its group are gone within `seconds`."""
        deadline = time.monotonic() + seconds
        try:
            self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return False
        while group_alive(self.process.pid):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def finish(self, timeout: float = 10) -> str:
        """The whole output, once the process has ended (killed with its group after `timeout`)."""
        try:
            self.output, _ = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill_group()
            self.output, _ = self.process.communicate(timeout=10)
        return self.output

    def kill_group(self) -> None:
        """SIGKILL whatever is left of the group this test started (cleanup after a failure)."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


def start(*args: str, port: int | None = None, command: list[str] | None = None) -> Serve:
    """Start `serve --port PORT ARGS` in a new session; it is not waited for."""
    port = port or free_port()
    process = subprocess.Popen(
        [*(command or CLI), "serve", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    return Serve(process, port)


@contextmanager
def running(*args: str, command: list[str] | None = None) -> Iterator[Serve]:
    """A started and listening serve, killed with its group if the block leaves it running."""
    serve = start(*args, command=command)
    try:
        serve.wait_listening()
        yield serve
    finally:
        if serve.process.poll() is None or group_alive(serve.process.pid):
            serve.kill_group()
        serve.finish(5)


def banner_port(output: str) -> int | None:
    """The port named in a start banner, if any."""
    match = re.search(r"listening on http://[\d.]+:(\d+)", output)
    return int(match.group(1)) if match else None


@contextmanager
def cpu_load(processes: int = 2) -> Iterator[None]:
    """Busy-loop processes that compete for the CPU while the block runs (stopped by their PIDs)."""
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(processes)]
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
