"""Load a running server with wrk (16 connections) and read req/s and latency percentiles.

Four endpoints: `list` (GET the conversations), `create` (POST /v1/sms/create), `send` (POST /v1/sms/send,
an AGENT message) and `get` (GET one conversation by id). Creates and sends cycle through USER_POOL user
numbers.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.processes import DEMO_KEY, LIST_PATH

USER_POOL = 1000
"""Distinct user numbers the create and send loads cycle through."""
CREATE_BODY = {"user_number": "+15550001111", "agent_number": "+15552223333", "message": "Load test message"}
SEND_BODY = {"user_number": "+15550001111", "agent_number": "+15552223333", "agent_message": "Load test message"}
ENDPOINTS = ("list", "create", "send", "get")
"""The endpoints a load run can drive, in the order the benchmark runs and prints them."""


def request_for(endpoint: str, conversation_id: str | None = None) -> tuple[str, str, dict | None]:
    """Method, path and body template of one load endpoint; `get` reads `conversation_id`."""
    if endpoint == "list":
        return "GET", LIST_PATH, None
    if endpoint == "create":
        return "POST", "/v1/sms/create", CREATE_BODY
    if endpoint == "send":
        return "POST", "/v1/sms/send", SEND_BODY
    if endpoint == "get" and conversation_id:
        return "GET", f"/v1/sms/conversations/{conversation_id}", None
    raise ValueError(f"unknown load endpoint {endpoint!r} (or `get` without a conversation id)")


@dataclass
class LoadResult:
    """What one load run measured."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int


def _script(method: str, body: dict | None) -> str:
    lines = [f'wrk.method = "{method}"', f'wrk.headers["authorization"] = "{DEMO_KEY}"']
    if body is not None:
        # Spread writes over USER_POOL user numbers so no conversation reaches the per-conversation message cap.
        template = json.dumps({**body, "user_number": "+1555%07d"})
        lines += [
            'wrk.headers["content-type"] = "application/json"',
            "counter = 0",
            "request = function()",
            "  counter = counter + 1",
            f"  return wrk.format(nil, nil, nil, string.format([[{template}]], 1000000 + counter % {USER_POOL}))",
            "end",
        ]
    return "\n".join(lines) + "\n"


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def wrk_available() -> bool:
    """Whether wrk is on the PATH."""
    return shutil.which("wrk") is not None


def run_wrk(
    url: str, endpoint: str, seconds: int, connections: int = 16, conversation_id: str | None = None
) -> LoadResult:
    """Run wrk against one endpoint (`ENDPOINTS`)."""
    method, path, body = request_for(endpoint, conversation_id)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_script(method, body))
    try:
        output = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script.name, url + path],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        ).stdout
    finally:
        Path(script.name).unlink()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    distribution = output[output.index("Latency Distribution") :]
    p50 = _ms(re.search(r"50%\s+(\S+)", distribution).group(1))
    p99 = _ms(re.search(r"99%\s+(\S+)", distribution).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return LoadResult(rps, p50, p99, int(bad.group(1)) if bad else 0)
