"""Paths shared by the replay tests, and a `bland-sms-mock serve` process to replay against."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "fixtures" / "scenarios"
SEEDS = ROOT / "fixtures" / "seeds"
CLI = str(Path(sys.executable).with_name("bland-sms-mock"))


def start_serve(*args: str) -> tuple[subprocess.Popen[str], str]:
    """Start `bland-sms-mock serve` on a free loopback port; return the process and its URL."""
    process = subprocess.Popen(
        [CLI, "serve", "--port", "0", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    banner = ""
    while "Press Ctrl-C" not in banner:
        line = process.stdout.readline()
        if not line:
            process.kill()
            raise AssertionError(f"serve did not start: {banner}")
        banner += line
    match = re.search(r"listening on (http://[\d.]+:\d+)", banner)
    assert match, banner
    return process, match.group(1)
