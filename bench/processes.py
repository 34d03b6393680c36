"""Start and stop servers for the benchmarks: by PID, on loopback, with a deadline."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
DEMO_KEY = "sk-demo-bland-sms-mock"
LIST_PATH = "/v1/sms/conversations"


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """A server process under test."""

    name: str
    process: subprocess.Popen
    url: str

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the process has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """SIGTERM the process group, then SIGKILL after 5 s."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def mock_command(port: int, server: str = "granian") -> list[str]:
    """`bland-sms-mock serve` on a port."""
    cli = str(Path(sys.executable).with_name("bland-sms-mock"))
    return [cli, "serve", "--port", str(port), "--server", server]


def prism_command(port: int) -> list[str] | None:
    """`prism mock openapi.yaml` (static, errors-only logging), installed into a temp folder, or None."""
    prefix = Path(os.environ.get("PRISM_PREFIX", Path(tempfile.gettempdir()) / "bland-bench-prism"))
    binary = prefix / "node_modules" / ".bin" / "prism"
    if not binary.exists():
        if shutil.which("npm") is None:
            return None
        result = subprocess.run(
            ["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "@stoplight/prism-cli"],
            capture_output=True,
            timeout=300,
        )
        if result.returncode != 0 or not binary.exists():
            return None
    return [str(binary), "mock", str(ROOT / "openapi.yaml"), "-p", str(port), "-h", "127.0.0.1", "-v", "error"]


def start(
    name: str, command: list[str], port: int, deadline: float = 60.0, api_key: str = DEMO_KEY
) -> tuple[Server, float]:
    """Start a server; return it and the seconds until its list endpoint first answered 200.

    The server may write Python's bytecode cache (as an installed package has it) even when this process
    runs with PYTHONDONTWRITEBYTECODE, so that launches after the first measure an ordinary start.
    """
    url = f"http://127.0.0.1:{port}"
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    began = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        cwd=ROOT,
        env=environment,
    )
    server = Server(name, process, url)
    with httpx.Client(timeout=1.0) as client:
        while time.perf_counter() - began < deadline:
            try:
                if client.get(url + LIST_PATH, headers={"authorization": api_key}).status_code == 200:
                    return server, time.perf_counter() - began
            except httpx.HTTPError:
                pass
            if process.poll() is not None:
                break
            time.sleep(0.005)
    server.stop()
    raise RuntimeError(f"{name} did not answer within {deadline} s")
